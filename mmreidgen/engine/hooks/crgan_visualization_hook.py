"""Save image grids of a GAN's inputs and renderings during training."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmreidgen.registry import HOOKS


def image_grid(rows: Dict[str, torch.Tensor], pad: int = 2) -> np.ndarray:
    """Lay out image batches as columns of one RGB uint8 grid.

    Args:
        rows (dict[str, torch.Tensor]): Name -> ``Nx3xHxW`` in [0, 1]; every
            entry becomes one column (pair ``i`` is grid row ``i``), in the
            dict's order.
        pad (int): White pixels between images. Defaults to 2.

    Returns:
        np.ndarray: ``H'xW'x3`` uint8 RGB image.
    """
    columns = list(rows.values())
    if not columns:
        raise ValueError('image_grid needs at least one image batch.')
    n, _, h, w = columns[0].shape
    for name, col in rows.items():
        if col.shape[0] != n or col.shape[-2:] != (h, w):
            raise ValueError(
                f'all batches must be {n}x3x{h}x{w}; {name!r} is '
                f'{tuple(col.shape)}')
    grid = np.full((n * (h + pad) + pad, len(columns) * (w + pad) + pad, 3),
                   255, np.uint8)
    for c, col in enumerate(columns):
        imgs = (col.detach().float().clamp(0, 1) * 255 + 0.5).byte()
        imgs = imgs.permute(0, 2, 3, 1).cpu().numpy()
        for r in range(n):
            y, x = pad + r * (h + pad), pad + c * (w + pad)
            grid[y:y + h, x:x + w] = imgs[r]
    return grid


@HOOKS.register_module()
class GANImageGridHook(Hook):
    """Every ``interval`` iterations, save a grid of a model's renderings.

    The model must have ``visual_rows(data_batch, max_pairs)`` returning
    name -> ``Nx3xHxW`` images in [0, 1] (for ``CRGAN``: ``X_S | X'_T |
    X_C | X_G``, the columns of supplementary Figures 10-13). The grid of
    the current training batch is written to
    ``<work_dir>/<out_dir>/iter_<n>.png`` and given to the runner's
    visualizer (TensorBoard/W&B when configured).

    Args:
        interval (int): Iterations between grids. Defaults to 500.
        max_pairs (int): Grid rows. Defaults to 8.
        out_dir (str): Folder below the work dir. Defaults to 'vis'.
        columns (Sequence[str], optional): Keep only these entries, in
            this order. Defaults to all.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 500, max_pairs: int = 8,
                 out_dir: str = 'vis',
                 columns: Optional[Sequence[str]] = None) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.interval = interval
        self.max_pairs = max_pairs
        self.out_dir = out_dir
        self.columns = list(columns) if columns else None

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch=None, outputs=None) -> None:
        if not (self.every_n_train_iters(runner, self.interval)
                or self.is_last_train_iter(runner)):
            return
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        if not hasattr(model, 'visual_rows'):
            raise TypeError(
                f'GANImageGridHook needs a model with visual_rows(); '
                f'{type(model).__name__} has none. Remove the hook from '
                'custom_hooks for this model.')
        was_training = model.training
        model.eval()
        try:
            rows = model.visual_rows(data_batch, self.max_pairs)
        finally:
            model.train(was_training)
        if self.columns:
            rows = {k: rows[k] for k in self.columns}
        grid = image_grid(rows)
        folder = osp.join(runner.work_dir, self.out_dir)
        os.makedirs(folder, exist_ok=True)
        path = osp.join(folder, f'iter_{runner.iter + 1}.png')
        cv2.imwrite(path, cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
        runner.visualizer.add_image(
            ' | '.join(rows), grid, step=runner.iter + 1)
