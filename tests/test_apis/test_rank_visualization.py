"""mmreidgen.apis.rank_visualization: queries, ranked lists, CMC files."""
import json

import cv2
import numpy as np
import pytest

from mmreidgen.apis import rank_visualization as rv
from mmreidgen.evaluation.functional import evaluate_rank


def extracted(tmp_path):
    paths = []
    for i in range(6):
        path = str(tmp_path / f'{i}.png')
        cv2.imwrite(path, np.full((16, 8, 3), 40 * i, np.uint8))
        paths.append(path)
    return dict(features=np.arange(12.0).reshape(6, 2),
                pids=np.array([1, 2, 1, 2, 1, 3]),
                camids=np.array([0, 0, 1, 1, 0, 2]),
                is_query=np.array([True, True, False, False, False, False]),
                img_paths=np.array(paths))


def test_split_query_gallery(tmp_path):
    q, g = rv.split_query_gallery(extracted(tmp_path))
    assert q['pids'].tolist() == [1, 2] and g['pids'].tolist() == [1, 2, 1, 3]
    assert q['feats'].shape == (2, 2) and len(g['paths']) == 4
    bad = extracted(tmp_path)
    bad['is_query'][:] = True
    with pytest.raises(ValueError, match='found 6 queries and 0 gallery'):
        rv.split_query_gallery(bad)


def test_choose_queries():
    assert rv.choose_queries(10, [3, 1]) == [3, 1]
    with pytest.raises(ValueError, match=r'\[10\] out of range.*0\.\.9'):
        rv.choose_queries(10, [1, 10])
    chosen = rv.choose_queries(10, None, num=4, seed=1)
    assert chosen == sorted(set(chosen)) and len(chosen) == 4
    assert chosen == rv.choose_queries(10, None, num=4, seed=1)
    assert rv.choose_queries(3, None, num=8) == [0, 1, 2]


def test_rank_lists_and_cmc(tmp_path):
    q, g = rv.split_query_gallery(extracted(tmp_path))
    dist = np.array([[0.4, 0.1, 0.3, 0.2], [0.1, 0.2, 0.3, 0.4]])
    written = rv.write_rank_lists(dist, q, g, [0, 1], 3,
                                  str(tmp_path / 'ranks'), (32, 16))
    first = written[0]
    assert first['file'].endswith('q0000_pid1.png')
    assert cv2.imread(first['file']) is not None
    # Query 0 (pid 1, cam 0): gallery 2 is pid 1 in cam 0, junk.
    assert [e['dist'] for e in first['gallery']] == [0.1, 0.2, 0.4]
    assert [e['match'] for e in first['gallery']] == [False, False, True]
    curve = rv.write_cmc(dist, q, g, str(tmp_path), 'run', max_rank=50,
                         metric='euclidean')
    cmc, mean_ap, _ = evaluate_rank(dist, q['pids'], g['pids'],
                                    q['camids'], g['camids'], max_rank=4)
    assert curve['cmc'] == cmc.tolist() and len(curve['cmc']) == 4
    assert curve['mAP'] == pytest.approx(mean_ap)
    saved = json.load(open(tmp_path / 'cmc.json'))
    assert saved == curve and saved['metric'] == 'euclidean'
    rv.write_cmc(dist, q, g, str(tmp_path / 'ranks'), 'two',
                 compare=[str(tmp_path / 'cmc.json')])
    assert cv2.imread(str(tmp_path / 'ranks' / 'cmc.png')) is not None
