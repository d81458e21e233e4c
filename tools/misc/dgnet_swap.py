"""Swap appearance and structure codes with a trained DG-Net (Figs. 1, 5).

Writes one PNG: a grid whose row i is generated with the appearance code
of image i and whose column j with the structure code of image j (the
real images are on the top row and the left column, the diagonal is the
self-reconstruction), followed by appearance-code interpolation rows
``G((1 - t) a_k + t a_k+1, s_k)`` for t from 0 to 1 (Fig. 5).

Images are the first query image of ``--num`` different identities of the
config's test set (or ``--images`` files), resized by the test pipeline.

Examples::

    python tools/misc/dgnet_swap.py configs/dgnet/dgnet_r50_market.py \\
        work_dirs/dgnet_r50_market/dgnet/final.pth --out swap.png
    python tools/misc/dgnet_swap.py CONFIG CKPT --out swap.png \\
        --images a.jpg b.jpg c.jpg --interp-steps 8 --scale 2
"""
import argparse
import os
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose

from mmreidgen.apis import (
    dgnet_interpolate,
    dgnet_swap,
    init_model,
    load_config,
)
from mmreidgen.apis.cli import run_tool, tool_parser
from mmreidgen.registry import DATASETS
from mmreidgen.utils import register_all_modules


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = tool_parser(
        'Swap DG-Net appearance/structure codes into a grid.',
        checkpoint='DG-Net checkpoint',
        device=True)
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument('--num', type=int, default=6,
                        help='test identities in the grid (default 6)')
    parser.add_argument('--images', nargs='+', default=None,
                        help='image files instead of test identities')
    parser.add_argument('--skip', type=int, default=0,
                        help='skip the first identities of the test set')
    parser.add_argument('--interp-steps', type=int, default=6,
                        help='images per interpolation row (0: none)')
    parser.add_argument('--scale', type=int, default=1,
                        help='integer up-scaling of the PNG (nearest)')
    return parser.parse_args(argv)


def test_pipeline(cfg: Config) -> List[dict]:
    dataset = cfg.test_dataloader.dataset
    if dataset.get('type') == 'ConcatDataset':
        dataset = dataset.datasets[0]
    return dataset.pipeline


def load_images(cfg: Config,
                paths: Optional[Sequence[str]] = None,
                num: int = 6,
                skip: int = 0) -> List[dict]:
    """Packed test-pipeline results of the chosen images."""
    pipeline = Compose(test_pipeline(cfg))
    if paths:
        return [pipeline(dict(img_path=p)) for p in paths]
    dataset_cfg = cfg.test_dataloader.dataset
    query = dataset_cfg.datasets[0] if dataset_cfg.get(
        'type') == 'ConcatDataset' else dataset_cfg
    dataset = DATASETS.build(query)
    chosen, seen = [], set()
    for idx in range(len(dataset)):
        pid = dataset.get_data_info(idx)['pid']
        if pid in seen:
            continue
        seen.add(pid)
        if len(seen) > skip:
            chosen.append(dataset[idx])
        if len(chosen) == num:
            break
    return chosen


def compose(grid: np.ndarray, interp: np.ndarray, gap: int = 4) -> np.ndarray:
    """Stack the grid and the interpolation rows, centred, on white."""
    width = max(grid.shape[1], interp.shape[1])
    parts = [grid] if not len(interp) else [grid, None, interp]
    out = []
    for part in parts:
        if part is None:
            out.append(np.full((gap, width, 3), 255, np.uint8))
            continue
        pad = width - part.shape[1]
        out.append(
            np.pad(part, ((0, 0), (pad // 2, pad - pad // 2), (0, 0)),
                   constant_values=255))
    return np.concatenate(out, 0)


def main(argv: Optional[Sequence[str]] = None) -> str:
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    if cfg.model.get('type') != 'DGNet':
        raise ValueError(
            f"{args.config}'s model is {cfg.model.get('type')}, not DGNet; "
            'pass a configs/dgnet/ config.')
    model = init_model(cfg, args.checkpoint, args.device)
    packed = load_images(cfg, args.images, args.num, args.skip)
    if len(packed) < 2:
        raise ValueError(
            f'need at least 2 images, got {len(packed)}; pass --images or '
            'a larger --num.')
    data = model.data_preprocessor(
        dict(inputs=[p['inputs'] for p in packed],
             data_samples=[p['data_samples'] for p in packed]), False)
    images = data['inputs']
    canvas = compose(
        dgnet_swap(model, images),
        dgnet_interpolate(model, images, args.interp_steps)
        if args.interp_steps > 0 else np.zeros((0, 1, 3), np.uint8))
    if args.scale > 1:
        canvas = np.repeat(np.repeat(canvas, args.scale, 0), args.scale, 1)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR),
                [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f'wrote {args.out} ({canvas.shape[1]}x{canvas.shape[0]})')
    return args.out


if __name__ == '__main__':
    run_tool(main)
