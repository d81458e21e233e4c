"""The extra noise layer and the generated-image weight of SLSRLoss."""
import math

import pytest
import torch

from mmreidgen.registry import MODELS

LOGITS = torch.tensor([[2.0, 0.0, -1.0, 0.5], [0.1, 1.5, 0.3, -0.2],
                       [1.0, 1.0, -2.0, 0.0]])


def hand_loss(rows):
    """Mean over rows of -sum_k q_k log p_k, computed with math."""
    total = 0.0
    for logits, q in rows:
        z = sum(math.exp(v) for v in logits)
        total -= sum(qk * (lv - math.log(z)) for qk, lv in zip(q, logits))
    return total / len(rows)


def mixed_batch():
    # A real image of id 0, two generated from a cluster with ids {1, 2}.
    target = torch.tensor([[1.0, 0, 0, 0], [0, 0.5, 0.5, 0],
                           [0, 0.5, 0.5, 0]])
    return target, torch.tensor([False, True, True])


def test_noise_layer_starts_near_identity_and_maps_distributions():
    layer = MODELS.build(dict(type='SLSRNoiseAdaptation', num_classes=4,
                              init_diagonal=0.97))
    q = layer.transition()
    assert torch.allclose(q.sum(1), torch.ones(4))
    assert torch.allclose(torch.diagonal(q), torch.full((4, ), 0.97))
    assert q[0, 1].item() == pytest.approx(0.01)
    log_p = torch.log_softmax(LOGITS, 1)
    out = layer(log_p)
    # log(p Q) by hand, and still a distribution.
    assert torch.allclose(out.exp(), log_p.exp() @ q, atol=1e-6)
    assert torch.allclose(out.exp().sum(1), torch.ones(3), atol=1e-6)
    with pytest.raises(ValueError, match='init_diagonal'):
        MODELS.build(dict(type='SLSRNoiseAdaptation', num_classes=4,
                          init_diagonal=0.2))


def test_noise_layer_changes_generated_rows_only_and_learns():
    target, is_gen = mixed_batch()
    plain = MODELS.build(dict(type='SLSRLoss'))
    noisy = MODELS.build(dict(
        type='SLSRLoss',
        noise_layer=dict(type='SLSRNoiseAdaptation', num_classes=4,
                         init_diagonal=0.7)))
    # Real images only: the layer is not used.
    real = torch.tensor([0, 1, 3])
    assert noisy(LOGITS, real).item() == pytest.approx(
        plain(LOGITS, real).item())
    # Generated rows go through p Q: the hand value of Eq. (13) on them.
    q = noisy.noise_layer.transition().detach()
    p = torch.softmax(LOGITS, 1)
    rows = [(LOGITS[0].tolist(), target[0].tolist())]
    for i in (1, 2):
        p_noisy = (p[i] @ q).tolist()
        rows.append(([math.log(v) for v in p_noisy], target[i].tolist()))
    assert noisy(LOGITS, target, is_gen).item() == pytest.approx(
        hand_loss(rows), rel=1e-5)
    assert abs(noisy(LOGITS, target, is_gen).item() -
               plain(LOGITS, target, is_gen).item()) > 1e-3
    # Its parameters are the module's and get gradients.
    params = list(noisy.parameters())
    assert len(params) == 1
    noisy(LOGITS, target, is_gen).backward()
    assert params[0].grad is not None and params[0].grad.abs().sum() > 0


def test_noise_layer_is_off_by_default():
    assert MODELS.build(dict(type='SLSRLoss')).noise_layer is None
    assert list(MODELS.build(dict(type='SLSRLoss')).parameters()) == []


def test_zero_generated_weight_keeps_only_real_terms():
    target, is_gen = mixed_batch()
    loss = MODELS.build(dict(type='SLSRLoss', generated_weight=0.0))
    # The real row's term over the whole batch size (3), as in the full
    # loss: the generated rows contribute nothing.
    rows = [(LOGITS[0].tolist(), target[0].tolist())]
    assert loss(LOGITS, target, is_gen).item() == pytest.approx(
        hand_loss(rows) / 3, rel=1e-6)
    logits = LOGITS.clone().requires_grad_()
    loss(logits, target, is_gen).backward()
    assert torch.all(logits.grad[1:] == 0)
    assert logits.grad[0].abs().sum() > 0
    # Weight 1 is the full loss.
    full = MODELS.build(dict(type='SLSRLoss', generated_weight=1.0))
    ref = MODELS.build(dict(type='SLSRLoss'))
    assert full(LOGITS, target, is_gen).item() == pytest.approx(
        ref(LOGITS, target, is_gen).item())
    with pytest.raises(ValueError, match='generated_weight'):
        MODELS.build(dict(type='SLSRLoss', generated_weight=-1))


def test_noise_layer_trains_with_the_head_and_not_at_test_time():
    head = MODELS.build(dict(
        type='ReIDHead', in_channels=8, num_classes=4,
        loss_cls=dict(type='SLSRLoss', noise_layer=dict(
            type='SLSRNoiseAdaptation', num_classes=4))))
    # A parameter of the model, so the optimiser updates it.
    assert 'loss_cls.noise_layer.weight' in dict(head.named_parameters())
    feat_map = torch.randn(3, 8, 4, 2)
    target, _ = mixed_batch()
    labels = torch.tensor([0, -1, -1])
    losses = head.loss(feat_map, labels, soft_target=target)
    losses['loss_cls'].backward()
    assert head.loss_cls.noise_layer.weight.grad.abs().sum() > 0
    # The test embedding does not pass through it.
    plain = MODELS.build(dict(type='ReIDHead', in_channels=8,
                              num_classes=4))
    plain.load_state_dict(head.state_dict(), strict=False)
    head.eval()
    plain.eval()
    assert torch.equal(head.pre_logits(feat_map), plain.pre_logits(feat_map))
