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
import json
import os
import os.path as osp

import cv2
import numpy as np
import torch
from mmengine.runner import Runner

from mmreidgen.apis import ReIDFeatureExtractor, init_model, load_config
from mmreidgen.apis.cli import run_tool, tool_parser
from mmreidgen.evaluation.functional import evaluate_rank, pairwise_distance
from mmreidgen.evaluation.functional.rank_list import rank_lists
from mmreidgen.utils import ProgressBar, register_all_modules
from mmreidgen.visualization import ReIDVisualizer


def parse_args(argv=None):
    parser = tool_parser(
        'Ranked lists and CMC curves of a re-id model',
        checkpoint='checkpoint file',
        device=True)
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
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    metric = args.metric or cfg.get('test_evaluator', {}).get(
        'metric', 'euclidean')
    model = init_model(cfg, args.checkpoint, args.device)
    loader = Runner.build_dataloader(cfg.test_dataloader)
    out = ReIDFeatureExtractor(model)(loader)
    data = dict(feats=out['features'], pids=out['pids'],
                camids=out['camids'], is_query=out['is_query'],
                paths=out['img_paths'])

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
    visualizer = ReIDVisualizer(tile_size=tuple(args.tile_size))
    progress = ProgressBar(len(chosen))
    for qi, (order, matches) in zip(chosen, ranked):
        gallery = [
            dict(path=g['paths'][j], match=bool(m), pid=int(g['pids'][j]),
                 camid=int(g['camids'][j]), dist=float(distmat[qi, j]))
            for j, m in zip(order, matches)
        ]
        image = visualizer.draw_rank_list(
            q['paths'][qi],
            f"pid {q['pids'][qi]} c{q['camids'][qi] + 1}", gallery)
        out = osp.join(args.out_dir, 'ranks',
                       f"q{qi:04d}_pid{q['pids'][qi]}.png")
        cv2.imwrite(out, image)
        written.append(dict(query=qi, file=out, gallery=gallery))
        progress.update()

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
    visualizer.draw_cmc(curves, osp.join(args.out_dir, 'cmc.png'))
    print(f'R1 {100 * cmc[0]:.2f}  mAP {100 * mean_ap:.2f}  '
          f'mINP {100 * mean_inp:.2f}; {len(written)} ranked lists in '
          f"{osp.join(args.out_dir, 'ranks')}, CMC curve in "
          f"{osp.join(args.out_dir, 'cmc.png')}")
    return dict(curve=curve, ranks=written, query_paths=q['paths'],
                num_query=num_q)


if __name__ == '__main__':
    run_tool(main)
