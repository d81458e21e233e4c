import math

import pytest
import torch

from mmreidgen.registry import MODELS

LOGITS = torch.tensor([[2.0, 0.0, -1.0, 0.5], [0.1, 1.5, 0.3, -0.2],
                       [1.0, 1.0, -2.0, 0.0]])


def log_softmax_row(row):
    z = sum(math.exp(v) for v in row)
    return [v - math.log(z) for v in row]


def hand_loss(rows):
    """Mean over rows of -sum_k q_k log p_k, computed with math."""
    total = 0.0
    for logits, q in rows:
        log_p = log_softmax_row(logits)
        total -= sum(qk * lp for qk, lp in zip(q, log_p))
    return total / len(rows)


def mixed_batch():
    # Row 0: real image of id 0; rows 1-2: generated from a cluster whose
    # identities are {1, 2} (sparse label 1/2 on each).
    target = torch.tensor([[1.0, 0, 0, 0], [0, 0.5, 0.5, 0],
                           [0, 0.5, 0.5, 0]])
    is_generated = torch.tensor([False, True, True])
    return target, is_generated


def test_slsr_loss_equals_hand_computation_of_eq13():
    target, is_gen = mixed_batch()
    loss = MODELS.build(dict(type='SLSRLoss'))(LOGITS, target, is_gen)
    rows = [(LOGITS[i].tolist(), target[i].tolist()) for i in range(3)]
    assert loss.item() == pytest.approx(hand_loss(rows), rel=1e-6)


def test_lsro_uses_uniform_labels_and_differs_from_slsr():
    target, is_gen = mixed_batch()
    slsr = MODELS.build(dict(type='SLSRLoss'))(LOGITS, target, is_gen)
    lsro = MODELS.build(dict(type='LSROLoss'))(LOGITS, target, is_gen)
    uniform = [0.25] * 4
    rows = [(LOGITS[0].tolist(), target[0].tolist()),
            (LOGITS[1].tolist(), uniform), (LOGITS[2].tolist(), uniform)]
    assert lsro.item() == pytest.approx(hand_loss(rows), rel=1e-6)
    assert abs(lsro.item() - slsr.item()) > 1e-3
    # LSRO ignores the sparse targets: another sparse label, same loss.
    other = target.clone()
    other[1:] = torch.tensor([0.0, 0, 0, 1.0])
    lsro_other = MODELS.build(dict(type='LSROLoss'))(LOGITS, other, is_gen)
    assert lsro_other.item() == pytest.approx(lsro.item())
    # ... and also accepts hard labels with -1 for generated images.
    hard = torch.tensor([0, -1, -1])
    assert MODELS.build(dict(type='LSROLoss'))(
        LOGITS, hard, is_gen).item() == pytest.approx(lsro.item())


def test_soft_label_loss_serves_lsr_and_kl():
    labels = torch.tensor([0, 1, 3])
    eps = 0.1
    lsr = MODELS.build(dict(type='SoftLabelLoss', label_smooth=eps))
    rows = []
    for i, y in enumerate(labels.tolist()):
        q = [(1 - eps) * (k == y) + eps / 4 for k in range(4)]
        rows.append((LOGITS[i].tolist(), q))
    assert lsr(LOGITS, labels).item() == pytest.approx(hand_loss(rows))
    # Same value as torch's label smoothing.
    ref = torch.nn.functional.cross_entropy(LOGITS, labels,
                                            label_smoothing=eps)
    assert lsr(LOGITS, labels).item() == pytest.approx(ref.item())
    # KL = CE - H(q): zero when the logits reproduce q exactly.
    target, _ = mixed_batch()
    kl = MODELS.build(dict(type='SoftLabelLoss', mode='kl'))
    logits = torch.log(target.clamp(min=1e-12))
    assert kl(logits, target).item() == pytest.approx(0.0, abs=1e-5)
    ce = MODELS.build(dict(type='SoftLabelLoss'))(LOGITS, target)
    entropy = -(torch.special.xlogy(target, target)).sum(1).mean()
    assert kl(LOGITS, target).item() == pytest.approx(
        (ce - entropy).item(), rel=1e-5)


def test_soft_label_losses_name_the_problem():
    target, is_gen = mixed_batch()
    with pytest.raises(ValueError, match='num_classes'):
        MODELS.build(dict(type='SLSRLoss'))(LOGITS, target[:, :3], is_gen)
    with pytest.raises(ValueError, match='soft target'):
        MODELS.build(dict(type='SLSRLoss'))(LOGITS, torch.tensor([0, -1, 1]))
    bad = target.clone()
    bad[1] = torch.tensor([0, 0.5, 0.2, 0])
    with pytest.raises(ValueError, match='sum to 1'):
        MODELS.build(dict(type='SLSRLoss'))(LOGITS, bad, is_gen)


def test_gradients_flow_and_label_smoothing_of_real_rows():
    target, is_gen = mixed_batch()
    logits = LOGITS.clone().requires_grad_()
    loss = MODELS.build(dict(type='SLSRLoss', label_smooth=0.2))(
        logits, target, is_gen)
    loss.backward()
    # d loss / d logits = (softmax - q) / B: rows of the gradient sum to 0.
    assert torch.allclose(logits.grad.sum(1), torch.zeros(3), atol=1e-6)
    q0 = [0.8 + 0.05, 0.05, 0.05, 0.05]
    rows = [(LOGITS[0].tolist(), q0)] + [
        (LOGITS[i].tolist(), target[i].tolist()) for i in (1, 2)
    ]
    assert loss.item() == pytest.approx(hand_loss(rows), rel=1e-6)
