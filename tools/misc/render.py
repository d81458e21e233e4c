"""Render a folder of CR-GAN images from a checkpoint, optionally scored.

What is rendered and measured: :mod:`mmreidgen.apis.rendering`.

Each source training image ``X_S`` is rendered into the context of a random
target training image ``X_T``; the result is written in the Market-1501
layout so that it can be read back as a training set::

    <out>/bounding_box_train/<source pid>_c<target cam>s1_<index>_00.jpg
    <out>/grids/grid_<k>.png      # X_S | X'_T | X_C | X_G, with --grids
    <out>/metrics.json            # with --metrics

Examples::

    python tools/misc/render.py configs/crgan/crgan_r50_market2duke.py \\
        work_dirs/crgan_r50_market2duke/stage2_gan/final.pth \\
        --out work_dirs/crgan_render --num 2000 --grids 4
    # image quality and diversity (weight-free DSSIM/L1 always; FID and
    # LPIPS when the local weight files are given)
    python tools/misc/render.py CONFIG CKPT --out DIR --metrics \\
        [--inception-weights checkpoints/inception_v3_google.pth] \\
        [--lpips-alexnet checkpoints/alexnet.pth --lpips-lin alex.pth]
"""
import argparse
import json
import os.path as osp
from typing import Dict, Optional, Sequence

from mmreidgen.apis import init_model, load_config, rendering
from mmreidgen.apis.cli import run_tool, tool_parser
from mmreidgen.utils import register_all_modules


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = tool_parser(
        'Render CR-GAN images from a checkpoint.',
        checkpoint='checkpoint with the generator '
        '(stage2_gan/final.pth or later)',
        device=True)
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--num', type=int, default=None,
                        help='images to render (default: one per source '
                        'training image)')
    parser.add_argument('--renderer', default='generator',
                        choices=['generator', 'cut_paste'],
                        help='G (default) or cut-and-paste')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random target guides')
    parser.add_argument('--grids', type=int, default=0,
                        help='also save this many X_S|X\'_T|X_C|X_G grids')
    parser.add_argument('--metrics', action='store_true',
                        help='measure diversity (and FID with weights)')
    parser.add_argument('--num-guides', type=int, default=5,
                        help='targets per source for conditional diversity')
    parser.add_argument('--num-sources', type=int, default=100,
                        help='sources for conditional diversity')
    parser.add_argument('--inception-weights', default=None,
                        help='local torchvision inception_v3 state dict')
    parser.add_argument('--lpips-alexnet', default=None,
                        help='local torchvision alexnet state dict')
    parser.add_argument('--lpips-lin', default=None,
                        help='local LPIPS v0.1 alex linear layers')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    model = init_model(cfg, args.checkpoint, args.device)
    if args.renderer == 'generator':
        rendering.check_generator_trained(args.checkpoint)
    source, target = rendering.crgan_pair_datasets(cfg)
    renderer = rendering.CRGANPairRenderer(model, source, target,
                                           args.renderer)
    num = args.num if args.num is not None else len(source)
    rendering.render_crgan_folder(renderer, args.out, num, args.batch_size,
                                  args.seed, args.grids)
    result = {}
    if args.metrics:
        result = rendering.crgan_render_metrics(
            renderer, args.num_sources, args.num_guides, args.batch_size,
            args.seed, args.device, args.inception_weights,
            args.lpips_alexnet, args.lpips_lin)
        with open(osp.join(args.out, 'metrics.json'), 'w',
                  encoding='utf-8') as f:
            json.dump(result, f, indent=2)
        print(json.dumps(result, indent=2))
    return result


if __name__ == '__main__':
    run_tool(main)
