"""The config dialect: how a config file becomes what a runner receives.

mmengine reads a config and its ``_base_`` chain; this package adds three
conventions that keep configs data rather than programs, and
:func:`load_config`, which resolves them (``apis.load_config`` is this
function). It depends on mmengine only, so loading a config imports no
model, dataset or stage.

- :mod:`.references`: ``'${name}'`` references to top-level values and
  ``'{work_dir}'``;
- :mod:`.schedules`: schedules in epochs and in fractions of the run (the
  explicit list :data:`FRACTIONS`);
- :mod:`.pipeline`: what each stage of a pipeline config runs with, and
  :func:`check_resolved`, which every runner calls so that an unresolved
  ``'${...}'`` or fraction never reaches a component;
- :mod:`.overrides`: ``--cfg-options`` that would not take effect are
  refused with the key that would;
- :mod:`.loader`: :func:`find_config` (a checkout's or the installed
  package's ``configs/``) and :func:`load_config`.
"""
from .errors import ConfigError
from .loader import base_cycle, config_roots, find_config, load_config
from .overrides import check_cfg_options
from .pipeline import (
    PIPELINE_KEYS,
    RUNNER_KEYS,
    check_resolved,
    is_pipeline,
    merge,
    resolve_single,
    resolve_stage,
    stage_names,
    variables,
)
from .plain import to_plain
from .references import resolve_references, substitute_work_dir
from .schedules import (
    EPOCH_IMAGES_KEY,
    FRACTIONS,
    explicit_wins,
    resolve_schedule,
)

__all__ = [
    'ConfigError', 'load_config', 'find_config', 'config_roots',
    'base_cycle', 'resolve_stage', 'resolve_single', 'resolve_references',
    'substitute_work_dir', 'resolve_schedule', 'check_cfg_options',
    'check_resolved', 'stage_names', 'is_pipeline', 'variables', 'merge',
    'explicit_wins', 'to_plain', 'PIPELINE_KEYS', 'RUNNER_KEYS',
    'EPOCH_IMAGES_KEY', 'FRACTIONS'
]
