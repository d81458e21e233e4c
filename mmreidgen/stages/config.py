"""Load a config and resolve what each of its stages runs.

This module is the one place where a config file becomes the config that
a runner receives. :func:`load_config` (re-exported by
:mod:`mmreidgen.apis`) reads the file, applies ``--cfg-options``, checks
them, and resolves three small conventions that make configs data rather
than programs:

``'${name}'`` references
    A string that is exactly ``'${name}'`` (or ``'${a.b}'``, a dotted path
    into the top level) is replaced by a copy of that top-level value; a
    string that contains ``${name}`` among other text gets the value's text
    (``'${synth_root}/synthmarket'``). References are resolved after every
    ``_base_`` file is merged and every override applied, so a child config
    or a ``--cfg-options img_scale="(64,32)"`` changes every place that
    refers to ``img_scale``, lists included.

Schedules in epochs and fractions
    An ``IterBasedTrainLoop`` ``train_cfg`` may give ``max_epochs`` and
    ``num_images`` (an int, or a list of ints that are added) instead of
    ``max_iters``: ``max_iters = max_epochs * (num_images // batch_size)``
    with the train loader's batch size. The count is recorded as
    ``epoch_images``; training refuses to start when the train set holds
    another number of images. Afterwards, in ``train_cfg``,
    ``param_scheduler``, ``default_hooks`` and ``custom_hooks``, a key that
    ends in ``_ratio`` (``milestones_ratio``, ``end_ratio``,
    ``interval_ratio``, ``ramps_ratio``, ...) is replaced by the key without
    the suffix, each number multiplied by ``max_iters`` and rounded down.
    A linear or polynomial scheduler (``LinearLR``, ...) whose ``begin`` or
    ``end`` comes from a fraction spans at least two iterations when the run
    has them: mmengine's ``LinearLR`` with ``end - begin == 1`` never leaves
    its ``start_factor`` (``end_ratio=1/12`` of a 12-iteration run).
    mmengine's own ``eta_min_ratio`` (of the cosine schedulers: a fraction
    of the learning rate) is left to mmengine.
    A schedule then follows its stage's length when only the length is
    changed. A value set where its fraction is inherited (a child config,
    a stage's ``cfg``, ``--cfg-options``) replaces the fraction, and the
    other way round; both set at one level are refused.

Stages keyed by name
    A pipeline config (``runner_type='PipelineRunner'``) has
    ``stages=dict(name=dict(type=..., cfg=dict(...), **args), ...)``, run
    in the order written (or in ``stage_order``); a stage set to ``None`` is
    left out. A stage runs with the top-level config (without the pipeline
    keys) deep-merged with its ``cfg`` (dicts merge, other values replace),
    then resolved as above; ``'{work_dir}'`` in a stage becomes the
    pipeline's work dir. A child changes one value of one stage by naming
    it: ``stages=dict(stage2_gan=dict(cfg=dict(train_cfg=dict(
    max_iters=800))))``.
"""
import contextlib
import copy
import difflib
import glob
import math
import os.path as osp
import re
import threading
from typing import Any, Dict, Iterable, List, Optional, Sequence

from mmengine.config import Config, ConfigDict

# Where resolve_schedule records the image count that turned epochs into
# iterations; not read by any runner.
EPOCH_IMAGES_KEY = 'epoch_images'
# Keys that steer a pipeline; no stage runs with them.
PIPELINE_KEYS = ('stages', 'stage_order', 'runner_type', 'only_stage',
                 'test_stage', 'restart_from')
# Top-level keys an mmengine Runner (or PipelineRunner) reads. Every other
# top-level key is a variable: it matters only where it is referenced.
RUNNER_KEYS = (
    'model', 'work_dir', 'train_dataloader', 'val_dataloader',
    'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
    'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
    'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
    'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'experiment_name',
    'custom_imports', 'model_wrapper_cfg', 'compile', 'strategy') + \
    PIPELINE_KEYS
_REF = re.compile(r'\$\{([A-Za-z_][\w.]*)\}')
_RATIO_SECTIONS = ('train_cfg', 'param_scheduler', 'default_hooks',
                   'custom_hooks')
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class ConfigError(ValueError):
    """A config or an override that cannot work; the message says why."""


def _to_plain(node: Any) -> Any:
    if isinstance(node, (ConfigDict, dict)):
        return {k: _to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_to_plain(v) for v in node]
    if isinstance(node, tuple):
        return tuple(_to_plain(v) for v in node)
    return node


def _lookup(top: dict, path: str) -> Any:
    node = top
    for part in path.split('.'):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and \
                int(part) < len(node):
            node = node[int(part)]
        else:
            close = difflib.get_close_matches(path, list(top), n=1)
            hint = f" Did you mean '${{{close[0]}}}'?" if close else ''
            raise ConfigError(
                f"'${{{path}}}' refers to '{path}', which the config does "
                f'not define.{hint}')
    return node


def resolve_references(node: Any, top: dict,
                       _active: Optional[tuple] = None) -> Any:
    """Replace every ``'${name}'`` in ``node`` by the top-level value.

    Args:
        node: Any config value.
        top (dict): The top-level config the names refer to.

    Returns:
        A copy of ``node`` without references.
    """
    active = _active or ()
    if isinstance(node, str):
        match = _REF.fullmatch(node)
        if match:
            name = match.group(1)
            if name in active:
                chain = ' -> '.join(active + (name, ))
                raise ConfigError(f'circular config reference: {chain}')
            return resolve_references(
                copy.deepcopy(_lookup(top, name)), top, active + (name, ))
        if '${' not in node:
            return node

        def text(m: 're.Match') -> str:
            value = resolve_references(f'${{{m.group(1)}}}', top, active)
            return str(value)

        return _REF.sub(text, node)
    if isinstance(node, dict):
        return {k: resolve_references(v, top, active) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_references(v, top, active) for v in node]
    if isinstance(node, tuple):
        return tuple(resolve_references(v, top, active) for v in node)
    return node


def substitute_work_dir(node: Any, work_dir: str) -> Any:
    """Replace ``{work_dir}`` in every string of ``node``."""
    if isinstance(node, str):
        return node.replace('{work_dir}', work_dir)
    if isinstance(node, dict):
        return {k: substitute_work_dir(v, work_dir) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(substitute_work_dir(v, work_dir) for v in node)
    return node


def _scale(value: Any, total: int, key: str) -> Any:
    if isinstance(value, bool) or value is None:
        raise ConfigError(f'{key} must hold numbers, got {value!r}')
    if isinstance(value, (int, float)):
        if not 0 <= value <= 1:
            raise ConfigError(
                f'{key}={value} must be a fraction of the run in [0, 1].')
        # Rounded first so that 0.29 * 100 gives 29, not 28; a positive
        # fraction of a very short run is still at least one iteration.
        scaled = int(math.floor(round(value * total, 6)))
        return max(scaled, 1) if value > 0 and total > 0 else scaled
    if isinstance(value, dict):
        return {k: _scale(v, total, key) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scale(v, total, key) for v in value)
    raise ConfigError(f'{key} must hold numbers, got {value!r}')


#: Arguments of mmengine components that end in ``_ratio`` but are not
#: fractions of the run (``eta_min_ratio``: of the learning rate).
_MMENGINE_RATIOS = frozenset({'eta_min_ratio'})


def _is_fraction(key: Any) -> bool:
    """Whether ``key`` (a name, or the last part of a dotted key) is one of
    this module's fractions of ``max_iters``."""
    if not isinstance(key, str):
        return False
    name = key.rpartition('.')[2]
    return name.endswith('_ratio') and name not in _MMENGINE_RATIOS


#: mmengine schedulers that change the value over ``end - begin - 1``
#: steps: with ``end - begin == 1`` they hold the start value for the whole
#: run (a warm-up that never warms), so they need two iterations.
SPAN_SCHEDULERS = frozenset({
    'LinearLR', 'LinearMomentum', 'LinearParamScheduler', 'PolyLR',
    'PolyMomentum', 'PolyParamScheduler'
})


def _keep_span(scheduler: dict, total: int) -> dict:
    """Give a linear or polynomial scheduler whose ``begin``/``end`` came
    from fractions the two iterations it needs, when the run has them."""
    begin, end = scheduler.get('begin', 0), scheduler.get('end')
    if not isinstance(begin, int) or not isinstance(end, int):
        return scheduler
    if end - begin < 2 and begin + 2 <= total:
        scheduler['end'] = begin + 2
    return scheduler


def _apply_ratios(node: Any, total: int, where: str) -> Any:
    if isinstance(node, dict):
        _refuse_value_and_ratio(node, where)
        out = {}
        for key, value in node.items():
            if _is_fraction(key):
                continue
            out[key] = _apply_ratios(value, total, f'{where}.{key}')
        for key, value in node.items():
            if _is_fraction(key):
                out[key[:-len('_ratio')]] = _scale(value, total,
                                                   f'{where}.{key}')
        if out.get('type') in SPAN_SCHEDULERS and (
                'begin_ratio' in node or 'end_ratio' in node):
            out = _keep_span(out, total)
        return out
    if isinstance(node, list):
        return [
            _apply_ratios(v, total, f'{where}.{i}') for i, v in enumerate(node)
        ]
    return node


def resolve_schedule(cfg: dict) -> dict:
    """Turn epochs and ``*_ratio`` keys into iterations, in place.

    Args:
        cfg (dict): A runnable config (references already resolved).

    Returns:
        dict: ``cfg``.
    """
    train_cfg = cfg.get('train_cfg')
    if not isinstance(train_cfg, dict):
        # Nothing trains (a test stage): fractions of a run mean nothing;
        # hooks keep their absolute settings.
        for section in _RATIO_SECTIONS:
            if cfg.get(section) is not None:
                cfg[section] = _drop_ratios(cfg[section])
        return cfg
    if train_cfg.get('max_iters') is not None and \
            'max_epochs' in train_cfg and 'num_images' in train_cfg:
        # An explicit length (e.g. an override) wins over epochs.
        train_cfg.pop('num_images')
        train_cfg.pop('max_epochs')
    if 'max_epochs' in train_cfg and train_cfg.get(
            'type', 'IterBasedTrainLoop') == 'IterBasedTrainLoop' and \
            'num_images' in train_cfg:
        counts = train_cfg.pop('num_images')
        counts = list(counts) if isinstance(counts, (list, tuple)) else [
            counts]
        images = sum(int(n) for n in counts)
        loader = cfg.get('train_dataloader') or {}
        batch = loader.get('batch_size')
        if not batch:
            raise ConfigError(
                'train_cfg gives max_epochs and num_images, which need '
                'train_dataloader.batch_size.')
        epochs = int(train_cfg.pop('max_epochs'))
        train_cfg['max_iters'] = epochs * (int(images) // int(batch))
        # What the schedule assumed, checked against the train set when
        # training starts (mmreidgen.datasets.check.check_epoch_images).
        cfg[EPOCH_IMAGES_KEY] = dict(
            num_images=int(images), counts=[int(n) for n in counts],
            epochs=epochs, batch_size=int(batch))
    elif 'num_images' in train_cfg:
        raise ConfigError(
            'train_cfg.num_images only works with max_epochs in an '
            'IterBasedTrainLoop.')
    total = train_cfg.get('max_iters')
    has_ratio = any(
        _is_fraction(key) for section in _RATIO_SECTIONS
        for key in _known_keys(cfg.get(section)))
    if not has_ratio:
        return cfg
    if not isinstance(total, int):
        raise ConfigError(
            '*_ratio keys are fractions of train_cfg.max_iters, which this '
            'config does not set (an epoch-based loop cannot use them).')
    for section in _RATIO_SECTIONS:
        if cfg.get(section) is not None:
            cfg[section] = _apply_ratios(cfg[section], total, section)
    return cfg


def _refuse_value_and_ratio(node: dict, where: str) -> None:
    """A value and its fraction set at the same level cannot both hold.

    Inheritance and overrides never leave both (:func:`explicit_wins`):
    both are left only when one config, stage or command line sets both.
    """
    for key in node:
        if _is_fraction(key) and key[:-len('_ratio')] in node:
            value = key[:-len('_ratio')]
            raise ConfigError(
                f'{where}.{value}={node[value]!r} and {where}.{key}='
                f'{node[key]!r} are set at the same level: a value and a '
                'fraction of the run cannot both hold. Keep one.')


def explicit_wins(base: dict, override: dict) -> dict:
    """``base`` without the keys that ``override`` sets the other way.

    A value set by the overriding level (``interval``) beats the
    fraction that it inherits (``interval_ratio``), and a fraction beats
    an inherited value, as every other inherited key is replaced.

    Args:
        base (dict): One level of the inherited config.
        override (dict): The same level of the overriding config (a
            child config, a stage's ``cfg`` or ``--cfg-options``).

    Returns:
        dict: ``base``, or a shallow copy of it without the shadowed keys.
    """
    shadowed = []
    for key in override:
        if not isinstance(key, str):
            continue
        if _is_fraction(key):
            other = key[:-len('_ratio')]
        elif _is_fraction(f'{key}_ratio'):
            other = f'{key}_ratio'
        else:
            continue
        if other in base and other not in override:
            shadowed.append(other)
    if not shadowed:
        return base
    out = base.copy()
    for key in shadowed:
        out.pop(key)
    return out


def _drop_ratios(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _drop_ratios(v)
            for k, v in node.items() if not _is_fraction(k)
        }
    if isinstance(node, list):
        return [_drop_ratios(v) for v in node]
    return node


def merge(base: dict, override: dict) -> dict:
    """mmengine's merge rule on plain dicts: dicts merge, the rest replaces.

    ``_delete_=True`` in ``override`` drops the base dict, as in mmengine.
    A value and its fraction follow :func:`explicit_wins`.
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


# ----------------------------------------------------------------------------
# Finding and reading config files


def find_config(path: str) -> str:
    """The config file ``path`` names, or one clear error with the closest.

    A path that does not exist is looked up under the repository's and the
    installed package's ``configs/`` folders.

    Args:
        path (str): A config path, e.g. ``configs/crgan/crgan_r50_...py``.

    Returns:
        str: An existing file.
    """
    if osp.isfile(path):
        return path
    roots = [REPO_ROOT, osp.join(osp.dirname(osp.dirname(
        osp.abspath(__file__))), '.mim')]
    for root in roots:
        for candidate in (osp.join(root, path),
                          osp.join(root, 'configs', path)):
            if osp.isfile(candidate):
                return candidate
    known = []
    for root in roots:
        known += [
            osp.relpath(p, root) for p in glob.glob(
                osp.join(root, 'configs', '**', '*.py'), recursive=True)
            if '_base_' not in p
        ]
    names = {osp.basename(k): k for k in known}
    close = difflib.get_close_matches(osp.basename(path), list(names), n=3,
                                      cutoff=0.5)
    hint = ''
    if close:
        hint = ' Closest configs: ' + ', '.join(names[c] for c in close) + '.'
    raise FileNotFoundError(
        f'Config {path} does not exist.{hint} All configs are under '
        'configs/<method>/.')


def _stage_items(top: dict) -> List[tuple]:
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
    return [name for name, _ in _stage_items(_to_plain(
        cfg._cfg_dict if isinstance(cfg, Config) else cfg))]


def is_pipeline(cfg: Any) -> bool:
    """Whether ``cfg`` is a multi-stage pipeline config."""
    return cfg.get('runner_type') == 'PipelineRunner'


def variables(cfg: Config) -> Dict[str, Any]:
    """Top-level entries that no runner reads (the config's variables)."""
    return {
        k: v
        for k, v in _to_plain(cfg._cfg_dict).items() if k not in RUNNER_KEYS
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
    items = dict(_stage_items(top))
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


# ----------------------------------------------------------------------------
# Overrides


def _known_keys(node: Any, prefix: str = '') -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            path = f'{prefix}.{key}' if prefix else str(key)
            yield path
            yield from _known_keys(value, path)
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield f'{prefix}.{i}'
            yield from _known_keys(value, f'{prefix}.{i}')


# Optional dicts that mmengine components accept although configs rarely
# write them: an override may create them (optim_wrapper.clip_grad.max_norm).
_OPTIONAL_DICTS = ('clip_grad', 'paramwise_cfg', 'init_kwargs')


def check_cfg_options(cfg: Config, options: Dict[str, Any]) -> None:
    """Refuse an override that would not take effect, naming the right key.

    - A key whose parent does not exist (a typo) is refused with the closest
      existing key.
    - A pipeline stage is overridden by its name
      (``stages.stage2_gan.cfg.train_cfg.max_iters``); a key at the top
      level that every stage overrides would have no effect and is refused
      with the stage keys that would.
    - A top-level variable that nothing refers to any more is refused with
      the keys holding its value.

    Args:
        cfg (Config): The loaded config (references not resolved yet).
        options (dict): ``{dotted.key: value}`` from ``--cfg-options``.
    """
    plain = _to_plain(cfg._cfg_dict)
    known = set(_known_keys(plain))
    # ``x`` overrides a fraction ``x_ratio`` (and max_iters overrides
    # max_epochs): both are valid keys.
    known |= {k[:-len('_ratio')] for k in known if _is_fraction(k)}
    known |= {k[:-len('max_epochs')] + 'max_iters' for k in known
              if k.endswith('.max_epochs')}
    refs = {ref.split('.')[0] for ref in _REF.findall(repr(plain))}
    for key in options:
        head = key.split('.')[0]
        parts = key.split('.')
        if is_pipeline(plain) and len(parts) > 3 and parts[0] == 'stages' \
                and parts[2] == 'cfg' and isinstance(
                    (plain.get('stages') or {}).get(parts[1]), dict):
            # A stage's cfg merges over the top level: its keys are the
            # top level's and its own.
            stage_cfg = plain['stages'][parts[1]].get('cfg') or {}
            merged = merge({k: v for k, v in plain.items()
                            if k not in PIPELINE_KEYS}, stage_cfg)
            rest = '.'.join(parts[3:])
            check_cfg_options(Config(merged), {rest: options[key]})
            continue
        _refuse_key_inside_reference(plain, key)
        if key not in known and head not in plain:
            # A key that exists deeper: a stage's, or a loop's.
            deeper = sorted(k for k in known if k.endswith('.' + key))
            if deeper:
                raise ConfigError(
                    f"--cfg-options key '{key}' is not a key of this config; "
                    'the value is set at ' + ', '.join(
                        f"'{k}'" for k in deeper[:6]) +
                    ('' if len(deeper) <= 6 else f' and {len(deeper) - 6} '
                     'more') + '. Override one of those.')
        if key not in known:
            parent, _, leaf = key.rpartition('.')
            parts = key.split('.')
            # The longest existing prefix.
            depth = max((i for i in range(len(parts) + 1)
                         if '.'.join(parts[:i]) in known or i == 0))
            optional = depth < len(parts) and parts[depth] in \
                _OPTIONAL_DICTS and (depth == 0 or isinstance(
                    _lookup_plain(plain, parts[:depth]), (dict, type(None))))
            if parent and parent not in known and not optional:
                close = difflib.get_close_matches(parent, known, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ''
                raise ConfigError(
                    f"--cfg-options key '{key}' does not exist in the "
                    f"config: '{parent}' is not a key.{hint} Run tools/misc/"
                    'print_config.py CONFIG to see every key.')
            siblings = [
                k.rpartition('.')[2] for k in known
                if k.rpartition('.')[0] == parent
            ]
            close = difflib.get_close_matches(leaf, siblings, n=1,
                                              cutoff=0.8)
            if close and not optional:
                raise ConfigError(
                    f"--cfg-options key '{key}' does not exist in the "
                    f"config. Did you mean '{parent + '.' if parent else ''}"
                    f"{close[0]}'? Run tools/misc/print_config.py CONFIG to "
                    'see every key.')
        if is_pipeline(plain) and head in RUNNER_KEYS and \
                head not in PIPELINE_KEYS:
            items = _stage_items(plain)
            shadowing = [
                name for name, stage in items
                if _sets(stage.get('cfg') or {}, key.split('.'))
            ]
            if shadowing and len(shadowing) == len(items):
                raise ConfigError(
                    f"--cfg-options key '{key}' would have no effect: the "
                    f"stages {shadowing} set it themselves. Override "
                    + ', '.join(f"'stages.{n}.cfg.{key}'"
                                for n in shadowing) + ' instead.')
        if head not in RUNNER_KEYS and head not in refs and \
                not _referenced_by_stage_args(plain, head):
            holders = _holders(plain, _lookup_plain(plain, [head]))
            hint = (' It holds the value of ' + ', '.join(
                f"'{h}'" for h in holders[:4]) + '; override that.') \
                if holders else ''
            raise ConfigError(
                f"--cfg-options key '{key}' would have no effect: '{head}' "
                'is a variable that nothing in the config refers to '
                f"(no '${{{head}}}').{hint}")


def _refuse_key_inside_reference(plain: dict, key: str) -> None:
    """A key below a value that is a reference (``val_dataloader =
    '${test_dataloader}'``) cannot be merged into a string: name the key
    that the reference follows."""
    parts = key.split('.')
    for i in range(1, len(parts)):
        value = _lookup_plain(plain, parts[:i])
        if isinstance(value, str) and _REF.fullmatch(value):
            target = _REF.fullmatch(value).group(1)
            inside = '.'.join(parts[:i])
            raise ConfigError(
                f"--cfg-options key '{key}' goes inside '{inside}', which "
                f"is the reference '{value}'. Override "
                f"'{target}.{'.'.join(parts[i:])}' instead: '{inside}' "
                'follows it.')


def _lookup_plain(node: Any, parts: Sequence[str]) -> Any:
    for part in parts:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, (list, tuple)) and part.isdigit():
            node = node[int(part)] if int(part) < len(node) else None
        else:
            return None
    return node


def _sets(stage_cfg: dict, parts: List[str]) -> bool:
    """Whether a stage's cfg sets the value at ``parts`` (or a parent, or
    the value's fraction ``<part>_ratio``)."""
    node = stage_cfg
    for i, part in enumerate(parts):
        if i == len(parts) - 1 and isinstance(node, dict) and \
                _is_fraction(f'{part}_ratio') and f'{part}_ratio' in node:
            return True
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
        if not isinstance(node, dict):
            return True
    return False


def _referenced_by_stage_args(plain: dict, head: str) -> bool:
    return f'${{{head}' in repr(plain.get('stages'))


def _holders(plain: dict, value: Any, prefix: str = '') -> List[str]:
    found = []
    if value is None or isinstance(value, bool):
        return found
    for key, node in (plain.items() if isinstance(plain, dict) else []):
        path = f'{prefix}.{key}' if prefix else str(key)
        if not prefix and key not in RUNNER_KEYS:
            continue
        if node == value:
            found.append(path)
        elif isinstance(node, dict):
            found += _holders(node, value, path)
        elif isinstance(node, (list, tuple)):
            for i, item in enumerate(node):
                if item == value:
                    found.append(f'{path}.{i}')
                elif isinstance(item, dict):
                    found += _holders(item, value, f'{path}.{i}')
    return found


def _drop_shadowed_epochs(cfg: Config, options: Dict[str, Any]) -> None:
    """An override of ``max_iters`` wins over the config's epochs (a value
    over its fraction is :func:`explicit_wins`, in the merge)."""
    for key in options:
        parent, _, leaf = key.rpartition('.')
        node = cfg._cfg_dict
        for part in parent.split('.') if parent else []:
            node = node.get(part) if isinstance(node, dict) else (
                node[int(part)] if isinstance(node, list) and part.isdigit()
                and int(part) < len(node) else None)
            if node is None:
                break
        if isinstance(node, dict) and leaf == 'max_iters':
            node.pop('max_epochs', None)
            node.pop('num_images', None)


def _bases(path: str) -> List[str]:
    """The ``_base_`` files a config file names (absolute paths)."""
    import ast
    try:
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == '_base_'
                for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return []
            names = [value] if isinstance(value, str) else list(value)
            return [
                osp.normpath(osp.join(osp.dirname(path), name))
                for name in names if isinstance(name, str)
            ]
    return []


def base_cycle(path: str) -> Optional[List[str]]:
    """A loop of ``_base_`` files reached from ``path``, or None.

    Returns:
        list[str] | None: The files of the loop, its first file repeated at
        the end (paths relative to the current folder).
    """

    def visit(node: str, trail: List[str]) -> Optional[List[str]]:
        if node in trail:
            return trail[trail.index(node):] + [node]
        for base in _bases(node):
            found = visit(base, trail + [node])
            if found:
                return found
        return None

    found = visit(osp.abspath(path), [])
    return None if found is None else [osp.relpath(p) for p in found]


_MERGE_LOCK = threading.RLock()


@contextlib.contextmanager
def _explicit_values_win():
    """mmengine's merges (``_base_`` files, ``--cfg-options``) with
    :func:`explicit_wins` at every level.

    mmengine merges a child config into its bases, and overrides into the
    config, with ``Config._merge_a_into_b``, level by level through the
    class attribute; the rule has to act there, where it is still known
    which level set a key.
    """
    # One patch at a time: two threads loading configs would otherwise
    # save and restore each other's patch.
    with _MERGE_LOCK:
        original = Config.__dict__['_merge_a_into_b']

        def merge_a_into_b(a, b, allow_list_keys=False):
            if isinstance(a, dict) and isinstance(b, dict):
                b = explicit_wins(b, a)
            return original.__func__(a, b, allow_list_keys)

        Config._merge_a_into_b = staticmethod(merge_a_into_b)
        try:
            yield
        finally:
            Config._merge_a_into_b = original


def load_config(path: str,
                cfg_options: Optional[Dict[str, Any]] = None,
                stage: Optional[str] = None,
                work_dir: Optional[str] = None) -> Config:
    """Read a config, apply and check overrides, resolve it.

    Args:
        path (str): Config file; a missing one fails with the closest names.
        cfg_options (dict, optional): ``{dotted.key: value}`` overrides, as
            ``--cfg-options`` gives them. Defaults to None.
        stage (str, optional): For a pipeline config, return the config this
            stage runs with. Defaults to None: the pipeline itself (its
            top-level references resolved, stages left to resolve when
            they run).
        work_dir (str, optional): Sets ``work_dir``; defaults to the
            config's, else ``work_dirs/<config name>``.

    Returns:
        Config: The resolved config.
    """
    path = find_config(path)
    with _explicit_values_win():
        try:
            cfg = Config.fromfile(path)
        except RecursionError:
            cycle = base_cycle(path)
            if cycle is None:
                raise
            raise ConfigError(
                f'The _base_ files of {path} include each other: '
                f'{" -> ".join(cycle)}. Remove the _base_ entry that closes '
                'the loop.') from None
        if cfg_options:
            check_cfg_options(cfg, cfg_options)
            cfg.merge_from_dict(cfg_options)
            _drop_shadowed_epochs(cfg, cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    top = _to_plain(cfg._cfg_dict)
    if is_pipeline(top):
        _stage_items(top)  # validates the stage layout
        if stage is not None:
            resolved = resolve_stage(top, stage, osp.abspath(top['work_dir']))
        else:
            resolved = {
                k: v
                for k, v in top.items() if k not in ('stages', )
            }
            resolved = resolve_references(resolved, top)
            resolved['stages'] = top['stages']
    else:
        if stage is not None:
            raise ConfigError(
                f'{path} is not a pipeline config (no '
                "runner_type='PipelineRunner'), so it has no stage "
                f'{stage!r}.')
        resolved = resolve_single(top)
    out = Config(resolved, filename=path)
    return out


__all__ = [
    'ConfigError', 'load_config', 'find_config', 'resolve_stage',
    'resolve_single', 'resolve_references', 'resolve_schedule',
    'check_cfg_options', 'stage_names', 'is_pipeline', 'variables', 'merge',
    'explicit_wins',
    'PIPELINE_KEYS', 'RUNNER_KEYS'
]
