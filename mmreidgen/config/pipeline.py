"""What each stage of a pipeline config runs with.

A pipeline config (``runner_type='PipelineRunner'``) has
``stages=dict(name=dict(type=..., cfg=dict(...), **args), ...)``, run in
the order written (or in ``stage_order``); a stage set to ``None`` is left
out. A stage runs with the top-level config (without the pipeline keys)
deep-merged with its ``cfg`` (dicts merge, other values replace), then its
references (:mod:`.references`) and schedule (:mod:`.schedules`) are
resolved; ``'{work_dir}'`` in a stage becomes the pipeline's work dir. A
child changes one value of one stage by naming it:
``stages=dict(stage2_gan=dict(cfg=dict(train_cfg=dict(max_iters=800))))``.
"""
import copy
import os.path as osp
from typing import Any, Dict, List

from mmengine.config import Config

from .errors import ConfigError
from .plain import to_plain
from .references import (
    resolve_references,
    substitute_work_dir,
    unresolved_references,
)
from .schedules import (
    EPOCH_IMAGES_KEY,
    explicit_wins,
    resolve_schedule,
    unresolved_fractions,
)

#: Keys that steer a pipeline; no stage runs with them.
PIPELINE_KEYS = ('stages', 'stage_order', 'runner_type', 'only_stage',
                 'test_stage', 'restart_from')
#: Top-level keys an mmengine Runner (or PipelineRunner) reads. Every other
#: top-level key is a variable: it matters only where it is referenced.
RUNNER_KEYS = (
    'model', 'work_dir', 'train_dataloader', 'val_dataloader',
    'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
    'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
    'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
    'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'experiment_name',
    'custom_imports', 'model_wrapper_cfg', 'compile', 'strategy') + \
    PIPELINE_KEYS


def merge(base: dict, override: dict) -> dict:
    """mmengine's merge rule on plain dicts: dicts merge, the rest replaces.

    ``_delete_=True`` in ``override`` drops the base dict, as in mmengine.
    A value and its fraction follow :func:`~.schedules.explicit_wins`.
    """
    out = copy.deepcopy(explicit_wins(base, override))
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and \
                not value.get('_delete_', False):
            out[key] = merge(out[key], value)
        elif isinstance(value, dict):
            out[key] = {
                k: copy.deepcopy(v)
                for k, v in value.items() if k != '_delete_'
            }
        else:
            out[key] = copy.deepcopy(value)
    return out


def stage_items(top: dict) -> List[tuple]:
    """``(name, stage)`` of each stage a pipeline runs, in order; the
    layout of ``stages`` and ``stage_order`` is checked."""
    stages = top.get('stages')
    if stages is None:
        return []
    if isinstance(stages, (list, tuple)):
        raise ConfigError(
            '`stages` must be a dict keyed by stage name, e.g. '
            "stages=dict(stage1=dict(type='train', cfg=dict(...))); a list "
            'cannot be overridden by name.')
    order = top.get('stage_order') or list(stages)
    unknown = [n for n in order if n not in stages]
    if unknown:
        raise ConfigError(
            f'stage_order names {unknown}, which are not in stages '
            f'({list(stages)}).')
    missing = [n for n in stages if n not in order and stages[n] is not None]
    if missing:
        raise ConfigError(
            f'stage_order leaves out the stages {missing}; list every stage '
            'or set the ones to drop to None.')
    return [(name, stages[name]) for name in order
            if stages[name] is not None]


def stage_names(cfg: Any) -> List[str]:
    """Names of the stages a pipeline config runs, in order."""
    return [name for name, _ in stage_items(to_plain(
        cfg._cfg_dict if isinstance(cfg, Config) else cfg))]


def is_pipeline(cfg: Any) -> bool:
    """Whether ``cfg`` is a multi-stage pipeline config."""
    return cfg.get('runner_type') == 'PipelineRunner'


def variables(cfg: Config) -> Dict[str, Any]:
    """Top-level entries that no runner reads (the config's variables)."""
    return {
        k: v
        for k, v in to_plain(cfg._cfg_dict).items() if k not in RUNNER_KEYS
    }


def resolve_stage(top: dict, name: str, work_dir: str) -> dict:
    """The config stage ``name`` of a pipeline runs with, fully resolved.

    Args:
        top (dict): The pipeline's top-level config (plain dict).
        name (str): A stage name.
        work_dir (str): The pipeline's work dir.

    Returns:
        dict: The stage's runnable config; its ``work_dir`` is
        ``<work_dir>/<name>`` and ``stage`` holds the stage's type and
        arguments (resolved too).
    """
    items = dict(stage_items(top))
    if name not in items:
        raise ConfigError(
            f'{name!r} is not a stage of this pipeline; its stages are '
            f'{list(items)}.')
    stage = items[name]
    if not isinstance(stage, dict):
        raise ConfigError(
            f'stage {name!r} must be a dict(type=..., cfg=...), got '
            f'{stage!r}')
    base = {k: v for k, v in top.items() if k not in PIPELINE_KEYS}
    cfg = merge(base, stage.get('cfg') or {})
    cfg = resolve_references(cfg, top)
    cfg = substitute_work_dir(cfg, work_dir)
    resolve_schedule(cfg)
    args = {k: v for k, v in stage.items() if k != 'cfg'}
    args = substitute_work_dir(resolve_references(args, top), work_dir)
    args.setdefault('type', 'train')
    cfg['stage'] = dict(name=name, **args)
    cfg['work_dir'] = osp.join(work_dir, name)
    # Runtime keys only: the variables of the top level stay behind.
    return {
        k: v
        for k, v in cfg.items()
        if k in RUNNER_KEYS or k in ('stage', EPOCH_IMAGES_KEY)
    }


def resolve_single(top: dict) -> dict:
    """The runnable config of a single-stage config (references resolved)."""
    cfg = resolve_references(top, top)
    if cfg.get('work_dir'):
        cfg = substitute_work_dir(cfg, cfg['work_dir'])
    resolve_schedule(cfg)
    return cfg


def check_resolved(cfg: Any, runner: str = 'the runner') -> None:
    """Refuse a config that still holds the dialect: a ``'${'`` string or
    a fraction of the run (:data:`~.schedules.FRACTIONS`).

    Runners call this with the config they are given; a pipeline's
    ``stages`` are left out (each stage is resolved when it runs).

    Args:
        cfg (Config | dict): The config a runner was handed.
        runner (str): Who was handed it, for the message. Defaults to
            'the runner'.
    """
    plain = to_plain(cfg._cfg_dict if isinstance(cfg, Config) else cfg)
    if is_pipeline(plain):
        plain = {k: v for k, v in plain.items() if k not in PIPELINE_KEYS}
        fractions = []  # resolved per stage, with the stage's length
    else:
        fractions = unresolved_fractions(plain)
    left = list(unresolved_references(plain))
    if left:
        key, value = left[0]
        more = f' (and {len(left) - 1} more)' if len(left) > 1 else ''
        raise ConfigError(
            f"{runner} was given '{key}' = {value!r}{more}, an unresolved "
            'reference. Load the config with mmreidgen.apis.load_config '
            '(tools/train.py and tools/test.py do), which resolves '
            "'${...}' references, instead of mmengine's Config.fromfile.")
    if fractions:
        raise ConfigError(
            f"{runner} was given '{fractions[0]}', a fraction of the run "
            'that is not turned into iterations. Load the config with '
            'mmreidgen.apis.load_config (tools/train.py and tools/test.py '
            "do) instead of mmengine's Config.fromfile.")


__all__ = [
    'PIPELINE_KEYS', 'RUNNER_KEYS', 'merge', 'stage_items', 'stage_names',
    'is_pipeline', 'variables', 'resolve_stage', 'resolve_single',
    'check_resolved'
]
