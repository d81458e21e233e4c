"""GANImageGridHook: grids of X_S | X'_T | X_C | X_G during training."""
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

from mmreidgen.registry import HOOKS
from mmreidgen.visualization import ReIDVisualizer

image_grid = ReIDVisualizer.image_grid


def test_image_grid_layout():
    rows = dict(a=torch.zeros(2, 3, 4, 2), b=torch.ones(2, 3, 4, 2))
    grid = image_grid(rows, pad=1)
    assert grid.shape == (2 * 5 + 1, 2 * 3 + 1, 3)
    assert (grid[1:5, 1:3] == 0).all()      # pair 0, column a
    assert (grid[6:10, 4:6] == 255).all()   # pair 1, column b
    with pytest.raises(ValueError, match='all batches'):
        image_grid(dict(a=torch.zeros(2, 3, 4, 2), b=torch.zeros(1, 3, 4, 2)))


class _Model(torch.nn.Module):
    def visual_rows(self, data, max_pairs):
        assert not self.training  # rendered in eval mode
        return dict(source=torch.zeros(max_pairs, 3, 8, 4),
                    fake=torch.ones(max_pairs, 3, 8, 4))


def _runner(tmp_path, it, max_iters=10):
    images = []
    vis = SimpleNamespace(add_image=lambda *a, **k: images.append(a))
    return SimpleNamespace(
        model=_Model().train(), work_dir=str(tmp_path), iter=it,
        max_iters=max_iters, visualizer=vis, _images=images)


def test_hook_saves_every_interval(tmp_path):
    hook = HOOKS.build(dict(type='GANImageGridHook', interval=3,
                            max_pairs=2))
    saved = []
    for it in range(10):
        runner = _runner(tmp_path, it)
        hook.after_train_iter(runner, it, data_batch={})
        assert runner.model.training  # restored
        if runner._images:
            saved.append(it + 1)
    assert saved == [3, 6, 9, 10]  # and the last iteration
    img = cv2.imread(osp.join(tmp_path, 'vis', 'iter_3.png'))
    assert img.shape == (2 * 10 + 2, 2 * 6 + 2, 3)
    assert np.all(img[2:10, 2:6] == 0) and np.all(img[2:10, 8:12] == 255)


def test_hook_needs_visual_rows(tmp_path):
    hook = HOOKS.build(dict(type='GANImageGridHook', interval=1))
    runner = _runner(tmp_path, 0)
    runner.model = torch.nn.Linear(1, 1)
    with pytest.raises(TypeError, match='visual_rows'):
        hook.after_train_iter(runner, 0, data_batch={})
    with pytest.raises(ValueError, match='interval'):
        HOOKS.build(dict(type='GANImageGridHook', interval=0))
