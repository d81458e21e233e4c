"""Ranked-list images and the CMC curve of a trained re-id model.

Extracts the features of the config's test set (query + gallery) with the
checkpoint, ranks the gallery for chosen or random queries under the
Market-1501 protocol (same-pid same-camera gallery entries are ignored)
and writes

- ``<out-dir>/ranks/q<index>_pid<pid>.png``: the query (blue border) and
  its top-k gallery images, green border for a true match, red for a false
  one, with rank, pid, camera and distance under each;
- ``<out-dir>/cmc.png`` and ``cmc.json``: the CMC curve (rank 1..max-rank)
  with mAP and mINP; ``--compare-cmc`` overlays curves saved by earlier
  runs.

Examples::

    python tools/analysis_tools/visualize_ranks.py \
        configs/baseline/baseline_r50_market.py work_dirs/r50/iter_24000.pth \
        --out-dir vis/r50 --num-queries 8 --topk 10
    python tools/analysis_tools/visualize_ranks.py CONFIG CKPT \
        --out-dir vis/b --queries 0 17 42 --compare-cmc vis/r50/cmc.json
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner
from mmengine.utils import ProgressBar

from mmreidgen.evaluation.functional import evaluate_rank, pairwise_distance
from mmreidgen.registry import MODELS
from mmreidgen.utils import (
    check_cfg_options,
    check_checkpoint_compatible,
    register_all_modules,
)

QUERY_COLOR = (200, 120, 0)  # BGR blue
TRUE_COLOR = (0, 170, 0)  # BGR green
FALSE_COLOR = (0, 0, 220)  # BGR red
BORDER = 4


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Ranked lists and CMC curves of a re-id model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--queries', type=int, nargs='+',
        help='indices (0-based, in the query set) of the queries to draw')
    parser.add_argument(
        '--num-queries', type=int, default=8,
        help='number of random queries when --queries is not given')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random query choice')
    parser.add_argument('--topk', type=int, default=10,
                        help='gallery images per ranked list')
    parser.add_argument('--max-rank', type=int, default=50,
                        help='length of the CMC curve')
    parser.add_argument('--metric', default=None,
                        help="'euclidean' or 'cosine'; default: the "
                        "config's test_evaluator.metric")
    parser.add_argument('--label', default=None,
                        help='legend of the CMC curve (default: config name)')
    parser.add_argument('--compare-cmc', nargs='+', default=[],
                        help='cmc.json files of other runs to overlay')
    parser.add_argument('--tile-size', type=int, nargs=2, default=(128, 64),
                        metavar=('H', 'W'), help='size of each image tile')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. '
        'test_dataloader.dataset.datasets.0.data_root=...')
    return parser.parse_args(argv)


def load_model(cfg: Config, checkpoint: str, device: str) -> torch.nn.Module:
    """Build ``cfg.model`` and load ``checkpoint`` strictly."""
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'Checkpoint {checkpoint} does not exist; pass a .pth file '
            'written by tools/train.py.')
    model = MODELS.build(cfg.model)
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=True)
    check_checkpoint_compatible(
        model, ckpt, filename=f'Checkpoint {checkpoint}')
    state = ckpt.get('state_dict', ckpt)
    state = {k[7:] if k.startswith('module.') else k: v
             for k, v in state.items()}
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()


@torch.no_grad()
def extract(model: torch.nn.Module, dataloader) -> Dict[str, np.ndarray]:
    """Features and metadata of every test sample, with a progress bar.

    Returns:
        dict: ``feats`` (N x D float32), ``pids``, ``camids``, ``is_query``
        and ``paths`` (N entries each).
    """
    feats, pids, camids, is_query, paths = [], [], [], [], []
    progress = ProgressBar(len(dataloader.dataset), file=sys.stdout)
    for batch in dataloader:
        for sample in model.test_step(batch):
            feats.append(sample.pred_feature.detach().float().cpu())
            pids.append(int(sample.pid))
            camids.append(int(sample.camid))
            is_query.append(bool(sample.is_query))
            paths.append(sample.img_path)
            progress.update()
    print()  # end the progress bar line
    if not feats:
        raise RuntimeError(
            'The test dataloader yielded no samples; check '
            'test_dataloader.dataset in the config.')
    return dict(feats=torch.stack(feats).numpy(),
                pids=np.array(pids), camids=np.array(camids),
                is_query=np.array(is_query, dtype=bool),
                paths=np.array(paths))


def rank_lists(distmat: np.ndarray, q_pids: np.ndarray,
               g_pids: np.ndarray, q_camids: np.ndarray,
               g_camids: np.ndarray, topk: int
               ) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Top-k gallery indices and match flags of each query row.

    Gallery entries with the query's pid and camera are junk and left out,
    as in the metric; ties keep gallery order.

    Returns:
        list[tuple[np.ndarray, np.ndarray]]: Per query, the ranked gallery
        indices and whether each is a true match (same pid).
    """
    out = []
    for row, (pid, camid) in enumerate(zip(q_pids, q_camids)):
        order = np.argsort(distmat[row], kind='stable')
        junk = (g_pids[order] == pid) & (g_camids[order] == camid)
        order = order[~junk][:topk]
        out.append((order, g_pids[order] == pid))
    return out


def _tile(path: str, size: Tuple[int, int], color: Tuple[int, int, int],
          lines: Sequence[str]) -> np.ndarray:
    """The image resized to ``size`` with a coloured border and captions."""
    height, width = size
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        img = np.full((height, width, 3), 128, np.uint8)
    img = cv2.resize(img, (width - 2 * BORDER, height - 2 * BORDER))
    img = cv2.copyMakeBorder(img, BORDER, BORDER, BORDER, BORDER,
                             cv2.BORDER_CONSTANT, value=color)
    caption = np.full((14 * len(lines) + 4, width, 3), 255, np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(caption, line, (2, 13 + 14 * i),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.33, (0, 0, 0), 1,
                    cv2.LINE_AA)
    return np.concatenate([img, caption], axis=0)


def draw_rank_list(query_path: str, query_info: str, gallery: Sequence[dict],
                   size: Tuple[int, int] = (128, 64)) -> np.ndarray:
    """One row: the query, a gap, then the ranked gallery tiles.

    Args:
        query_path (str): Query image.
        query_info (str): Caption under the query, e.g. ``'pid 12 c3'``.
        gallery (Sequence[dict]): Ranked entries with ``path``, ``match``
            (bool), ``pid``, ``camid`` and ``dist``.
        size (tuple[int, int]): Tile ``(height, width)`` with border.

    Returns:
        np.ndarray: BGR uint8 image.
    """
    tiles = [_tile(query_path, size, QUERY_COLOR, ['query', query_info])]
    gap = np.full_like(tiles[0][:, :12], 255)
    tiles.append(gap)
    for rank, entry in enumerate(gallery, 1):
        color = TRUE_COLOR if entry['match'] else FALSE_COLOR
        tiles.append(
            _tile(entry['path'], size, color, [
                f"{rank}: pid {entry['pid']} c{entry['camid'] + 1}",
                f"d={entry['dist']:.3f}"
            ]))
        tiles.append(np.full_like(tiles[0][:, :2], 255))
    return np.concatenate(tiles, axis=1)


def plot_cmc(curves: Dict[str, dict], out_file: str) -> None:
    """Plot CMC curves (``{label: dict(cmc=[...], mAP=...)}``) to a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    for label, curve in curves.items():
        cmc = 100 * np.asarray(curve['cmc'])
        ax.plot(np.arange(1, len(cmc) + 1), cmc,
                label=f"{label} (R1 {cmc[0]:.1f}, mAP "
                f"{100 * curve['mAP']:.1f})")
    ax.set_xlabel('rank')
    ax.set_ylabel('matching rate (%)')
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.set_title('CMC')
    ax.legend(loc='lower right', fontsize=8)
    fig.tight_layout()
    fig.savefig(out_file)
    plt.close(fig)


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    metric = args.metric or cfg.get('test_evaluator', {}).get(
        'metric', 'euclidean')
    model = load_model(cfg, args.checkpoint, args.device)
    loader = Runner.build_dataloader(cfg.test_dataloader)
    data = extract(model, loader)

    is_q = data['is_query']
    if is_q.all() or not is_q.any():
        raise ValueError(
            'The test set must hold query and gallery images (a '
            'ConcatDataset of the query and gallery subsets); found '
            f'{int(is_q.sum())} queries and {int((~is_q).sum())} gallery '
            'images.')
    q = {k: v[is_q] for k, v in data.items()}
    g = {k: v[~is_q] for k, v in data.items()}
    distmat = pairwise_distance(
        torch.from_numpy(q['feats']), torch.from_numpy(g['feats']),
        metric=metric).numpy()

    os.makedirs(osp.join(args.out_dir, 'ranks'), exist_ok=True)
    num_q = len(q['pids'])
    if args.queries:
        bad = [i for i in args.queries if not 0 <= i < num_q]
        if bad:
            raise ValueError(
                f'--queries {bad} out of range: the query set has {num_q} '
                f'images (indices 0..{num_q - 1}).')
        chosen = list(args.queries)
    else:
        rng = np.random.default_rng(args.seed)
        chosen = sorted(rng.choice(
            num_q, size=min(args.num_queries, num_q), replace=False).tolist())
    ranked = rank_lists(distmat[chosen], q['pids'][chosen], g['pids'],
                        q['camids'][chosen], g['camids'], args.topk)
    written = []
    progress = ProgressBar(len(chosen), file=sys.stdout)
    for qi, (order, matches) in zip(chosen, ranked):
        gallery = [
            dict(path=g['paths'][j], match=bool(m), pid=int(g['pids'][j]),
                 camid=int(g['camids'][j]), dist=float(distmat[qi, j]))
            for j, m in zip(order, matches)
        ]
        image = draw_rank_list(
            q['paths'][qi],
            f"pid {q['pids'][qi]} c{q['camids'][qi] + 1}", gallery,
            tuple(args.tile_size))
        out = osp.join(args.out_dir, 'ranks',
                       f"q{qi:04d}_pid{q['pids'][qi]}.png")
        cv2.imwrite(out, image)
        written.append(dict(query=qi, file=out, gallery=gallery))
        progress.update()
    print()

    max_rank = min(args.max_rank, len(g['pids']))
    cmc, mean_ap, mean_inp = evaluate_rank(
        distmat, q['pids'], g['pids'], q['camids'], g['camids'],
        max_rank=max_rank)
    label = args.label or osp.splitext(osp.basename(args.config))[0]
    curve = dict(label=label, cmc=cmc.tolist(), mAP=float(mean_ap),
                 mINP=float(mean_inp), metric=metric,
                 checkpoint=args.checkpoint)
    with open(osp.join(args.out_dir, 'cmc.json'), 'w') as f:
        json.dump(curve, f, indent=2)
    curves = {label: curve}
    for path in args.compare_cmc:
        with open(path) as f:
            other = json.load(f)
        curves[other.get('label', path)] = other
    plot_cmc(curves, osp.join(args.out_dir, 'cmc.png'))
    print(f'R1 {100 * cmc[0]:.2f}  mAP {100 * mean_ap:.2f}  '
          f'mINP {100 * mean_inp:.2f}; {len(written)} ranked lists in '
          f"{osp.join(args.out_dir, 'ranks')}, CMC curve in "
          f"{osp.join(args.out_dir, 'cmc.png')}")
    return dict(curve=curve, ranks=written, query_paths=q['paths'],
                num_query=num_q)


if __name__ == '__main__':
    main()
