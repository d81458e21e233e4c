"""Run the stages of a multi-stage method in order, in one work dir."""
import copy
import json
import os
import os.path as osp
import shutil
import time
from typing import Any, Dict, List, Optional

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmreidgen.registry import RUNNERS
from mmreidgen.utils.config_check import cap_num_workers

from ..checkpoint import find_resumable_checkpoint

_PIPELINE_KEYS = ('stages', 'runner_type', 'only_stage', 'test_stage')


def _substitute(node: Any, mapping: Dict[str, str]) -> Any:
    """Replace ``{work_dir}``-style placeholders in every string."""
    if isinstance(node, str):
        for key, value in mapping.items():
            node = node.replace('{' + key + '}', value)
        return node
    if isinstance(node, dict):
        return {k: _substitute(v, mapping) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(_substitute(v, mapping) for v in node)
    return node


def atomic_copy(src: str, dst: str) -> None:
    """Copy ``src`` to ``dst`` so that ``dst`` is never half-written."""
    tmp = f'{dst}.tmp-{os.getpid()}'
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def without_training(cfg: Config) -> Config:
    """Drop the training keys: mmengine wants all or none of them."""
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler'):
        cfg[key] = None
    return cfg


@RUNNERS.register_module()
class PipelineRunner:
    """Run ``cfg.stages`` in order; each stage in ``<work_dir>/<name>``.

    A stage is ``dict(name=..., type=..., cfg=dict(...), **kwargs)``:

    - ``type='train'``: an mmengine ``Runner`` trains with the top-level
      config deep-merged with ``cfg`` (mmengine merge rules: dicts merge,
      lists are replaced). The last checkpoint is then copied to
      ``<work_dir>/<name>/final.pth``.
    - ``type='test'``: the merged config is evaluated (``load_from`` in
      ``cfg``); metrics go to ``<work_dir>/<name>/metrics.json``.
    - any other type: a step class registered in ``RUNNERS``, built as
      ``Step(cfg=merged_cfg, work_dir=stage_dir, **kwargs)`` and ``run()``.

    ``{work_dir}`` in a stage is replaced by the pipeline's work dir, so a
    stage can load an earlier stage's ``final.pth``. A finished stage
    leaves a ``done`` marker and is skipped next time; an interrupted
    'train' stage resumes from its latest checkpoint. ``only_stage=NAME``
    runs that stage alone (even when done).

    Args:
        cfg (Config): The whole config, with ``stages`` and ``work_dir``.
    """

    def __init__(self, cfg: Config) -> None:
        if not cfg.get('stages'):
            raise KeyError(
                "runner_type='PipelineRunner' needs a non-empty `stages` "
                'list in the config.')
        self.cfg = cfg
        self.work_dir = osp.abspath(cfg.work_dir)
        self.stages: List[dict] = [dict(s) for s in cfg.stages]
        names = [s.get('name') for s in self.stages]
        if None in names or len(set(names)) != len(names):
            raise ValueError(
                f'every stage needs a unique `name`; got {names}')
        self.only_stage: Optional[str] = cfg.get('only_stage')
        if self.only_stage is not None and self.only_stage not in names:
            raise KeyError(
                f'only_stage={self.only_stage!r} is not a stage; choose '
                f'one of {names}')

    @classmethod
    def from_cfg(cls, cfg: Config) -> 'PipelineRunner':
        return cls(cfg)

    def stage_dir(self, name: str) -> str:
        return osp.join(self.work_dir, name)

    def stage_config(self, stage: dict) -> Config:
        """The top-level config merged with the stage's ``cfg``."""
        base = {
            k: copy.deepcopy(v)
            for k, v in self.cfg.to_dict().items() if k not in _PIPELINE_KEYS
        }
        cfg = Config(base)
        overrides = _substitute(
            copy.deepcopy(stage.get('cfg', {})), {'work_dir': self.work_dir})
        cfg.merge_from_dict(overrides)
        cap_num_workers(cfg)
        cfg.work_dir = self.stage_dir(stage['name'])
        cfg.experiment_name = f"{stage['name']}_{time.strftime('%H%M%S')}"
        return cfg

    def train(self) -> None:
        for stage in self.stages:
            name = stage['name']
            if self.only_stage is not None and name != self.only_stage:
                continue
            marker = osp.join(self.stage_dir(name), 'done')
            if osp.exists(marker) and self.only_stage is None:
                print_log(f'Stage {name}: done before, skipped ({marker}).',
                          logger='current')
                continue
            print_log(f'Stage {name} ({stage.get("type")}) starts.',
                      logger='current')
            self.run_stage(stage)
            with open(marker, 'w', encoding='utf-8') as f:
                f.write(time.strftime('%Y-%m-%d %H:%M:%S\n'))

    def run_stage(self, stage: dict) -> Optional[dict]:
        stage_type = stage.get('type', 'train')
        cfg = self.stage_config(stage)
        os.makedirs(cfg.work_dir, exist_ok=True)
        if stage_type == 'train':
            resumable = find_resumable_checkpoint(cfg.work_dir)
            if resumable is not None:
                cfg.resume = True
                cfg.load_from = resumable
            runner = Runner.from_cfg(cfg)
            runner.train()
            last = find_resumable_checkpoint(cfg.work_dir)
            if last is None:
                raise RuntimeError(
                    f"stage {stage['name']!r} finished without a checkpoint "
                    f'in {cfg.work_dir}; keep the CheckpointHook in '
                    'default_hooks.')
            atomic_copy(last, osp.join(cfg.work_dir, 'final.pth'))
            return None
        if stage_type == 'test':
            metrics = Runner.from_cfg(without_training(cfg)).test()
            out = {k: float(v) for k, v in metrics.items()}
            with open(osp.join(cfg.work_dir, 'metrics.json'), 'w') as f:
                json.dump(out, f, indent=2)
            return out
        kwargs = _substitute(
            {k: v for k, v in stage.items()
             if k not in ('name', 'type', 'cfg')},
            {'work_dir': self.work_dir})
        step_cls = RUNNERS.get(stage_type)
        if step_cls is None:
            raise KeyError(
                f"stage {stage['name']!r} has type {stage_type!r}, which is "
                "neither 'train', 'test' nor a step registered in "
                'mmreidgen.registry.RUNNERS.')
        step_cls(cfg=cfg, work_dir=cfg.work_dir, **kwargs).run()
        return None

    def test(self) -> dict:
        """Evaluate with the config of ``test_stage`` (default: last train
        stage) and the ``load_from`` set by ``tools/test.py``."""
        name = self.cfg.get('test_stage') or [
            s['name'] for s in self.stages if s.get('type', 'train') ==
            'train'
        ][-1]
        stage = next(s for s in self.stages if s['name'] == name)
        cfg = self.stage_config(stage)
        cfg.load_from = self.cfg.get('load_from')
        cfg.work_dir = osp.join(self.work_dir, 'test')
        return Runner.from_cfg(without_training(cfg)).test()
