"""Write the test set's features and rank-list pictures during a test."""
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement

from mmreidgen.registry import METRICS

from ..functional import pairwise_distance
from ..functional.distance import METRICS as DISTANCES
from ..functional.rank_list import rank_lists

FEATURE_KEYS = ('features', 'pids', 'camids', 'img_paths', 'is_query')


def save_features(path: str, data: Dict[str, np.ndarray]) -> str:
    """Write ``features``, ``pids``, ``camids``, ``img_paths``, ``is_query``.

    Args:
        path (str): The ``.npz`` file (folders are created).
        data (dict): The arrays, one row per image, in test-set order
            (what :class:`mmreidgen.apis.ReIDFeatureExtractor` returns).

    Returns:
        str: ``path``.
    """
    missing = [k for k in FEATURE_KEYS if k not in data]
    if missing:
        raise KeyError(f'save_features needs {missing}; got {list(data)}.')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    np.savez(path, **{k: np.asarray(data[k]) for k in FEATURE_KEYS})
    return path


def save_rank_lists(data: Dict[str, np.ndarray], out_dir: str,
                    num_queries: int = 8, topk: int = 10,
                    metric: str = 'euclidean') -> List[str]:
    """Rank-list pictures of the first ``num_queries`` queries.

    Each picture is the query and its ``topk`` gallery images, ranked as
    in the Market-1501 protocol (same-pid same-camera entries left out),
    green for a true match, red for a false one
    (:meth:`mmreidgen.visualization.ReIDVisualizer.draw_rank_list`).

    Args:
        data (dict): Arrays as :func:`save_features` takes.
        out_dir (str): Folder of ``q<index>_pid<pid>.png``.
        num_queries (int): Queries drawn, the first in test-set order.
            Defaults to 8.
        topk (int): Gallery images per list. Defaults to 10.
        metric (str): ``'euclidean'`` or ``'cosine'``. Defaults to
            'euclidean'.

    Returns:
        list[str]: The written files.
    """
    from mmreidgen.visualization import ReIDVisualizer
    is_q = np.asarray(data['is_query'], dtype=bool)
    if is_q.all() or not is_q.any():
        raise ValueError('Rank lists need query and gallery images; got '
                         f'{int(is_q.sum())} queries and '
                         f'{int((~is_q).sum())} gallery images.')
    q = {k: np.asarray(data[k])[is_q] for k in FEATURE_KEYS}
    g = {k: np.asarray(data[k])[~is_q] for k in FEATURE_KEYS}
    chosen = np.arange(min(int(num_queries), len(q['pids'])))
    dist = pairwise_distance(
        torch.from_numpy(q['features'][chosen]).float(),
        torch.from_numpy(g['features']).float(), metric=metric).numpy()
    ranked = rank_lists(dist, q['pids'][chosen], g['pids'],
                        q['camids'][chosen], g['camids'], topk)
    os.makedirs(out_dir, exist_ok=True)
    visualizer = ReIDVisualizer.get_instance('reid_rank_lists')
    files = []
    for qi, (order, matches) in zip(chosen, ranked):
        gallery = [
            dict(path=str(g['img_paths'][j]), match=bool(m),
                 pid=int(g['pids'][j]), camid=int(g['camids'][j]),
                 dist=float(dist[qi, j])) for j, m in zip(order, matches)
        ]
        image = visualizer.draw_rank_list(
            str(q['img_paths'][qi]),
            f"pid {q['pids'][qi]} c{q['camids'][qi] + 1}", gallery)
        path = osp.join(out_dir, f"q{qi:04d}_pid{q['pids'][qi]}.png")
        cv2.imwrite(path, image)
        files.append(path)
    return files


@METRICS.register_module()
class DumpReIDResults(BaseMetric):
    """Save the test set's features and draw rank lists; no metric values.

    Added beside ``ReIDMetric`` in ``test_evaluator`` (a list), as
    mmdet's ``DumpDetResults``: ``tools/test.py --dump-features FILE``
    and ``--show-dir DIR`` add it. The features are the model's
    ``pred_feature`` (what ``ReIDMetric`` ranks), in test-set order.

    Args:
        out_file (str, optional): ``.npz`` with ``features`` (N x D float32),
            ``pids``, ``camids``, ``img_paths`` and ``is_query`` (bool: a
            query, else a gallery image). Defaults to None.
        show_dir (str, optional): Folder of rank-list pictures
            (:func:`save_rank_lists`). Defaults to None.
        show_num (int): Queries drawn (the first ones). Defaults to 8.
        topk (int): Gallery images per rank list. Defaults to 10.
        metric (str): Distance of the rank lists. Defaults to 'euclidean'.
        collect_device (str): Where results are gathered. Defaults to
            'cpu'.
    """

    default_prefix: Optional[str] = 'dump'

    def __init__(self,
                 out_file: Optional[str] = None,
                 show_dir: Optional[str] = None,
                 show_num: int = 8,
                 topk: int = 10,
                 metric: str = 'euclidean',
                 collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        if out_file is None and show_dir is None:
            raise ValueError('DumpReIDResults needs out_file (features) '
                             'or show_dir (rank lists), or both.')
        if out_file is not None and not out_file.endswith('.npz'):
            raise ValueError(f'out_file must end with .npz, got {out_file!r}.')
        if metric not in DISTANCES:
            raise ValueError(
                f'metric must be one of {DISTANCES}, got {metric!r}.')
        if int(show_num) < 1 or int(topk) < 1:
            raise ValueError('show_num and topk must be >= 1, got '
                             f'{show_num} and {topk}.')
        self.out_file = out_file
        self.show_dir = show_dir
        self.show_num = int(show_num)
        self.topk = int(topk)
        self.metric = metric

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep feature, pid, camid, is_query and img_path of each sample."""
        for sample in data_samples:
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            feature = torch.as_tensor(sample['pred_feature']).detach()
            self.results.append(
                dict(feature=feature.reshape(-1).float().cpu().numpy(),
                     pid=int(sample['pid']), camid=int(sample['camid']),
                     is_query=bool(sample['is_query']),
                     img_path=str(sample.get('img_path', ''))))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Write the files (mmengine calls it on rank 0); no metrics."""
        data = dict(
            features=np.stack([r['feature'] for r in results]),
            pids=np.array([r['pid'] for r in results], dtype=np.int64),
            camids=np.array([r['camid'] for r in results], dtype=np.int64),
            img_paths=np.array([r['img_path'] for r in results]),
            is_query=np.array([r['is_query'] for r in results], dtype=bool))
        if self.out_file:
            save_features(self.out_file, data)
            print_log(f'Features of {len(results)} images: {self.out_file}',
                      logger='current')
        if self.show_dir:
            files = save_rank_lists(data, self.show_dir, self.show_num,
                                    self.topk, self.metric)
            print_log(f'{len(files)} rank lists in {self.show_dir}',
                      logger='current')
        return {}
