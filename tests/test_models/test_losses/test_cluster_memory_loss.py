"""ClusterMemoryLoss: the contrastive loss and the momentum update."""
import math

import pytest
import torch

from mmreidgen.registry import MODELS


def build(**kwargs):
    return MODELS.build(dict(type='ClusterMemoryLoss', **kwargs))


def test_loss_equals_the_hand_computed_infonce():
    loss = build(temperature=0.5, loss_weight=2.0)
    loss.reset(torch.tensor([[3., 0.], [0., 1.]]))  # normalised inside
    feats = torch.tensor([[2., 0.], [1., 1.]], requires_grad=True)
    value = loss(feats, torch.tensor([0, 1]))
    # Query 1 = (1, 0): logits (2, 0); query 2 = (s, s): logits (2s, 2s).
    expected = (math.log(1 + math.exp(-2)) + math.log(2)) / 2 * 2.0
    assert value.item() == pytest.approx(expected, rel=1e-6)
    value.backward()
    assert feats.grad.abs().sum() > 0


def test_momentum_update_moves_each_centroid_in_batch_order():
    loss = build(momentum=0.1)
    loss.reset(torch.tensor([[1., 0.], [0., 1.]]))
    loss.update(torch.tensor([[0., 2.], [0., -1.]]), torch.tensor([0, 1]))
    first = torch.tensor([0.1, 0.9]) / math.hypot(0.1, 0.9)
    torch.testing.assert_close(loss.centroids[0], first)
    # 0.1 * (0, 1) + 0.9 * (0, -1) = (0, -0.8) -> (0, -1).
    torch.testing.assert_close(loss.centroids[1], torch.tensor([0., -1.]))
    # Two queries of one cluster: the second moves the moved centroid.
    loss.reset(torch.tensor([[1., 0.]]))
    loss.update(torch.tensor([[0., 1.], [0., 1.]]), torch.tensor([0, 0]))
    after_one = torch.tensor([0.1, 0.9]) / math.hypot(0.1, 0.9)
    again = 0.1 * after_one + 0.9 * torch.tensor([0., 1.])
    torch.testing.assert_close(loss.centroids[0], again / again.norm())


def test_misuse_is_refused():
    loss = build()
    with pytest.raises(RuntimeError, match='reset'):
        loss(torch.ones(1, 2), torch.tensor([0]))
    loss.reset(torch.eye(2))
    with pytest.raises(ValueError, match=r'labels must be in \[0, 2\)'):
        loss(torch.ones(1, 2), torch.tensor([2]))
    with pytest.raises(ValueError, match='temperature'):
        build(temperature=0)
