import math

import pytest
import torch

from mmreidgen.registry import MODELS


def test_cross_entropy_matches_hand_computation_with_smoothing():
    loss = MODELS.build(dict(type='CrossEntropyLoss', label_smooth=0.1))
    logits = torch.tensor([[2.0, 0.0, 0.0]])
    log_p = torch.log_softmax(logits, 1)[0]
    # target (1 - 0.1) * one_hot + 0.1 / 3
    expected = -(0.9 + 0.1 / 3) * log_p[0] - (0.1 / 3) * (log_p[1] + log_p[2])
    assert loss(logits, torch.tensor([0])).item() == pytest.approx(
        expected.item(), rel=1e-6)


def test_cross_entropy_soft_targets_and_weight():
    loss = MODELS.build(dict(type='CrossEntropyLoss', loss_weight=2.0))
    logits = torch.zeros(1, 4)
    target = torch.tensor([[0.5, 0.5, 0.0, 0.0]])
    assert loss(logits, target).item() == pytest.approx(2 * math.log(4))


def test_cross_entropy_rejects_labels_out_of_range():
    loss = MODELS.build(dict(type='CrossEntropyLoss'))
    with pytest.raises(ValueError, match='num_classes'):
        loss(torch.zeros(2, 3), torch.tensor([0, 3]))


def test_triplet_batch_hard():
    loss = MODELS.build(dict(type='TripletLoss', margin=0.5))
    feats = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0], [0.0, 5.0]])
    labels = torch.tensor([0, 0, 1, 1])
    # anchor 0: d_ap=1, d_an=3 -> 0; anchor 1: d_ap=1, d_an=sqrt(10) -> 0
    # anchor 2: d_ap=2, d_an=3 -> 0; anchor 3: d_ap=2, d_an=5 -> 0
    assert loss(feats, labels).item() == pytest.approx(0.0)
    loss = MODELS.build(dict(type='TripletLoss', margin=1.5))
    # anchor 2: 2 - 3 + 1.5 = 0.5; anchor 0: 1 - 3 + 1.5 = -0.5 -> 0
    # anchor 1: 1 - 3.1623 + 1.5 < 0; anchor 3: 2 - 5 + 1.5 < 0
    assert loss(feats, labels).item() == pytest.approx(0.5 / 4, rel=1e-5)
