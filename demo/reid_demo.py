"""Who in this folder is the person in this image? Rank a gallery.

Every query image (or every image of a query folder) is compared with the
images of ``--gallery`` (a folder, searched recursively) by the re-id
embedding of a trained model, and ``--topk`` nearest gallery images are
kept. Writes

- ``FILE`` (``--out``, a ``.json``): ``metric`` (the config's
  ``test_evaluator.metric``, or ``--metric``), ``checkpoint`` and
  ``results``: per query ``query`` (path), ``picture`` and ``ranked``
  (``rank``, ``path``, ``name``, ``dist``), nearest first;
- ``<FILE without .json>/<query name>.png``: the query (blue border), then
  its ranked gallery with ranks, names and distances.

Any trained re-id model works: a baseline, CR-GAN or DG-Net config with a
checkpoint that ``tools/train.py`` wrote.

Example::

    python demo/reid_demo.py my_query.jpg --gallery my_gallery/ \\
        configs/baseline/baseline_r50_market.py \\
        work_dirs/baseline_r50_market/iter_24000.pth \\
        --topk 10 --out work_dirs/reid_demo/ranks.json
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Optional, Sequence

import cv2

from mmreidgen.apis import (
    ReIDInferencer,
    init_model,
    list_images,
    load_config,
)
from mmreidgen.apis.cli import add_cfg_options, add_device_argument, run_tool
from mmreidgen.apis.feature_extraction import test_pipeline_of
from mmreidgen.utils import register_all_modules
from mmreidgen.visualization import ReIDVisualizer


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Rank a gallery folder for query images.')
    parser.add_argument('queries', nargs='+', metavar='QUERY',
                        help='query image(s) or folder(s)')
    parser.add_argument('--gallery', required=True,
                        help='folder of gallery images')
    parser.add_argument('config', help='re-id config file')
    parser.add_argument('checkpoint', help='checkpoint written by training')
    parser.add_argument('--topk', type=int, default=10,
                        help='gallery images per query (default 10)')
    parser.add_argument('--out', required=True,
                        help='JSON file; the pictures go in the folder of '
                        'the same name')
    parser.add_argument('--metric', default=None,
                        choices=['euclidean', 'cosine'],
                        help="default: the config's test_evaluator.metric")
    parser.add_argument('--tile-size', type=int, nargs=2, default=(128, 64),
                        metavar=('H', 'W'), help='size of each image tile')
    add_device_argument(parser)
    add_cfg_options(parser)
    # QUERY... and CONFIG CHECKPOINT may sit on both sides of --gallery.
    return parser.parse_intermixed_args(argv)


def query_paths(queries: Sequence[str]) -> List[str]:
    """Image files of the QUERY arguments (files, or folders of them)."""
    paths = []
    for query in queries:
        if osp.isdir(query):
            paths += list_images(query)
        elif osp.isfile(query):
            paths.append(query)
        else:
            raise FileNotFoundError(
                f'Query {query} does not exist; pass image files or '
                'folders of images.')
    return paths


def main(argv: Optional[Sequence[str]] = None) -> List[dict]:
    args = parse_args(argv)
    register_all_modules()
    if not args.out.endswith('.json'):
        raise ValueError(f'--out {args.out} must name a .json file (the '
                         'pictures go in the folder of the same name).')
    if args.topk < 1:
        raise ValueError(f'--topk must be at least 1, got {args.topk}.')
    queries = query_paths(args.queries)
    gallery = list_images(args.gallery)
    cfg = load_config(args.config, args.cfg_options)
    metric = args.metric or cfg.get('test_evaluator', {}).get(
        'metric', 'euclidean')
    model = init_model(cfg, args.checkpoint, args.device)
    inferencer = ReIDInferencer(model, test_pipeline_of(cfg), metric)
    results = inferencer(queries, gallery=gallery, topk=args.topk)

    pictures = osp.splitext(args.out)[0]
    os.makedirs(pictures, exist_ok=True)
    visualizer = ReIDVisualizer(tile_size=tuple(args.tile_size))
    report = []
    for index, result in enumerate(results):
        ranked = [
            dict(rank=rank, path=entry['path'],
                 name=osp.basename(entry['path']), dist=entry['dist'])
            for rank, entry in enumerate(result['ranked'], 1)
        ]
        name = osp.basename(result['query'])
        image = visualizer.draw_rank_list(
            result['query'], name,
            [dict(path=e['path'], dist=e['dist'], match=None)
             for e in ranked])
        picture = osp.join(
            pictures, f'{index:03d}_{osp.splitext(name)[0]}.png')
        cv2.imwrite(picture, image)
        report.append(dict(query=result['query'], picture=picture,
                           ranked=ranked))
    with open(args.out, 'w', encoding='utf-8') as f:
        json.dump(dict(metric=metric, checkpoint=args.checkpoint,
                       results=report), f, indent=2)
    print(f'{len(report)} queries against {len(gallery)} gallery images '
          f'({metric}): {args.out}, pictures in {pictures}/')
    return report


if __name__ == '__main__':
    run_tool(main)
