"""The two generic stages: train a config, evaluate a config."""
import glob
import json
import os.path as osp
from typing import Any, Dict, Optional

from mmengine.logging import print_log

from mmreidgen.datasets.check import check_epoch_images
from mmreidgen.engine.checkpoint import find_resumable_checkpoint
from mmreidgen.registry import STAGES
from mmreidgen.utils.config_check import check_optimizer_types

from .base_stage import (
    BaseStage,
    atomic_copy,
    without_training,
)


def build_runner(cfg):
    """The mmengine runner of a resolved config (quiet console)."""
    from mmreidgen.engine.runner import ReIDRunner
    return ReIDRunner.from_cfg(cfg)


def train_in_dir(cfg, work_dir: str) -> str:
    """Train ``cfg`` in ``work_dir``; resume from its own checkpoints only.

    A schedule computed from another number of training images than the
    train set holds is refused first (:func:`check_epoch_images`).

    The newest complete checkpoint of ``work_dir`` is resumed (an empty or
    truncated ``last_checkpoint`` is skipped); with none, training starts
    fresh from the config's ``load_from``. The last checkpoint is then
    copied to ``<work_dir>/final.pth``, and the best checkpoint that a
    ``CheckpointHook(save_best=...)`` kept (by validation) to
    ``<work_dir>/best.pth``.

    Returns:
        str: The path of ``final.pth``.
    """
    cfg.work_dir = work_dir
    check_epoch_images(cfg, work_dir)
    check_optimizer_types(cfg)
    resumable = find_resumable_checkpoint(work_dir)
    if resumable is not None:
        print_log(f'{work_dir}: resuming from {resumable}.',
                  logger='current')
        cfg.resume = True
        cfg.load_from = resumable
    else:
        cfg.resume = False
    runner = build_runner(cfg)
    runner.train()
    last = find_resumable_checkpoint(work_dir)
    if last is None:
        raise RuntimeError(
            f'{work_dir}: training finished without a checkpoint; keep the '
            'CheckpointHook in default_hooks.')
    final = osp.join(work_dir, 'final.pth')
    atomic_copy(last, final)
    keep_best_checkpoint(work_dir)
    return final


def keep_best_checkpoint(work_dir: str) -> Optional[str]:
    """Copy the checkpoint ``CheckpointHook(save_best=...)`` kept to
    ``<work_dir>/best.pth``, the name later stages load.

    The hook keeps one ``best_<metric>_iter_<n>.pth`` (the newest if
    several are left); a training without validation has none.

    Returns:
        str | None: The path of ``best.pth``, or None without a best
        checkpoint.
    """
    best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')),
                  key=osp.getmtime)
    if not best:
        return None
    path = osp.join(work_dir, 'best.pth')
    atomic_copy(best[-1], path)
    return path


@STAGES.register_module('train')
@STAGES.register_module()
class TrainStage(BaseStage):
    """Train the stage's config with an mmengine runner.

    The stage resumes from its own newest complete checkpoint; a stage that
    has not started starts fresh from its ``load_from`` (an earlier stage's
    ``final.pth``). Output: the runner's files and ``final.pth``.
    """

    def run(self) -> Dict[str, Any]:
        final = train_in_dir(self.cfg, self.work_dir)
        return dict(final=final)


@STAGES.register_module('test')
@STAGES.register_module()
class TestStage(BaseStage):
    """Evaluate the stage's config (its ``load_from``) on its test set.

    Output: ``metrics.json``.
    """

    def run(self) -> Dict[str, Any]:
        cfg = without_training(self.cfg)
        cfg.resume = False
        metrics = build_runner(cfg).test()
        out = {k: float(v) for k, v in metrics.items()}
        with open(osp.join(self.work_dir, 'metrics.json'), 'w') as f:
            json.dump(out, f, indent=2)
        return dict(metrics=out)
