"""Single-gallery-shot CMC (CUHK03 classic, VIPeR) of ``evaluate_rank``."""
import itertools

import numpy as np
import pytest
import torch

from mmreidgen.evaluation.functional import (
    evaluate_rank,
    evaluate_rank_from_features,
)
from mmreidgen.evaluation.functional import rank as rank_module

SGS = 'single_gallery_shot'

# One query (pid 0, camera 0); two gallery images per identity:
#   index  pid  cam  dist
#     0     0    0   0.1   junk (same pid and camera), never drawn
#     1     0    1   0.3   positive a
#     2     0    1   0.6   positive b
#     3     1    0   0.2   pid 1, image s1
#     4     1    1   0.5   pid 1, image s2
#     5     2    0   0.4   pid 2, image t1
#     6     2    1   0.7   pid 2, image t2
# The 2 x 2 x 2 equally likely reduced galleries (positive, pid 1, pid 2):
#   a with s1: rank 2 (0.2 < 0.3), whatever pid 2 draws     -> 2 draws
#   a with s2: rank 1                                        -> 2 draws
#   b: rank 1 + 1 (pid 1 is always below 0.6) + [t1 = 0.4]   -> 3, 3, 2, 2
# Expected CMC: R1 = 2/8, R2 = (4 + 2)/8, R3 = 8/8.
# Full gallery without the junk: positives at ranks 2 and 5, so
# AP = (1/2 + 2/5) / 2 = 0.45 and mINP = 2/5, for both protocols.
HAND_DIST = np.array([[0.1, 0.3, 0.6, 0.2, 0.5, 0.4, 0.7]])
HAND_IDS = dict(
    q_pids=[0],
    g_pids=[0, 0, 0, 1, 1, 2, 2],
    q_camids=[0],
    g_camids=[0, 1, 1, 0, 1, 0, 1])
HAND_CMC = np.array([2 / 8, 6 / 8, 1.0, 1.0])


def _eligible(q_pid, q_camid, g_pids, g_camids):
    """Per gallery pid (ascending), its non-junk entries in index order."""
    out = []
    for pid in np.unique(g_pids):
        idx = [
            g for g in range(len(g_pids)) if g_pids[g] == pid
            and not (pid == q_pid and g_camids[g] == q_camid)
        ]
        out.append((pid, idx))
    return out


def _rank_in(distrow, picked, own_pick):
    """1-based rank of ``own_pick`` among the picked; the other picks at
    an equal distance come first (ties count against the query)."""
    picked = sorted(picked)
    order = np.lexsort((np.array(picked) == own_pick, distrow[picked]))
    return int(np.nonzero(np.array(picked)[order] == own_pick)[0][0]) + 1


def loop_single_shot(distmat, q_pids, g_pids, q_camids, g_camids, max_rank,
                     uniforms):
    """Straightforward single-gallery-shot CMC with plain loops.

    ``uniforms[i, r, j]`` picks, for query ``i`` and repeat ``r``, the
    ``floor(u * n)``-th of the ``n`` non-junk entries of the ``j``-th
    gallery pid (ascending); the CMC is averaged over repeats and queries.
    """
    distmat = np.asarray(distmat, dtype=np.float64)
    g_pids, g_camids = np.asarray(g_pids), np.asarray(g_camids)
    hist = np.zeros(max_rank, dtype=np.int64)
    num_valid = 0
    for i in range(len(q_pids)):
        groups = _eligible(q_pids[i], q_camids[i], g_pids, g_camids)
        own = [idx for pid, idx in groups if pid == q_pids[i]]
        if not own or not own[0]:
            continue
        num_valid += 1
        for r in range(uniforms.shape[1]):
            picked, own_pick = [], None
            for j, (pid, idx) in enumerate(groups):
                if not idx:
                    continue
                k = min(int(uniforms[i, r, j] * len(idx)), len(idx) - 1)
                picked.append(idx[k])
                if pid == q_pids[i]:
                    own_pick = idx[k]
            rank = _rank_in(distmat[i], picked, own_pick)
            if rank <= max_rank:
                hist[rank - 1] += 1
    return np.cumsum(hist) / (num_valid * uniforms.shape[1])


def exact_single_shot(distmat, q_pids, g_pids, q_camids, g_camids, max_rank):
    """Expected single-gallery-shot CMC: every reduced gallery enumerated.

    Returns:
        tuple: The CMC averaged over the valid queries and the ``V x
        max_rank`` per-query expectations.
    """
    distmat = np.asarray(distmat, dtype=np.float64)
    g_pids, g_camids = np.asarray(g_pids), np.asarray(g_camids)
    per_query = []
    for i in range(len(q_pids)):
        groups = _eligible(q_pids[i], q_camids[i], g_pids, g_camids)
        own = [idx for pid, idx in groups if pid == q_pids[i]]
        if not own or not own[0]:
            continue
        own_pos = [j for j, (pid, _) in enumerate(groups)
                   if pid == q_pids[i]][0]
        cmc = np.zeros(max_rank)
        combos = list(itertools.product(*[idx for _, idx in groups]))
        for picked in combos:
            rank = _rank_in(distmat[i], list(picked), picked[own_pos])
            cmc[rank - 1:] += 1
        per_query.append(cmc / len(combos))
    per_query = np.array(per_query)
    return per_query.mean(0), per_query


class _FixedUniforms:
    """Stands in for the generator: returns given uniforms, query-major."""

    def __init__(self, uniforms):
        self.flat = np.asarray(uniforms, dtype=np.float64).reshape(-1)
        self.pos = 0

    def random(self, shape):
        size = int(np.prod(shape))
        out = self.flat[self.pos:self.pos + size].reshape(shape)
        self.pos += size
        return out


def _random_case(seed, num_q=12, num_ids=5, max_per_id=3, num_cams=3,
                 integer=False):
    """Small gallery with 1..max_per_id images per pid, junk and misses."""
    rng = np.random.default_rng(seed)
    g_pids = np.concatenate([
        np.full(rng.integers(1, max_per_id + 1), pid)
        for pid in range(num_ids)
    ])
    rng.shuffle(g_pids)
    g_camids = rng.integers(0, num_cams, len(g_pids))
    # A query pid absent from the gallery has no match and is skipped.
    q_pids = rng.integers(0, num_ids + 1, num_q)
    q_camids = rng.integers(0, num_cams, num_q)
    if integer:  # many exact ties: the tie rule decides
        distmat = rng.integers(0, 4, (num_q, len(g_pids))).astype(np.float32)
    else:
        distmat = rng.random((num_q, len(g_pids)))
    return distmat, dict(
        q_pids=q_pids, g_pids=g_pids, q_camids=q_camids, g_camids=g_camids)


def test_one_image_per_identity_equals_market():
    rng = np.random.default_rng(0)
    num_q, num_g = 40, 25
    # Ties everywhere (small integers), some queries' only gallery image is
    # junk, some query pids are absent.
    distmat = rng.integers(0, 5, (num_q, num_g)).astype(np.float32)
    ids = dict(
        q_pids=rng.integers(0, num_g + 5, num_q),
        g_pids=rng.permutation(num_g),
        q_camids=rng.integers(0, 2, num_q),
        g_camids=rng.integers(0, 2, num_g))
    market = evaluate_rank(distmat, max_rank=30, **ids)
    for repeats, chunk in [(1, None), (7, 4)]:
        shot = evaluate_rank(
            distmat,
            max_rank=30,
            protocol=SGS,
            num_repeats=repeats,
            chunk_size=chunk,
            **ids)
        np.testing.assert_array_equal(shot[0], market[0])
        assert shot[1:] == market[1:]


def test_two_images_exact_by_enumeration(monkeypatch):
    # Repeat r takes sampling r of the 8: u = 0.25 picks the first of two
    # entries, 0.75 the second, per pid (0, 1, 2), so the average over the
    # 8 repeats is the expectation itself.
    combos = np.array(list(itertools.product([0.25, 0.75], repeat=3)))
    monkeypatch.setattr(rank_module, '_make_generator',
                        lambda seed: _FixedUniforms(combos[None]))
    cmc, mean_ap, mean_inp = evaluate_rank(
        HAND_DIST, max_rank=4, protocol=SGS, num_repeats=8, **HAND_IDS)
    np.testing.assert_array_equal(cmc, HAND_CMC)
    assert mean_ap == pytest.approx(0.45, abs=1e-15)
    assert mean_inp == pytest.approx(0.4, abs=1e-15)
    # The independent enumeration gives the same expectation.
    expected, _ = exact_single_shot(HAND_DIST, max_rank=4, **HAND_IDS)
    np.testing.assert_allclose(expected, HAND_CMC, rtol=0, atol=1e-15)


def test_two_images_many_repeats_within_tolerance():
    repeats = 20000
    cmc, mean_ap, mean_inp = evaluate_rank(
        HAND_DIST, max_rank=4, protocol=SGS, num_repeats=repeats, seed=1,
        **HAND_IDS)
    # Each CMC point is a mean of `repeats` Bernoulli(p) draws.
    sd = np.sqrt(HAND_CMC * (1 - HAND_CMC) / repeats)
    np.testing.assert_array_less(np.abs(cmc - HAND_CMC), 5 * sd + 1e-12)
    assert cmc[2] == cmc[3] == 1.0
    market = evaluate_rank(HAND_DIST, max_rank=4, **HAND_IDS)
    np.testing.assert_array_equal(market[0], [0, 1, 1, 1])
    assert (mean_ap, mean_inp) == market[1:]


@pytest.mark.parametrize('integer', [False, True])
def test_same_draws_as_loop_implementation(integer):
    # The documented draws: default_rng(seed).random((Q, R, J)), query
    # major, whatever the chunk size or the input type.
    distmat, ids = _random_case(3, num_q=15, integer=integer)
    repeats, seed = 6, 11
    num_ids = len(np.unique(ids['g_pids']))
    uniforms = np.random.default_rng(seed).random((15, repeats, num_ids))
    expected = loop_single_shot(distmat, max_rank=8, uniforms=uniforms,
                                **ids)
    results = [
        evaluate_rank(
            data,
            max_rank=8,
            protocol=SGS,
            num_repeats=repeats,
            seed=seed,
            chunk_size=chunk,
            **ids) for data in (distmat, torch.from_numpy(distmat))
        for chunk in (None, 1, 4)
    ]
    np.testing.assert_allclose(results[0][0], expected, rtol=1e-12, atol=0)
    for result in results[1:]:
        np.testing.assert_array_equal(result[0], results[0][0])
        assert result[1:] == results[0][1:]


def test_small_draw_blocks_consume_the_same_stream(monkeypatch):
    distmat, ids = _random_case(4, num_q=9)
    kwargs = dict(max_rank=6, protocol=SGS, num_repeats=5, seed=2, **ids)
    default = evaluate_rank(distmat, **kwargs)
    # Blocks of one query per draw call.
    monkeypatch.setattr(rank_module, '_DRAW_ELEMENTS', 1)
    np.testing.assert_array_equal(evaluate_rank(distmat, **kwargs)[0],
                                  default[0])


def test_statistical_against_independent_implementation():
    distmat, ids = _random_case(5, num_q=10, num_ids=5, max_per_id=3)
    max_rank, repeats = 5, 2000
    exact, per_query = exact_single_shot(distmat, max_rank=max_rank, **ids)
    num_valid = len(per_query)
    # sd of an R-repeat estimate of the mean over the valid queries.
    sd = np.sqrt((per_query * (1 - per_query)).sum(0) / repeats) / num_valid
    ours = evaluate_rank(
        distmat, max_rank=max_rank, protocol=SGS, num_repeats=repeats,
        seed=7, **ids)[0]
    num_ids = len(np.unique(ids['g_pids']))
    other = loop_single_shot(
        distmat,
        max_rank=max_rank,
        uniforms=np.random.default_rng(12345).random(
            (len(distmat), repeats, num_ids)),
        **ids)
    # The case must depend on the draws.
    assert ((per_query > 0.05) & (per_query < 0.95)).any()
    np.testing.assert_array_less(np.abs(ours - exact), 5 * sd + 1e-12)
    np.testing.assert_array_less(np.abs(other - exact), 5 * sd + 1e-12)
    np.testing.assert_array_less(
        np.abs(ours - other), 5 * np.sqrt(2) * sd + 1e-12)


def test_map_minp_are_the_market_ones():
    distmat, ids = _random_case(6, num_q=30, num_ids=8, max_per_id=4)
    for ap_mode in ('standard', 'trapezoid'):
        market = evaluate_rank(distmat, ap_mode=ap_mode, **ids)
        shot = evaluate_rank(distmat, ap_mode=ap_mode, protocol=SGS, **ids)
        assert shot[1:] == market[1:]
        assert not np.array_equal(shot[0], market[0])


def test_seed_determinism():
    distmat, ids = _random_case(7, num_q=20, num_ids=10, max_per_id=4)
    kwargs = dict(max_rank=10, protocol=SGS, num_repeats=3, **ids)
    first = evaluate_rank(distmat, seed=5, **kwargs)
    again = evaluate_rank(distmat, seed=5, **kwargs)
    other = evaluate_rank(distmat, seed=6, **kwargs)
    np.testing.assert_array_equal(first[0], again[0])
    assert not np.array_equal(first[0], other[0])
    assert first[1:] == other[1:]
    # The market protocol ignores the draw arguments.
    market = evaluate_rank(distmat, max_rank=10, **ids)
    also = evaluate_rank(distmat, max_rank=10, num_repeats=3, seed=6, **ids)
    np.testing.assert_array_equal(market[0], also[0])


def test_from_features_passes_the_protocol():
    rng = np.random.default_rng(8)
    # Small integers: exact distances, identical whichever way computed.
    q_feats = rng.integers(0, 3, (14, 4)).astype(np.float32)
    g_feats = rng.integers(0, 3, (20, 4)).astype(np.float32)
    ids = dict(
        q_pids=rng.integers(0, 5, 14),
        g_pids=np.arange(20) % 5,
        q_camids=rng.integers(0, 2, 14),
        g_camids=rng.integers(0, 2, 20))
    distmat = ((q_feats[:, None] - g_feats[None])**2).sum(-1)**0.5
    kwargs = dict(max_rank=5, protocol=SGS, num_repeats=4, seed=3, **ids)
    expected = evaluate_rank(distmat.astype(np.float32), **kwargs)
    result = evaluate_rank_from_features(q_feats, g_feats, chunk_size=3,
                                         **kwargs)
    np.testing.assert_array_equal(result[0], expected[0])
    assert result[1:] == pytest.approx(expected[1:], rel=1e-12)
    market = evaluate_rank_from_features(q_feats, g_feats, **ids)
    assert not np.array_equal(market[0], result[0])


@pytest.mark.parametrize('kwargs, match', [
    (dict(protocol='cuhk03'), 'protocol must be one of'),
    (dict(num_repeats=0), 'num_repeats must be a positive int'),
    (dict(num_repeats=2.5), 'num_repeats must be a positive int'),
    (dict(num_repeats=True), 'num_repeats must be a positive int'),
    (dict(seed=-1), 'seed must be a non-negative int'),
    (dict(seed=1.5), 'seed must be a non-negative int'),
])
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        evaluate_rank(HAND_DIST, **dict(dict(protocol=SGS), **kwargs),
                      **HAND_IDS)


def test_no_match_is_reported_and_skipped():
    ids = dict(HAND_IDS, q_pids=[0, 9], q_camids=[0, 0])
    dist = np.concatenate([HAND_DIST, HAND_DIST])
    cmc = evaluate_rank(dist, max_rank=4, protocol=SGS, num_repeats=4000,
                        **ids)[0]
    # Only query 0 counts: the same expectation as alone.
    np.testing.assert_array_less(np.abs(cmc - HAND_CMC), 0.04)
    with pytest.raises(ValueError, match='None of the 1 queries'):
        evaluate_rank(HAND_DIST[:, 3:], max_rank=4, protocol=SGS,
                      q_pids=[0], g_pids=[1, 1, 2, 2], q_camids=[0],
                      g_camids=[0, 1, 0, 1])


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_equals_cpu():
    distmat, ids = _random_case(9, num_q=50, num_ids=12, max_per_id=5,
                                integer=True)
    kwargs = dict(max_rank=12, protocol=SGS, num_repeats=9, seed=4, **ids)
    cpu = evaluate_rank(distmat, **kwargs)
    cuda = evaluate_rank(torch.from_numpy(distmat).cuda(), **kwargs)
    np.testing.assert_array_equal(cuda[0], cpu[0])
    assert cuda[1:] == cpu[1:]
