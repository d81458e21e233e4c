"""mmreidgen.benchmarks.common: sizes, features, memory, workers."""
import argparse
import mmap
import time

import numpy as np
import pytest

from mmreidgen.benchmarks import common, eval_speed


def test_clustered_features_layout():
    q, g, q_pids, g_pids, q_cams, g_cams = common.clustered_features(
        30, 80, 10, 12, dim=8, seed=3)
    assert q.shape == (30, 8) and g.shape == (80, 8)
    assert q.dtype == g.dtype == np.float32
    # Every identity has a gallery image; the distractors (pid 0) close
    # the gallery; query pids are real identities.
    assert set(range(1, 11)) <= set(g_pids[:68].tolist())
    assert (g_pids[68:] == 0).all() and (g_pids[:68] > 0).all()
    assert set(q_pids.tolist()) <= set(range(1, 11))
    assert q_cams.max() < 6 and g_cams.min() >= 0
    again = common.clustered_features(30, 80, 10, 12, dim=8, seed=3)
    np.testing.assert_array_equal(q, again[0])
    assert not np.array_equal(
        q, common.clustered_features(30, 80, 10, 12, dim=8, seed=4)[0])


def test_clustered_features_cluster_per_identity():
    q, g, q_pids, g_pids, *_ = common.clustered_features(
        50, 200, 5, 0, dim=64, seed=0)
    dist = ((q[:, None] - g[None]) ** 2).sum(-1)
    nearest = g_pids[dist.argmin(1)]
    assert (nearest == q_pids).mean() > 0.9


def test_peak_rss_sees_an_allocation():
    # 64 MiB of new pages, touched: an anonymous mapping, because malloc
    # may serve a numpy array from memory that earlier tests freed but
    # that is still resident (then the RSS does not grow).
    with common.PeakRSS() as mem:
        block = mmap.mmap(-1, 64 * 2**20)
        for offset in range(0, len(block), 4096):
            block[offset] = 1
        time.sleep(0.01)  # the sampler sees it even without a new peak
        block.close()
    assert mem.extra >= 60 * 2**20
    out, seconds, extra = common.timed_peak(sum, [1, 2, 3])
    assert out == 6 and seconds >= 0 and extra < 60 * 2**20


def test_formatting_and_report_lines():
    assert common.gib(1.5 * 2**30) == '1.50 GiB'
    assert common.rank_summary((np.array([0.5, 1.0]), 0.25, 0.125)) == dict(
        R1=0.5, mAP=0.25, mINP=0.125)

    def part():
        yield 'a'
        yield ('speed', 1.23456, '<= 2')
        yield 'b'

    lines = list(common.report_lines([part(), iter(['c', ('x', 2, '')])]))
    assert lines == ['a', 'b', 'c', '\nRatios', '  speed: 1.235 (goal <= 2)',
                     '  x: 2']
    assert common.header('bench').startswith('# bench on ')


def test_benchmark_parser():
    args = common.benchmark_parser('First line.\n\nMore.',
                                   synthetic_features=True).parse_args([])
    assert (args.dim, args.seed) == (128, 0)
    parser = common.benchmark_parser('First line.\n')
    assert parser.description == 'First line.'
    assert parser.parse_args([]) == argparse.Namespace()


def test_run_worker_in_a_fresh_process():
    args = argparse.Namespace(dim=8, seed=0, sgs_repeats=2)
    extra = common.run_worker(
        eval_speed.cuhk03_memory, args, protocol='market',
        dataset_sizes=dict(cuhk03=(10, 40, 5, 0)))
    assert isinstance(extra, int) and extra >= 0
    with pytest.raises(ValueError, match='not a benchmark worker'):
        common.run_worker(eval_speed.build_distmat, args)
    with pytest.raises(RuntimeError, match='KeyError'):  # the worker's
        common.run_worker(eval_speed.cuhk03_memory, args, protocol='market',
                          dataset_sizes={})


def test_worker_main_refuses_other_functions():
    with pytest.raises(SystemExit, match='not a benchmark worker'):
        common.worker_main(['mmreidgen.benchmarks.eval_speed',
                            'build_distmat', '{}'])
