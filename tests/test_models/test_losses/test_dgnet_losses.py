"""DG-Net's registered losses."""
import pytest
import torch

from mmreidgen.registry import MODELS


def test_recon_loss_is_weighted_l1_with_a_detached_target():
    loss = MODELS.build(dict(type='DGNetReconLoss', loss_weight=5.0))
    pred = torch.zeros(2, 3, requires_grad=True)
    target = torch.ones(2, 3, requires_grad=True)
    value = loss(pred, target)
    assert value.item() == pytest.approx(5.0)
    value.backward()
    assert pred.grad is not None and target.grad is None
    with pytest.raises(ValueError, match='same shape'):
        loss(pred, torch.ones(3, 2))


def test_r1_penalty_of_a_linear_discriminator():
    # D_s(x) = a_s * sum(x): d sum D_s / dx = a_s everywhere.
    penalty = MODELS.build(dict(type='DGNetR1Penalty', loss_weight=0.01))
    x = torch.randn(2, 3, 4, 2, requires_grad=True)
    outs = [2.0 * x.sum((1, 2, 3)), 3.0 * x.sum((1, 2, 3))]
    n = 3 * 4 * 2
    expected = 0.01 * (4 * n + 9 * n)
    assert penalty(outs, x).item() == pytest.approx(expected)
    with pytest.raises(ValueError, match='requires_grad'):
        penalty(outs, x.detach())


def test_teacher_kl_is_the_soft_label_loss_in_kl_mode():
    # Eq. (8): KL(q || p), summed over classes and averaged over images.
    loss = MODELS.build(dict(type='SoftLabelLoss', mode='kl'))
    logits = torch.randn(4, 5)
    q = torch.softmax(torch.randn(4, 5), 1)
    p = torch.log_softmax(logits, 1)
    expected = (q * (q.log() - p)).sum(1).mean()
    assert torch.allclose(loss(logits, q), expected, atol=1e-6)
    assert loss(q.log(), q).abs().item() < 1e-6
