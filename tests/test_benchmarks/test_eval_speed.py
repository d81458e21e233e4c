"""mmreidgen.benchmarks.eval_speed at tiny sizes."""
import argparse

import numpy as np

from mmreidgen.benchmarks import eval_speed
from mmreidgen.benchmarks.common import clustered_features
from mmreidgen.evaluation.functional import pairwise_distance

TINY = dict(market=(20, 90, 8, 10), msmt=(25, 120, 10, 0),
            cuhk03=(15, 60, 12, 0))


def tiny_args(**kwargs):
    args = dict(sizes=list(TINY), dim=8, seed=0, repeat=2, msmt_check=10,
                skip_msmt_distmat=False, sgs_repeats=3, dataset_sizes=TINY)
    args.update(kwargs)
    return argparse.Namespace(**args)


def test_build_distmat_is_the_euclidean_matrix_for_any_chunk():
    q, g, *_ = clustered_features(13, 40, 5, 0, dim=8)
    expected = pairwise_distance(q, g).numpy()
    for chunk in (1, 5, 1024):
        out = eval_speed.build_distmat(q, g, chunk)
        assert out.dtype == np.float32 and out.shape == (13, 40)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-4)


def test_same_result():
    a = (np.array([0.5, 1.0]), 0.4, 0.2)
    assert eval_speed.same_result(a, (np.array([0.5, 1.0]), 0.4, 0.2))
    assert not eval_speed.same_result(a, (np.array([0.6, 1.0]), 0.4, 0.2))
    assert not eval_speed.same_result(a, (np.array([0.5, 1.0]), 0.41, 0.2))


def test_workers_agree_with_the_reference():
    args = tiny_args()
    market = eval_speed.market_timing(args)
    assert market['identical'] is True
    assert set(market['best']) == {'argsort', 'evaluate_rank',
                                   'evaluate_rank_torch'}
    assert all(len(v) == 2 for v in market['all'].values())
    assert 0 <= market['result']['mAP'] <= 1
    feats = eval_speed.msmt_features(args)
    assert feats['subset_identical'] is True
    # The whole matrix and the chunked features give the same metrics.
    assert eval_speed.msmt_distmat(args)['raw'] == feats['raw']
    shot = eval_speed.cuhk03_timing(args)
    assert shot['num_gallery_ids'] == 12
    assert shot['same_map_minp'] is True
    assert shot['market']['mAP'] == shot['single_gallery_shot']['mAP']


def test_report_lines_of_one_size():
    lines = list(eval_speed.report(tiny_args(sizes=['cuhk03']), TINY))
    assert lines[0].startswith('# benchmark_eval on ')
    assert lines[1].startswith('CUHK03 767/700 size (15, 60), dim 8: ')
    assert '12 gallery identities' in lines
    assert 'mAP and mINP identical: True' in lines
    rows = [line for line in lines if line.startswith('| market |')
            or line.startswith('| single_gallery_shot |')]
    assert len(rows) == 2 and all(' GiB | R1 ' in r for r in rows)
    assert lines[-3] == '\nRatios'
    assert lines[-1].startswith('  CUHK03: single_gallery_shot / market '
                                'time (median pair): ')
