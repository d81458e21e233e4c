"""Swap appearance and structure between two images with DG-Net.

DG-Net encodes an image into an appearance code ``a`` and a structure code
``s`` and decodes any pair. For images A and B the PNG (``--out``) is the
3 x 3 grid::

    .        A         B          <- structure from this column's image
    A   G(a_A, s_A)  G(a_A, s_B)
    B   G(a_B, s_A)  G(a_B, s_B)  <- appearance from this row's image

The diagonal is the reconstruction of each image, the other cells are the
swaps. Images are resized by the config's test pipeline.

Example::

    python demo/dgnet_swap_demo.py a.jpg b.jpg \\
        configs/dgnet/dgnet_r50_market.py \\
        work_dirs/dgnet_r50_market/dgnet/final.pth --out swap.png
"""
import argparse
import os
import os.path as osp
from typing import Optional, Sequence

import cv2
import numpy as np
from mmengine.dataset import Compose, pseudo_collate

from mmreidgen.apis import dgnet_swap, init_model, load_config
from mmreidgen.apis.cli import add_cfg_options, add_device_argument, run_tool
from mmreidgen.apis.feature_extraction import test_pipeline_of
from mmreidgen.utils import register_all_modules


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Swap DG-Net appearance and structure of two images.')
    parser.add_argument('image_a', help='first image')
    parser.add_argument('image_b', help='second image')
    parser.add_argument('config', help='DG-Net config file')
    parser.add_argument('checkpoint', help='DG-Net checkpoint')
    parser.add_argument('--out', default='dgnet_swap_demo.png',
                        help='output PNG (default dgnet_swap_demo.png)')
    parser.add_argument('--scale', type=int, default=2,
                        help='integer up-scaling of the PNG (default 2)')
    add_device_argument(parser)
    add_cfg_options(parser)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> str:
    args = parse_args(argv)
    register_all_modules()
    paths = [args.image_a, args.image_b]
    for path in paths:
        if not osp.isfile(path):
            raise FileNotFoundError(f'Image {path} does not exist.')
    cfg = load_config(args.config, args.cfg_options)
    if cfg.model.get('type') != 'DGNet':
        raise ValueError(
            f"{args.config}'s model is {cfg.model.get('type')}, not DGNet; "
            'pass a configs/dgnet/ config.')
    pipeline = Compose(test_pipeline_of(cfg))
    items = [pipeline(dict(img_path=path)) for path in paths]
    model = init_model(cfg, args.checkpoint, args.device)
    images = model.data_preprocessor(pseudo_collate(items), False)['inputs']
    grid = dgnet_swap(model, images)
    if args.scale > 1:
        grid = np.repeat(np.repeat(grid, args.scale, 0), args.scale, 1)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
    print(f'wrote {args.out}: rows take the appearance, columns the '
          'structure of A and B')
    return args.out


if __name__ == '__main__':
    run_tool(main)
