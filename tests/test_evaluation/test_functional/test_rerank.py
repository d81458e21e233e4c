import numpy as np
import pytest
import torch

from mmreidgen.evaluation.functional import (
    evaluate_rank,
    pairwise_distance,
    re_ranking,
    re_ranking_knn,
)
from mmreidgen.evaluation.functional.reference import (
    reference_re_ranking,
    reference_re_ranking_inverted,
)


def _distances(q_feats, g_feats, metric='euclidean'):
    """The three matrices re_ranking takes (it squares them)."""

    def dist(x, y):
        d = pairwise_distance(x, y, metric)
        return (d.clamp(min=0).sqrt() if metric == 'cosine' else d).numpy()

    return (dist(q_feats, g_feats), dist(q_feats, q_feats),
            dist(g_feats, g_feats))


def _clustered(seed, num_q=20, num_g=40, num_ids=8, dim=16, noise=0.6):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(num_ids, dim))
    q_pids = rng.integers(0, num_ids, num_q)
    g_pids = np.concatenate(
        [np.arange(num_ids),
         rng.integers(0, num_ids, num_g - num_ids)])
    q_feats = centers[q_pids] + noise * rng.normal(size=(num_q, dim))
    g_feats = centers[g_pids] + noise * rng.normal(size=(num_g, dim))
    return (q_feats.astype(np.float32), g_feats.astype(np.float32), q_pids,
            g_pids)


def assert_same_ranking(actual, expected, tol=1e-6):
    """Each row of ``expected`` is ranked the same by ``actual``.

    Sorting ``actual`` by the ``expected`` ranking must leave it
    non-decreasing up to ``tol`` (rounding may only swap near-equal values).
    """
    order = np.argsort(expected, axis=1, kind='stable')
    ranked = np.take_along_axis(actual, order, axis=1)
    assert (np.diff(ranked, axis=1) >= -tol).all()


def test_hand_computed():
    # Q=1, G=2, k1=1, k2=1. Squared distances D = [[0,1,4],[1,0,1],[4,1,0]],
    # rows over column maxima (4, 1, 4):
    #   row 0 = [0, 1/4, 1], row 1 = [1, 0, 1], row 2 = [1, 1/4, 0].
    # Top-2 (stable): 0 -> {0,1}, 1 -> {1,0}, 2 -> {2,1}; so R(0) = {0,1},
    # R(1) = {0,1}, R(2) = {2} (2 is not in the top-2 of 1). k1/2 rounds to
    # 0, so every R(c, 0) = {c} and R* = R.
    #   V0 = [1, a, 0] / (1 + a), a = exp(-1/4)
    #   V1 = [b, 1, 0] / (1 + b), b = exp(-1)
    #   s(0, 1) = min(V0, V1).sum() = b/(1+b) + a/(1+a); s(0, 2) = 0.
    a, b = np.exp(-0.25), np.exp(-1.0)
    s = b / (1 + b) + a / (1 + a)
    jaccard = 1 - s / (2 - s)
    expected = [[0.7 * jaccard + 0.3 * 0.25, 0.7 * 1 + 0.3 * 1]]
    out = re_ranking(
        np.array([[1., 2.]]),
        np.array([[0.]]),
        np.array([[0., 1.], [1., 0.]]),
        k1=1,
        k2=1,
        lambda_value=0.3)
    assert out.dtype == np.float32 and out.shape == (1, 2)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


@pytest.mark.parametrize('k1, k2, lambda_value', [(20, 6, 0.3), (5, 1, 0.5),
                                                  (7, 3, 0.0), (4, 10, 1.0)])
@pytest.mark.parametrize('seed', range(2))
def test_against_reference(seed, k1, k2, lambda_value):
    q_feats, g_feats, _, _ = _clustered(seed)
    dists = _distances(q_feats, g_feats)
    expected = reference_re_ranking(*dists, k1, k2, lambda_value)
    out = re_ranking(*dists, k1=k1, k2=k2, lambda_value=lambda_value)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(
        np.argsort(out, axis=1, kind='stable'),
        np.argsort(expected, axis=1, kind='stable'))


def test_benchmark_reference_equals_literal_reference():
    # tools/analysis_tools/benchmark_rerank.py times the inverted-index
    # reference; it must compute the same thing as the literal one.
    q_feats, g_feats, _, _ = _clustered(9)
    dists = _distances(q_feats, g_feats)
    for k1, k2 in ((20, 6), (5, 1)):
        np.testing.assert_allclose(
            reference_re_ranking_inverted(*dists, k1, k2),
            reference_re_ranking(*dists, k1, k2),
            atol=1e-6)


def test_random_asymmetric_inputs_and_small_chunks():
    # The reference reads q_q and g_g transposed (column normalisation);
    # asymmetric matrices check that layout. Uniform random data.
    rng = np.random.default_rng(3)
    q_g, q_q, g_g = rng.random((25, 35)), rng.random((25, 25)), rng.random(
        (35, 35))
    expected = reference_re_ranking(q_g, q_q, g_g, k1=6, k2=3)
    for chunk_size in (None, 1, 13):
        out = re_ranking(q_g, q_q, g_g, k1=6, k2=3, chunk_size=chunk_size)
        np.testing.assert_allclose(out, expected, atol=1e-6)
        assert_same_ranking(out, expected)


def test_ties_follow_index():
    # Integer features with duplicates: many exactly equal distances,
    # including at the k-th neighbour.
    rng = np.random.default_rng(4)
    q_feats = rng.integers(0, 3, (15, 3)).astype(np.float32)
    g_feats = np.concatenate([q_feats[:5], rng.integers(0, 3, (30, 3))])
    dists = _distances(q_feats, g_feats.astype(np.float32))
    expected = reference_re_ranking(*dists, k1=5, k2=3)
    out = re_ranking(*dists, k1=5, k2=3)
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert_same_ranking(out, expected)


def test_tensor_and_float64_inputs():
    q_feats, g_feats, _, _ = _clustered(5)
    dists = _distances(q_feats, g_feats)
    expected = re_ranking(*dists)
    out = re_ranking(*[torch.from_numpy(d) for d in dists])
    np.testing.assert_array_equal(out, expected)
    dists64 = [d.astype(np.float64) for d in dists]
    np.testing.assert_allclose(
        re_ranking(*dists64), reference_re_ranking(*dists64), atol=1e-6)


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
@pytest.mark.parametrize('backend', ['torch', 'faiss'])
def test_knn_equals_exact(metric, backend):
    if backend == 'faiss':
        pytest.importorskip('faiss')
    q_feats, g_feats, _, _ = _clustered(6, num_q=30, num_g=70)
    expected = reference_re_ranking(*_distances(q_feats, g_feats, metric))
    out = re_ranking_knn(
        q_feats, g_feats, metric=metric, backend=backend, chunk_size=17)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    assert_same_ranking(out, expected, tol=1e-5)


def test_knn_close_to_exact_on_clustered_data():
    # A larger clustered problem: the k-NN mode gives the same ranking
    # quality as the exact mode (distances differ only by rounding).
    q_feats, g_feats, q_pids, g_pids = _clustered(
        7, num_q=60, num_g=400, num_ids=30, dim=32, noise=0.9)
    rng = np.random.default_rng(7)
    q_camids, g_camids = rng.integers(0, 3, 60), rng.integers(3, 6, 400)
    ids = (q_pids, g_pids, q_camids, g_camids)
    exact = re_ranking(*_distances(q_feats, g_feats))
    knn = re_ranking_knn(q_feats, g_feats)
    plain = evaluate_rank(pairwise_distance(q_feats, g_feats), *ids)
    exact_map = evaluate_rank(exact, *ids)[1]
    assert abs(evaluate_rank(knn, *ids)[1] - exact_map) < 1e-3
    assert exact_map > plain[1]  # re-ranking helps on clustered data


def test_invalid_arguments():
    dists = _distances(*_clustered(8)[:2])
    with pytest.raises(ValueError, match='k1 must be a positive int'):
        re_ranking(*dists, k1=0)
    with pytest.raises(ValueError, match='lambda_value'):
        re_ranking(*dists, lambda_value=1.5)
    with pytest.raises(ValueError, match='g_g_dist of shape'):
        re_ranking(dists[0], dists[1], dists[1])
    with pytest.raises(ValueError, match='NaN'):
        re_ranking(np.full_like(dists[0], np.nan), *dists[1:])
    with pytest.raises(ValueError, match='backend'):
        re_ranking_knn(np.ones((2, 3)), np.ones((4, 3)), backend='annoy')
    with pytest.raises(ValueError, match='metric'):
        re_ranking_knn(np.ones((2, 3)), np.ones((4, 3)), metric='l1')


def test_device_argument_on_cpu():
    q_feats, g_feats, _, _ = _clustered(10)
    dists = _distances(q_feats, g_feats)
    expected = re_ranking(*dists)
    for device in ('cpu', 'auto', torch.device('cpu')):
        np.testing.assert_array_equal(re_ranking(*dists, device=device),
                                      expected)
    knn = re_ranking_knn(q_feats, g_feats)
    np.testing.assert_array_equal(
        re_ranking_knn(q_feats, g_feats, device='cpu'), knn)
    with pytest.raises(ValueError, match="device must be 'auto'"):
        re_ranking(*dists, device='gpu0')
    with pytest.raises(ValueError, match='CPU or CUDA device'):
        re_ranking_knn(q_feats, g_feats, device='meta')
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device.*'auto'"):
            re_ranking(*dists, device='cuda')


needs_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs CUDA')


@needs_cuda
@pytest.mark.parametrize('seed', range(2))
def test_cuda_equals_cpu_exact(seed):
    # The neighbour search compares the same float32 values on the GPU, so
    # the result is bitwise the one of the CPU, ties included.
    q_feats, g_feats, _, _ = _clustered(seed, num_q=80, num_g=300)
    dists = _distances(q_feats, g_feats)
    expected = re_ranking(*dists, chunk_size=37)
    np.testing.assert_array_equal(
        re_ranking(*dists, chunk_size=37, device='cuda'), expected)
    on_gpu = [torch.from_numpy(d).cuda() for d in dists]
    np.testing.assert_array_equal(re_ranking(*on_gpu, chunk_size=37),
                                  expected)
    rng = np.random.default_rng(seed)
    tied = rng.integers(0, 3, (40, 3)).astype(np.float32)
    tied_dists = _distances(tied[:15], tied[15:])
    np.testing.assert_array_equal(
        re_ranking(*tied_dists, k1=5, k2=3, device='cuda'),
        re_ranking(*tied_dists, k1=5, k2=3))


@needs_cuda
@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_cuda_knn_matches_cpu(metric):
    # GPU matrix products round differently: equal to float rounding, the
    # same ranking up to near-equal distances, the same mAP.
    q_feats, g_feats, q_pids, g_pids = _clustered(
        11, num_q=60, num_g=400, num_ids=30, dim=32, noise=0.9)
    cpu = re_ranking_knn(q_feats, g_feats, metric=metric)
    gpu = re_ranking_knn(q_feats, g_feats, metric=metric, device='cuda')
    from_gpu_tensors = re_ranking_knn(
        torch.from_numpy(q_feats).cuda(), torch.from_numpy(g_feats).cuda(),
        metric=metric)
    np.testing.assert_array_equal(gpu, from_gpu_tensors)
    np.testing.assert_allclose(gpu, cpu, atol=1e-5)
    assert_same_ranking(gpu, cpu, tol=1e-5)
    rng = np.random.default_rng(11)
    ids = (q_pids, g_pids, rng.integers(0, 3, 60), rng.integers(3, 6, 400))
    assert evaluate_rank(gpu, *ids)[1] == pytest.approx(
        evaluate_rank(cpu, *ids)[1], abs=1e-6)
