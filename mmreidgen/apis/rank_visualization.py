"""Ranked-list pictures and CMC curves of extracted test-set features.

From the output of :class:`~mmreidgen.apis.ReIDFeatureExtractor` on a test
set (query + gallery): rank the gallery for chosen queries under the
Market-1501 protocol (same-pid same-camera gallery entries are ignored),
draw each ranked list with
:meth:`~mmreidgen.visualization.ReIDVisualizer.draw_rank_list`, and write
the CMC curve (``cmc.json``, ``cmc.png``, other runs' curves overlaid).
``tools/analysis_tools/visualize_ranks.py`` is the command line.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmreidgen.evaluation.functional import evaluate_rank
from mmreidgen.evaluation.functional.rank_list import rank_lists
from mmreidgen.utils.progress import ProgressBar
from mmreidgen.visualization import ReIDVisualizer


def split_query_gallery(extracted: Dict[str, np.ndarray]
                        ) -> Tuple[Dict[str, np.ndarray], Dict]:
    """The query and the gallery part of extracted features.

    Args:
        extracted (dict): ``features``, ``pids``, ``camids``, ``is_query``
            and ``img_paths`` per image.

    Returns:
        tuple[dict, dict]: Query and gallery, each with ``feats``,
        ``pids``, ``camids`` and ``paths``.

    Raises:
        ValueError: Every image, or none, is a query.
    """
    is_q = extracted['is_query']
    if is_q.all() or not is_q.any():
        raise ValueError(
            'The test set must hold query and gallery images (a '
            'ConcatDataset of the query and gallery subsets); found '
            f'{int(is_q.sum())} queries and {int((~is_q).sum())} gallery '
            'images.')
    data = dict(feats=extracted['features'], pids=extracted['pids'],
                camids=extracted['camids'], paths=extracted['img_paths'])
    return ({k: v[is_q] for k, v in data.items()},
            {k: v[~is_q] for k, v in data.items()})


def choose_queries(num_query: int, queries: Optional[Sequence[int]] = None,
                   num: int = 8, seed: int = 0) -> List[int]:
    """``queries`` (checked against ``num_query``), else ``num`` random
    query indices, sorted.

    Raises:
        ValueError: A given index is out of range.
    """
    if queries:
        bad = [i for i in queries if not 0 <= i < num_query]
        if bad:
            raise ValueError(
                f'--queries {bad} out of range: the query set has '
                f'{num_query} images (indices 0..{num_query - 1}).')
        return list(queries)
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(num_query, size=min(num, num_query),
                             replace=False).tolist())


def write_rank_lists(distmat: np.ndarray, query: dict, gallery: dict,
                     chosen: Sequence[int], topk: int, out_dir: str,
                     tile_size: Tuple[int, int] = (128, 64)) -> List[dict]:
    """Draw the ranked list of each chosen query into
    ``<out_dir>/q<index>_pid<pid>.png``.

    Args:
        distmat (np.ndarray): Query x gallery distances.
        query (dict): :func:`split_query_gallery`'s query part.
        gallery (dict): Its gallery part.
        chosen (Sequence[int]): Query indices.
        topk (int): Gallery images per list.
        out_dir (str): The folder (created).
        tile_size (tuple[int, int]): ``(H, W)`` of a tile. Defaults to
            (128, 64).

    Returns:
        list[dict]: Per query, ``query`` (index), ``file`` and ``gallery``
        (``path``, ``match``, ``pid``, ``camid``, ``dist`` of each rank).
    """
    os.makedirs(out_dir, exist_ok=True)
    ranked = rank_lists(distmat[chosen], query['pids'][chosen],
                        gallery['pids'], query['camids'][chosen],
                        gallery['camids'], topk)
    written = []
    visualizer = ReIDVisualizer(tile_size=tuple(tile_size))
    progress = ProgressBar(len(chosen))
    for qi, (order, matches) in zip(chosen, ranked):
        entries = [
            dict(path=gallery['paths'][j], match=bool(m),
                 pid=int(gallery['pids'][j]),
                 camid=int(gallery['camids'][j]),
                 dist=float(distmat[qi, j]))
            for j, m in zip(order, matches)
        ]
        pid = query['pids'][qi]
        image = visualizer.draw_rank_list(
            query['paths'][qi], f"pid {pid} c{query['camids'][qi] + 1}",
            entries)
        out = osp.join(out_dir, f'q{qi:04d}_pid{pid}.png')
        cv2.imwrite(out, image)
        written.append(dict(query=qi, file=out, gallery=entries))
        progress.update()
    return written


def write_cmc(distmat: np.ndarray, query: dict, gallery: dict,
              out_dir: str, label: str, max_rank: int = 50,
              compare: Sequence[str] = (), **info) -> dict:
    """The CMC curve into ``<out_dir>/cmc.json`` and ``cmc.png``.

    Args:
        distmat (np.ndarray): Query x gallery distances.
        query (dict): :func:`split_query_gallery`'s query part.
        gallery (dict): Its gallery part.
        out_dir (str): The folder.
        label (str): Legend of the curve.
        max_rank (int): Length of the curve (at most the gallery size).
            Defaults to 50.
        compare (Sequence[str]): ``cmc.json`` files of other runs, drawn
            in the same plot. Defaults to ().
        **info: Also stored in ``cmc.json`` (e.g. ``metric``,
            ``checkpoint``).

    Returns:
        dict: ``label``, ``cmc``, ``mAP``, ``mINP`` and ``info``.
    """
    cmc, mean_ap, mean_inp = evaluate_rank(
        distmat, query['pids'], gallery['pids'], query['camids'],
        gallery['camids'], max_rank=min(max_rank, len(gallery['pids'])))
    curve = dict(label=label, cmc=cmc.tolist(), mAP=float(mean_ap),
                 mINP=float(mean_inp), **info)
    with open(osp.join(out_dir, 'cmc.json'), 'w') as f:
        json.dump(curve, f, indent=2)
    curves = {label: curve}
    for path in compare:
        with open(path) as f:
            other = json.load(f)
        curves[other.get('label', path)] = other
    ReIDVisualizer.draw_cmc(curves, osp.join(out_dir, 'cmc.png'))
    return curve
