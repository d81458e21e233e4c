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
import os.path as osp

import torch

from mmreidgen.apis import (
    ReIDFeatureExtractor,
    build_dataloader,
    init_model,
    load_config,
)
from mmreidgen.apis.cli import run_tool, tool_parser
from mmreidgen.apis.rank_visualization import (
    choose_queries,
    split_query_gallery,
    write_cmc,
    write_rank_lists,
)
from mmreidgen.evaluation.functional import pairwise_distance
from mmreidgen.utils import register_all_modules


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
    loader = build_dataloader(cfg.test_dataloader)
    q, g = split_query_gallery(ReIDFeatureExtractor(model)(loader))
    distmat = pairwise_distance(
        torch.from_numpy(q['feats']), torch.from_numpy(g['feats']),
        metric=metric).numpy()
    chosen = choose_queries(len(q['pids']), args.queries, args.num_queries,
                            args.seed)
    ranks_dir = osp.join(args.out_dir, 'ranks')
    written = write_rank_lists(distmat, q, g, chosen, args.topk, ranks_dir,
                               args.tile_size)
    label = args.label or osp.splitext(osp.basename(args.config))[0]
    curve = write_cmc(distmat, q, g, args.out_dir, label, args.max_rank,
                      args.compare_cmc, metric=metric,
                      checkpoint=args.checkpoint)
    cmc = curve['cmc']
    print(f'R1 {100 * cmc[0]:.2f}  mAP {100 * curve["mAP"]:.2f}  '
          f'mINP {100 * curve["mINP"]:.2f}; {len(written)} ranked lists in '
          f"{ranks_dir}, CMC curve in {osp.join(args.out_dir, 'cmc.png')}")
    return dict(curve=curve, ranks=written, query_paths=q['paths'],
                num_query=len(q['pids']))


if __name__ == '__main__':
    run_tool(main)
