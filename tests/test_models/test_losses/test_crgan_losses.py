"""LSGAN (Eq. (4)) and context (Eq. (6)) losses of CR-GAN."""
import pytest
import torch

from mmreidgen.registry import MODELS


def test_lsgan_loss():
    loss = MODELS.build(dict(type='LSGANLoss', loss_weight=2.0))
    pred = torch.tensor([[0.5, 1.0], [0.0, 0.25]])
    real = ((pred - 1)**2).mean()
    fake = (pred**2).mean()
    assert torch.isclose(loss(pred, True), 2 * real)
    assert torch.isclose(loss(pred, False), 2 * fake)
    # Discriminator terms ignore lambda_adv and are halved.
    assert torch.isclose(loss(pred, True, is_disc=True), 0.5 * real)
    assert loss(torch.ones(3), True) == 0


def test_context_loss_eq6():
    loss = MODELS.build(dict(type='CRGANContextLoss', loss_weight=5.0))
    xs, xt = torch.zeros(1, 3, 4, 2), torch.ones(1, 3, 4, 2)
    ms = torch.zeros(1, 1, 4, 2)
    ms[..., :2, :] = 1  # top half is the source person
    # Foreground of X_S and background of X_T: zero loss.
    ideal = xs * ms + xt * (1 - ms)
    assert loss(ideal, xs, xt, ms) == 0
    # All-source image: background error only, 1 on half the elements.
    assert torch.isclose(loss(xs.clone(), xs, xt, ms), torch.tensor(2.5))
    # Independent formula.
    fake = torch.rand(1, 3, 4, 2)
    ref = (((fake - xs) * ms)**2).sum() + (((fake - xt) * (1 - ms))**2).sum()
    assert torch.isclose(loss(fake, xs, xt, ms), 5 * ref / fake.numel())


def test_context_loss_ignore_target_person():
    loss = MODELS.build(dict(type='CRGANContextLoss',
                             ignore_target_person=True))
    xs, xt = torch.zeros(1, 3, 2, 2), torch.ones(1, 3, 2, 2)
    ms, mt = torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)
    assert loss(xs, xs, xt, ms, mt) == 0
    with pytest.raises(ValueError, match='target_mask'):
        loss(xs, xs, xt, ms)
    with pytest.raises(ValueError, match='does not match'):
        loss(xs, xs, xt, torch.zeros(1, 1, 4, 4), mt)
