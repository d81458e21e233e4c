"""What every pipeline stage shares: its folder, config and outputs."""
import json
import os
import shutil
from typing import Any, Dict, Optional

from mmengine.config import Config


def atomic_copy(src: str, dst: str) -> None:
    """Copy ``src`` to ``dst`` so that ``dst`` is never half-written."""
    tmp = f'{dst}.tmp-{os.getpid()}'
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def write_json(obj: Any, path: str) -> None:
    """Write ``obj`` as JSON through a temporary file (never half-written)."""
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=2, sort_keys=True, default=str)
    os.replace(tmp, path)


def read_json(path: str) -> Optional[Any]:
    """The JSON in ``path``; None if it is missing or unreadable."""
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def without_training(cfg: Config) -> Config:
    """Drop the training keys: mmengine wants all or none of them."""
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler'):
        cfg[key] = None
    return cfg


def without_evaluation(cfg: Config) -> Config:
    """Drop the validation and test keys (a stage that only trains)."""
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg[key] = None
    return cfg


class BaseStage:
    """One stage of a pipeline: ``run()`` writes into ``work_dir``.

    A stage is built by :class:`PipelineRunner` as ``Stage(cfg=...,
    work_dir=..., name=..., **args)`` from a config's
    ``stages=dict(name=dict(type=..., cfg=dict(...), **args))``; ``cfg``
    is the stage's resolved config (see :mod:`mmreidgen.config`).
    Subclasses write ``run``.

    Args:
        cfg (Config): The resolved config of the stage.
        work_dir (str): The stage's folder.
        name (str): The stage name.
    """

    def __init__(self, cfg: Config, work_dir: str, name: str) -> None:
        self.cfg = cfg
        self.work_dir = work_dir
        self.name = name

    def run(self) -> Dict[str, Any]:
        """Do the stage's work; return what to record in its marker."""
        raise NotImplementedError
