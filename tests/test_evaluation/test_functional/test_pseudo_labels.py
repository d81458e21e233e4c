"""Pseudo labels: Jaccard distances, DBSCAN, centroids, diagnostics."""
import numpy as np
import pytest
import torch
from sklearn.metrics import normalized_mutual_info_score

from mmreidgen.evaluation.functional import (
    k_reciprocal_jaccard,
    re_ranking_knn,
)
from mmreidgen.evaluation.functional.pseudo_labels import (
    PseudoLabelError,
    check_pseudo_labels,
    cluster_centroids,
    clustering_diagnostics,
    dbscan_pseudo_labels,
)


def blobs(sizes, dim=8, spread=0.05, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), dim)) * 5
    feats = np.concatenate([
        c + spread * rng.normal(size=(n, dim)) for c, n in zip(centres, sizes)
    ])
    pids = np.repeat(np.arange(len(sizes)), sizes)
    return feats.astype(np.float32), pids


@pytest.mark.parametrize('k1,k2', [(5, 1), (6, 3), (20, 6)])
def test_jaccard_equals_the_jaccard_part_of_re_ranking(k1, k2):
    """The query x gallery block of the all-pairs Jaccard distance is what
    re-ranking computes with the original distance weighted 0."""
    rng = np.random.default_rng(1)
    feats = rng.normal(size=(40, 6)).astype(np.float32)
    full = k_reciprocal_jaccard(feats, k1=k1, k2=k2)
    block = re_ranking_knn(feats[:15], feats[15:], k1=k1, k2=k2,
                           lambda_value=0.0)
    np.testing.assert_allclose(full[:15, 15:], block, atol=1e-6)
    assert full.shape == (40, 40)
    np.testing.assert_allclose(np.diag(full), 0, atol=1e-6)
    np.testing.assert_allclose(full, full.T, atol=1e-6)


def test_separated_groups_are_at_distance_one():
    feats, _ = blobs([6, 6])
    dist = k_reciprocal_jaccard(feats, k1=4, k2=1)
    assert (dist[:6, 6:] == 1).all()
    assert (dist[:6, :6] < 1).all()


def test_dbscan_leaves_the_outlier_out():
    feats, _ = blobs([5, 5, 1], spread=0.01)
    dist = np.linalg.norm(feats[:, None] - feats[None], axis=2)
    labels = dbscan_pseudo_labels(dist, eps=0.5, min_samples=3)
    assert labels.tolist() == [0] * 5 + [1] * 5 + [-1]
    with pytest.raises(ValueError, match='eps must be positive'):
        dbscan_pseudo_labels(dist, eps=0, min_samples=3)


def test_no_cluster_and_one_cluster_are_refused_with_the_knob():
    with pytest.raises(PseudoLabelError, match='all 4 target images as '
                       'outliers.*Raise eps or lower min_samples'):
        check_pseudo_labels(np.array([-1] * 4), eps=0.1, min_samples=4)
    with pytest.raises(PseudoLabelError, match='into 1 cluster.*collapsed'
                       '.*Lower eps'):
        check_pseudo_labels(np.array([0, 0, 0, -1]), eps=0.9,
                            min_samples=2)
    check_pseudo_labels(np.array([0, 1, -1]), eps=0.5, min_samples=1)


def test_diagnostics_of_a_known_labelling():
    labels = [0, 0, 0, 1, 1, -1]
    pids = [0, 0, 1, 1, 1, 2]
    out = clustering_diagnostics(labels, pids)
    # Predicted pairs: 3 + 1; same-identity among them: (0,1) and (3,4).
    # True pairs: 1 (pid 0) + 3 (pid 1).
    assert out['num_clusters'] == 2 and out['num_identities'] == 3
    assert out['num_outliers'] == 1
    assert out['outlier_share'] == pytest.approx(1 / 6)
    assert out['pairwise_precision'] == pytest.approx(2 / 4)
    assert out['pairwise_recall'] == pytest.approx(2 / 4)
    assert out['pairwise_f1'] == pytest.approx(0.5)
    # The outlier counts as a cluster of its own.
    assert out['nmi'] == pytest.approx(
        normalized_mutual_info_score(pids, [0, 0, 0, 1, 1, 2]))
    perfect = clustering_diagnostics([0, 0, 1, 1], [5, 5, 7, 7])
    assert perfect['pairwise_precision'] == perfect['pairwise_recall'] == 1
    assert perfect['nmi'] == pytest.approx(1)
    lost = clustering_diagnostics([-1, -1], [0, 0])
    assert lost['num_clusters'] == 0 and lost['pairwise_recall'] == 0
    assert 'nmi' not in clustering_diagnostics([0, 0])


def test_centroids_are_normalised_means_of_normalised_features():
    feats = torch.tensor([[2., 0.], [0., 3.], [0., -1.], [5., 5.]])
    labels = torch.tensor([0, 0, 1, -1])
    cents = cluster_centroids(feats, labels, 2)
    s = 2 ** -0.5
    torch.testing.assert_close(cents, torch.tensor([[s, s], [0., -1.]]))
