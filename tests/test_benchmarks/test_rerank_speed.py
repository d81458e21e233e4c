"""mmreidgen.benchmarks.rerank_speed: sizes, the reference's N, workers."""
import argparse

import pytest

from mmreidgen.benchmarks import rerank_speed

MARKET = (3368, 15913, 750, 2793)


def test_market_size():
    assert rerank_speed.market_size(MARKET, 15913) == MARKET
    # The authors' gallery: the extra images are distractors.
    assert rerank_speed.market_size(MARKET, 19732) == (3368, 19732, 750,
                                                        2793 + 3819)
    small = rerank_speed.market_size(MARKET, 15913, total=1928)
    assert small == (337, 1591, 75, 279)
    assert rerank_speed.market_size(MARKET, 15913, total=10**6) == MARKET
    assert min(rerank_speed.market_size(MARKET, 15913, total=3)) == 2


def test_reference_size():
    assert rerank_speed.reference_size('full', 500) == (
        500, 'full size (--reference-size full)')
    assert rerank_speed.reference_size('123', 500)[0] == 123
    need = rerank_speed.REFERENCE_ARRAYS * 500**2 * 4
    num, why = rerank_speed.reference_size('auto', 500, available=3 * need)
    assert num == 500 and why.startswith('full size')
    num, why = rerank_speed.reference_size('auto', 500, available=need)
    assert why.startswith('reduced') and num < 500
    # The largest N whose arrays fit in half the available memory.
    arrays = [rerank_speed.REFERENCE_ARRAYS * n**2 * 4 for n in (num,
                                                                num + 1)]
    assert arrays[0] <= need / 2 < arrays[1]


@pytest.fixture
def tiny_args():
    return argparse.Namespace(
        num_gallery=90, dim=8, seed=0, skip_faiss=True, num=None,
        dataset_sizes=dict(market=(20, 90, 8, 10), msmt=(25, 120, 10, 0)))


def test_reference_worker_agrees(tiny_args):
    tiny_args.num = 60
    out = rerank_speed.reference_run(tiny_args)
    assert out['num_all'] == sum(out['size'][:2]) <= 61
    assert out['max_abs_diff'] < 1e-5
    assert out['rows_consistent'] == 1.0
    assert out['map_ours'] == pytest.approx(out['map_ref'], abs=1e-6)


def test_market_worker(tiny_args):
    out = rerank_speed.market_ours(tiny_args)
    assert out['num_all'] == 110 and 'faiss_time' not in out
    assert out['knn_max_abs_diff'] < 1e-4
    assert out['knn_map'] == pytest.approx(out['exact_map'], abs=1e-4)
    assert 0 <= out['plain_map'] <= 1
