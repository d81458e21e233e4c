"""Look at what the model will be fed: transformed samples and masks.

For each sample of the chosen dataloader's dataset it draws, side by side,
the image as stored on disk, the image after the pipeline (resize, flip,
crop, erasing, ...) and, when the pipeline loads person masks, the mask
and the mask over the transformed image; the caption gives pid, camera,
domain and subset. Images are written to ``--output-dir`` (and shown in a
window with ``--show``).

Examples::

    python tools/misc/browse_dataset.py \
        configs/baseline/baseline_r50_market.py --output-dir vis/browse
    python tools/misc/browse_dataset.py \
        configs/crgan/crgan_r50_market2duke.py --stage stage2_gan \
        --show-number 20 --output-dir vis/crgan_pairs
"""
import os
import os.path as osp

import cv2
from mmengine.registry import init_default_scope

from mmreidgen.apis import load_config
from mmreidgen.apis.cli import run_tool, tool_parser
from mmreidgen.config import is_pipeline, stage_names
from mmreidgen.registry import DATASETS
from mmreidgen.utils import ProgressBar, register_all_modules
from mmreidgen.visualization import ReIDVisualizer


def parse_args(argv=None):
    parser = tool_parser(
        'Browse transformed dataset samples and masks')
    parser.add_argument('--phase', default='train',
                        choices=['train', 'val', 'test'],
                        help='which dataloader to browse')
    parser.add_argument('--stage', help='pipeline config: the stage to use')
    parser.add_argument('--output-dir', default=None,
                        help='where to write the images')
    parser.add_argument('--show-number', type=int, default=16,
                        help='number of samples to draw')
    parser.add_argument('--start', type=int, default=0,
                        help='index of the first sample')
    parser.add_argument('--show', action='store_true',
                        help='also show each image in a window')
    parser.add_argument('--show-interval', type=float, default=2.0,
                        help='seconds per image with --show')
    parser.add_argument('--scale', type=float, default=2.0,
                        help='display magnification of the images')
    return parser.parse_args(argv)


def main(argv=None) -> list:
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options, stage=args.stage)
    key = f'{args.phase}_dataloader'
    if not cfg.get(key):
        stages = stage_names(cfg) if is_pipeline(cfg) else []
        hint = (f' It is a pipeline config: add --stage with one of '
                f'{stages}.' if stages else '')
        raise KeyError(f'The config has no {key}.{hint}')
    init_default_scope(cfg.get('default_scope', 'mmreidgen'))
    dataset = DATASETS.build(cfg[key]['dataset'])
    if len(dataset) == 0:
        raise RuntimeError(f'The {args.phase} dataset is empty.')
    stop = min(len(dataset), args.start + args.show_number)
    if args.output_dir is None and not args.show:
        raise ValueError('Give --output-dir to save the images, or --show.')
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)
    written = []
    progress = ProgressBar(stop - args.start)
    for idx in range(args.start, stop):
        image = ReIDVisualizer.draw_sample(dataset[idx], args.scale)
        if args.output_dir:
            name = osp.splitext(osp.basename(
                dataset.get_data_info(idx)['img_path']))[0]
            out = osp.join(args.output_dir, f'{idx:05d}_{name}.png')
            cv2.imwrite(out, image)
            written.append(out)
        if args.show:
            cv2.imshow('browse_dataset', image)
            cv2.waitKey(int(args.show_interval * 1000))
        progress.update()
    return written


if __name__ == '__main__':
    run_tool(main)
