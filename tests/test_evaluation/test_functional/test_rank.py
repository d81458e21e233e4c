import numpy as np
import pytest
import torch

from mmreidgen.evaluation.functional import (
    evaluate_rank,
    evaluate_rank_from_features,
    pairwise_distance,
)
from mmreidgen.evaluation.functional import rank as rank_module
from mmreidgen.evaluation.functional.reference import reference_evaluate_rank

# One query (pid 1, camera 0) and six gallery entries, closest first:
#   index  pid  cam  dist
#     0     1    0   0.1   junk: same pid and camera, removed
#     1     2    1   0.2   negative        -> rank 1
#     2     1    1   0.3   positive        -> rank 2
#     3     3    0   0.4   negative        -> rank 3
#     4     1    2   0.5   positive        -> rank 4
#     5     2    2   0.6   negative        -> rank 5
HAND_DIST = np.array([[0.1, 0.2, 0.3, 0.4, 0.5, 0.6]])
HAND_IDS = dict(
    q_pids=[1],
    g_pids=[1, 2, 1, 3, 1, 2],
    q_camids=[0],
    g_camids=[0, 1, 1, 0, 2, 2])


def test_hand_computed_standard():
    cmc, mean_ap, mean_inp = evaluate_rank(HAND_DIST, max_rank=5, **HAND_IDS)
    # First positive at rank 2.
    np.testing.assert_array_equal(cmc, [0, 1, 1, 1, 1])
    # AP = (1/2 + 2/4) / 2 = 0.5
    assert mean_ap == pytest.approx(0.5, abs=1e-15)
    # mINP = 2 positives / rank 4 of the hardest = 0.5
    assert mean_inp == pytest.approx(0.5, abs=1e-15)


def test_hand_computed_trapezoid():
    _, mean_ap, _ = evaluate_rank(
        HAND_DIST, max_rank=5, ap_mode='trapezoid', **HAND_IDS)
    # m=1, r=2: (old 0/1 + 1/2) / 2 = 1/4
    # m=2, r=4: (old 1/3 + 2/4) / 2 = 5/12
    # AP = (1/4 + 5/12) / 2 = 1/3
    assert mean_ap == pytest.approx(1 / 3, abs=1e-15)


def test_trapezoid_first_hit_at_rank_one():
    # Positives at ranks 1 and 3: old precision of rank 1 is 1.
    # standard:  (1/1 + 2/3) / 2 = 5/6
    # trapezoid: ((1 + 1)/2 + (1/2 + 2/3)/2) / 2 = (1 + 7/12) / 2 = 19/24
    dist = np.array([[0.1, 0.2, 0.3]])
    ids = dict(q_pids=[1], g_pids=[1, 2, 1], q_camids=[0], g_camids=[1] * 3)
    assert evaluate_rank(dist, **ids)[1] == pytest.approx(5 / 6)
    assert evaluate_rank(
        dist, ap_mode='trapezoid', **ids)[1] == pytest.approx(19 / 24)


def test_junk_is_removed_not_counted():
    # Same distances, but entry 0 moved to another camera: it becomes a
    # positive at rank 1, so positives are at ranks 1, 3, 5.
    ids = dict(HAND_IDS, g_camids=[3, 1, 1, 0, 2, 2])
    cmc, mean_ap, mean_inp = evaluate_rank(HAND_DIST, max_rank=5, **ids)
    np.testing.assert_array_equal(cmc, [1, 1, 1, 1, 1])
    assert mean_ap == pytest.approx((1 + 2 / 3 + 3 / 5) / 3)
    assert mean_inp == pytest.approx(3 / 5)


def test_ties_count_against_the_matches(monkeypatch):
    logged = []
    monkeypatch.setattr(rank_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    # All four distances equal: the two negatives come first, whatever
    # their gallery index, so the positives (indices 0 and 1) are at ranks
    # 3 and 4. AP = (1/3 + 2/4) / 2 = 5/12, mINP = 2/4.
    dist = np.full((1, 4), 0.5, dtype=np.float32)
    ids = dict(q_pids=[1], g_pids=[1, 1, 2, 3], q_camids=[0], g_camids=[1] * 4)
    cmc, mean_ap, mean_inp = evaluate_rank(dist, max_rank=3, **ids)
    np.testing.assert_array_equal(cmc, [0, 0, 1])
    assert mean_ap == pytest.approx(5 / 12)
    assert mean_inp == pytest.approx(2 / 4)
    assert len(logged) == 1 and logged[0].startswith('Degenerate features')
    # A tie only among negatives changes nothing: no warning.
    logged.clear()
    dist = np.array([[0.1, 0.2, 0.5, 0.5]])
    assert evaluate_rank(dist, **ids)[1] == pytest.approx(1.0)
    assert logged == []
    # Whatever the gallery order: here the matches come last.
    dist = np.array([[0.1, 0.5, 0.5, 0.5]])
    assert evaluate_rank(
        dist, **dict(ids, g_pids=[2, 1, 1, 3]))[1] == pytest.approx(
            (1 / 3 + 2 / 4) / 2)


@pytest.mark.parametrize('protocol', ['market', 'single_gallery_shot'])
def test_constant_features_get_the_lowest_scores_and_a_warning(
        monkeypatch, protocol):
    logged = []
    monkeypatch.setattr(rank_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    # A gallery listed by identity (as by file name); all-zero features.
    # Ranked by gallery index, the first identity's queries would find
    # their matches at rank 1.
    g_pids = np.repeat(np.arange(10), 4)
    g_camids = np.tile([1, 2, 3, 4], 10)
    q_pids = np.arange(10)
    feats = np.zeros((50, 16), dtype=np.float32)
    cmc, mean_ap, mean_inp = evaluate_rank_from_features(
        feats[:10], feats[10:], q_pids, g_pids, np.zeros(10), g_camids,
        max_rank=5, protocol=protocol)
    np.testing.assert_array_equal(cmc, 0)  # 36 (or 9) negatives first
    # Positives at ranks 37..40 of 40: AP = mean(m / (36 + m)).
    assert mean_ap == pytest.approx(np.mean([m / (36 + m)
                                             for m in range(1, 5)]))
    assert mean_inp == pytest.approx(4 / 40)
    assert len(logged) == 1
    assert 'the distances of 10 of 10 queries to every gallery entry are ' \
        'all equal' in logged[0]
    assert 'BN-neck' in logged[0] and 'checkpoint' in logged[0]


def test_skipped_queries(monkeypatch):
    logged = []
    monkeypatch.setattr(rank_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    # Query 1 has pid 9, absent from the gallery; query 2 has pid 4, whose
    # only gallery entry (index 5) is on its own camera 2, i.e. junk.
    # Entry 5 stays a negative for query 0.
    dist = np.vstack([HAND_DIST, HAND_DIST[:, ::-1], HAND_DIST])
    g_pids = [1, 2, 1, 3, 1, 4]
    g_camids = [0, 1, 1, 0, 2, 2]
    cmc, mean_ap, mean_inp = evaluate_rank(
        dist, [1, 9, 4], g_pids, [0, 0, 2], g_camids, max_rank=5)
    # Only query 0 counts: same values as the hand-computed case.
    np.testing.assert_array_equal(cmc, [0, 1, 1, 1, 1])
    assert mean_ap == pytest.approx(0.5)
    assert mean_inp == pytest.approx(0.5)
    assert len(logged) == 1 and logged[0].startswith('2 of 3 queries')


def test_no_query_has_a_match():
    with pytest.raises(ValueError, match='no query pid is present'):
        evaluate_rank(HAND_DIST, [7], *([1] * 6, [0], [1] * 6))


def test_max_rank_beyond_gallery():
    cmc, _, _ = evaluate_rank(HAND_DIST, max_rank=8, **HAND_IDS)
    np.testing.assert_array_equal(cmc, [0, 1, 1, 1, 1, 1, 1, 1])


@pytest.mark.parametrize('ap_mode', ['standard', 'trapezoid'])
@pytest.mark.parametrize('seed', range(6))
def test_random_against_reference(seed, ap_mode):
    rng = np.random.default_rng(seed)
    num_q, num_g = rng.integers(1, 40), rng.integers(5, 120)
    num_pids = rng.integers(2, 12)
    q_pids = rng.integers(0, num_pids, num_q)
    q_pids[0] = 0
    g_pids = rng.integers(0, num_pids, num_g)
    g_pids[:2] = 0
    q_camids = rng.integers(0, 3, num_q)
    q_camids[0] = 0
    g_camids = rng.integers(0, 3, num_g)
    g_camids[:2] = [1, 0]  # query 0 has a match and a junk entry
    if seed % 2:
        # Few distinct values: many ties, resolved by the tie rule.
        dist = rng.integers(0, 4, (num_q, num_g)).astype(np.float32)
    else:
        dist = rng.random((num_q, num_g))
    ids = (q_pids, g_pids, q_camids, g_camids)
    expected = reference_evaluate_rank(dist, *ids, 20, ap_mode)
    for chunk_size in (None, 1, 7):
        cmc, mean_ap, mean_inp = evaluate_rank(
            dist, *ids, max_rank=20, ap_mode=ap_mode, chunk_size=chunk_size)
        np.testing.assert_array_equal(cmc, expected[0])
        assert mean_ap == pytest.approx(expected[1], rel=1e-12)
        assert mean_inp == pytest.approx(expected[2], rel=1e-12)


def test_infinite_distances_and_junk_ties():
    # inf entries and a junk entry at exactly a positive's distance.
    dist = np.array([[np.inf, 0.3, 0.3, np.inf, 0.1, np.inf]])
    ids = ([1], [1, 1, 2, 1, 1, 2], [0], [1, 0, 1, 2, 2, 1])
    expected = reference_evaluate_rank(dist, *ids, 6)
    cmc, mean_ap, mean_inp = evaluate_rank(dist, *ids, max_rank=6)
    np.testing.assert_array_equal(cmc, expected[0])
    assert (mean_ap, mean_inp) == pytest.approx(expected[1:])


def _random_problem(seed, num_q=30, num_g=200, dim=8):
    rng = np.random.default_rng(seed)
    q_pids = rng.integers(0, 10, num_q)
    g_pids = np.concatenate([np.arange(10), rng.integers(0, 12, num_g - 10)])
    q_camids = rng.integers(0, 4, num_q)
    g_camids = rng.integers(0, 4, num_g)
    # Small integers: every product is exact, so any chunking or device
    # gives bit-identical distances (and many ties).
    q_feats = rng.integers(-2, 3, (num_q, dim)).astype(np.float64)
    g_feats = rng.integers(-2, 3, (num_g, dim)).astype(np.float64)
    return q_feats, g_feats, (q_pids, g_pids, q_camids, g_camids)


def test_torch_equals_numpy_and_chunking():
    q_feats, g_feats, ids = _random_problem(0)
    dist = pairwise_distance(q_feats, g_feats)
    expected = evaluate_rank(dist.numpy(), *ids, chunk_size=30)
    tensor_ids = [torch.from_numpy(x) for x in ids]
    for result in (evaluate_rank(dist, *tensor_ids),
                   evaluate_rank(dist.float().numpy().astype(np.float64),
                                 *ids, chunk_size=4),
                   evaluate_rank(dist.numpy(), *[list(x) for x in ids],
                                 chunk_size=1)):
        np.testing.assert_array_equal(result[0], expected[0])
        assert result[1:] == expected[1:]


@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_from_features_equals_distance_matrix(metric):
    q_feats, g_feats, ids = _random_problem(1)
    if metric == 'cosine':
        # Entries +-1 in 4-D: norm 2, so the normalised products are exact.
        q_feats = np.where(q_feats[:, :4] >= 0, 1., -1.)
        g_feats = np.where(g_feats[:, :4] >= 0, 1., -1.)
    expected = evaluate_rank(
        pairwise_distance(q_feats, g_feats, metric), *ids, ap_mode='trapezoid')
    for chunk_size in (None, 7):
        result = evaluate_rank_from_features(
            q_feats,
            g_feats,
            *ids,
            metric=metric,
            ap_mode='trapezoid',
            chunk_size=chunk_size)
        np.testing.assert_array_equal(result[0], expected[0])
        assert result[1:] == expected[1:]


def test_low_precision_and_integer_inputs():
    dist = np.array([[3, 1, 2, 1]])
    ids = ([1], [1, 2, 1, 1], [0], [1, 1, 1, 0])
    expected = reference_evaluate_rank(dist, *ids, 4)
    for d in (dist, dist.astype(np.float16), torch.from_numpy(dist).half()):
        cmc, mean_ap, mean_inp = evaluate_rank(d, *ids, max_rank=4)
        np.testing.assert_array_equal(cmc, expected[0])
        assert (mean_ap, mean_inp) == pytest.approx(expected[1:])


def test_invalid_inputs():
    with pytest.raises(ValueError, match='ap_mode'):
        evaluate_rank(HAND_DIST, ap_mode='area', **HAND_IDS)
    with pytest.raises(ValueError, match='max_rank'):
        evaluate_rank(HAND_DIST, max_rank=0, **HAND_IDS)
    with pytest.raises(ValueError, match='g_pids has 5 entries'):
        evaluate_rank(HAND_DIST, **dict(HAND_IDS, g_pids=[1] * 5))
    with pytest.raises(ValueError, match='2-D'):
        evaluate_rank(HAND_DIST[0], **HAND_IDS)
    with pytest.raises(ValueError, match='NaN'):
        evaluate_rank(np.array([[0.1, np.nan] * 3]), **HAND_IDS)
    with pytest.raises(ValueError, match='non-empty'):
        evaluate_rank(np.zeros((0, 6)), [], HAND_IDS['g_pids'], [],
                      HAND_IDS['g_camids'])


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_equals_cpu():
    q_feats, g_feats, ids = _random_problem(2, num_q=300, num_g=3000)
    dist = pairwise_distance(q_feats, g_feats)
    expected = evaluate_rank(dist, *ids, chunk_size=64)
    result = evaluate_rank(dist.cuda(), *ids, chunk_size=64)
    np.testing.assert_array_equal(result[0], expected[0])
    assert result[1:] == expected[1:]


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
@pytest.mark.parametrize('metric', ['euclidean', 'cosine'])
def test_cuda_from_features_matches_cpu(metric):
    q_feats, g_feats, ids = _random_problem(3, num_q=200, num_g=2000)
    expected = evaluate_rank_from_features(q_feats, g_feats, *ids,
                                           metric=metric)
    result = evaluate_rank_from_features(
        torch.as_tensor(q_feats).cuda(), torch.as_tensor(g_feats).cuda(),
        *ids, metric=metric)
    if metric == 'euclidean':
        # Small-integer features: every product is exact on any device.
        np.testing.assert_array_equal(result[0], expected[0])
        assert result[1:] == expected[1:]
    else:
        # Normalising rounds differently on the GPU; ranks may swap only
        # between gallery entries at float-rounding distance.
        np.testing.assert_allclose(result[0], expected[0], atol=2e-3)
        assert result[1] == pytest.approx(expected[1], abs=1e-3)


def test_nearly_equal_distances_warn_without_exact_ties(monkeypatch):
    """Features that are one constant plus rounding-sized noise give
    distinct distances that the features do not order: a warning, not a
    silent number. Ordinary features and an inf entry do not warn."""
    logged = []
    monkeypatch.setattr(rank_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    rng = np.random.default_rng(0)
    q_pids, g_pids = np.arange(20) % 5, np.arange(40) % 5
    ids = dict(q_pids=q_pids, g_pids=g_pids, q_camids=np.zeros(20),
               g_camids=np.ones(40))
    dist = 3.0 + 1e-6 * rng.random((20, 40))
    assert len(np.unique(dist)) == dist.size  # no exact ties
    evaluate_rank(dist, **ids)
    assert len(logged) == 1 and 'equal to within' in logged[0]
    logged.clear()
    evaluate_rank(1e-7 * rng.random((20, 40)), **ids)  # all about zero
    assert len(logged) == 1 and 'equal to within' in logged[0]
    logged.clear()
    dist = rng.random((20, 40))
    dist[:, 0] = np.inf
    evaluate_rank(dist, **ids)
    assert logged == []
