"""Save image grids of a GAN's inputs and renderings during training."""
import os
import os.path as osp
from typing import Optional, Sequence

import cv2
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmreidgen.registry import HOOKS
from mmreidgen.visualization import ReIDVisualizer


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
        grid = ReIDVisualizer.image_grid(rows)
        folder = osp.join(runner.work_dir, self.out_dir)
        os.makedirs(folder, exist_ok=True)
        path = osp.join(folder, f'iter_{runner.iter + 1}.png')
        cv2.imwrite(path, cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
        runner.visualizer.add_image(
            ' | '.join(rows), grid, step=runner.iter + 1)
