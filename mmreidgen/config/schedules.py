"""Schedules in epochs and in fractions of the run.

An ``IterBasedTrainLoop`` ``train_cfg`` may give ``max_epochs`` and
``num_images`` (an int, or a list of ints that are added) instead of
``max_iters``: ``max_iters = max_epochs * (num_images // batch_size)`` with
the train loader's batch size. The count is recorded as ``epoch_images``;
training refuses to start when the train set holds another number of
images.

Afterwards, in the sections of :data:`SCHEDULE_SECTIONS`, each key of
:data:`FRACTIONS` (``milestones_ratio``, ``end_ratio``, ...) is replaced by
the key it names (``milestones``, ``end``, ...), each number multiplied by
``max_iters`` and rounded down. Only these keys are rewritten: any other
argument, mmengine's ``eta_min_ratio`` (a fraction of the learning rate)
included, reaches its component as written. A linear or polynomial
scheduler (``LinearLR``, ...) whose ``begin`` or ``end`` comes from a
fraction spans at least two iterations when the run has them: mmengine's
``LinearLR`` with ``end - begin == 1`` never leaves its ``start_factor``
(``end_ratio=1/12`` of a 12-iteration run).

A schedule then follows its stage's length when only the length is
changed. A value set where its fraction is inherited (a child config, a
stage's ``cfg``, ``--cfg-options``) replaces the fraction, and the other
way round (:func:`explicit_wins`); both set at one level are refused.
"""
import math
from typing import Any

from .errors import ConfigError
from .plain import known_keys

#: Where resolve_schedule records the image count that turned epochs into
#: iterations; not read by any runner.
EPOCH_IMAGES_KEY = 'epoch_images'
#: The sections of a config whose fractions are rewritten.
SCHEDULE_SECTIONS = ('train_cfg', 'param_scheduler', 'default_hooks',
                     'custom_hooks')
#: Each fraction of ``max_iters`` a config may write, and the argument it
#: becomes (of a loop, a scheduler or a hook).
FRACTIONS = {
    'begin_ratio': 'begin',
    'end_ratio': 'end',
    'milestones_ratio': 'milestones',
    'interval_ratio': 'interval',
    'val_interval_ratio': 'val_interval',
    'ramps_ratio': 'ramps',
}
#: The arguments that a fraction sets, and the fraction that sets each.
FRACTION_OF = {value: fraction for fraction, value in FRACTIONS.items()}
#: mmengine schedulers that change the value over ``end - begin - 1``
#: steps: with ``end - begin == 1`` they hold the start value for the whole
#: run (a warm-up that never warms), so they need two iterations.
SPAN_SCHEDULERS = frozenset({
    'LinearLR', 'LinearMomentum', 'LinearParamScheduler', 'PolyLR',
    'PolyMomentum', 'PolyParamScheduler'
})


def is_fraction(key: Any) -> bool:
    """Whether ``key`` (a name, or the last part of a dotted key) is one of
    :data:`FRACTIONS`."""
    if not isinstance(key, str):
        return False
    return key.rpartition('.')[2] in FRACTIONS


def fraction_target(key: str) -> str:
    """The key a fraction sets: ``'a.end_ratio'`` -> ``'a.end'``."""
    parent, dot, name = key.rpartition('.')
    return parent + dot + FRACTIONS[name]


def scale_fraction(value: Any, total: int, key: str) -> Any:
    """``value`` (a number in [0, 1], or a list or dict of them) times
    ``total``, rounded down; ``key`` names it in errors."""
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
        return {k: scale_fraction(v, total, key) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scale_fraction(v, total, key) for v in value)
    raise ConfigError(f'{key} must hold numbers, got {value!r}')


def keep_span(scheduler: dict, total: int) -> dict:
    """Give a linear or polynomial scheduler whose ``begin``/``end`` came
    from fractions the two iterations it needs, when the run has them."""
    begin, end = scheduler.get('begin', 0), scheduler.get('end')
    if not isinstance(begin, int) or not isinstance(end, int):
        return scheduler
    if end - begin < 2 and begin + 2 <= total:
        scheduler['end'] = begin + 2
    return scheduler


def apply_fractions(node: Any, total: int, where: str) -> Any:
    """``node`` with each fraction replaced by its value in iterations."""
    if isinstance(node, dict):
        refuse_value_and_fraction(node, where)
        out = {}
        for key, value in node.items():
            if is_fraction(key):
                continue
            out[key] = apply_fractions(value, total, f'{where}.{key}')
        for key, value in node.items():
            if is_fraction(key):
                out[fraction_target(key)] = scale_fraction(value, total,
                                                     f'{where}.{key}')
        if out.get('type') in SPAN_SCHEDULERS and (
                'begin_ratio' in node or 'end_ratio' in node):
            out = keep_span(out, total)
        return out
    if isinstance(node, list):
        return [
            apply_fractions(v, total, f'{where}.{i}')
            for i, v in enumerate(node)
        ]
    return node


def drop_fractions(node: Any) -> Any:
    """``node`` without its fractions (a config that does not train)."""
    if isinstance(node, dict):
        return {
            k: drop_fractions(v)
            for k, v in node.items() if not is_fraction(k)
        }
    if isinstance(node, list):
        return [drop_fractions(v) for v in node]
    return node


def resolve_schedule(cfg: dict) -> dict:
    """Turn epochs and fractions (:data:`FRACTIONS`) into iterations, in
    place.

    Args:
        cfg (dict): A runnable config (references already resolved).

    Returns:
        dict: ``cfg``.
    """
    train_cfg = cfg.get('train_cfg')
    if not isinstance(train_cfg, dict):
        # Nothing trains (a test stage): fractions of a run mean nothing;
        # hooks keep their absolute settings.
        for section in SCHEDULE_SECTIONS:
            if cfg.get(section) is not None:
                cfg[section] = drop_fractions(cfg[section])
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
    has_fraction = any(
        is_fraction(key) for section in SCHEDULE_SECTIONS
        for key in known_keys(cfg.get(section)))
    if not has_fraction:
        return cfg
    if not isinstance(total, int):
        raise ConfigError(
            'Fractions (' + ', '.join(FRACTIONS) + ') are fractions of '
            'train_cfg.max_iters, which this config does not set (an '
            'epoch-based loop cannot use them).')
    for section in SCHEDULE_SECTIONS:
        if cfg.get(section) is not None:
            cfg[section] = apply_fractions(cfg[section], total, section)
    return cfg


def refuse_value_and_fraction(node: dict, where: str) -> None:
    """A value and its fraction set at the same level cannot both hold.

    Inheritance and overrides never leave both (:func:`explicit_wins`):
    both are left only when one config, stage or command line sets both.
    """
    for key in node:
        if is_fraction(key) and fraction_target(key) in node:
            value = fraction_target(key)
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
        parent, dot, name = key.rpartition('.')
        if name in FRACTIONS:
            other = parent + dot + FRACTIONS[name]
        elif name in FRACTION_OF:
            other = parent + dot + FRACTION_OF[name]
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


def unresolved_fractions(cfg: dict) -> list:
    """The dotted keys of fractions left in ``cfg``'s schedule sections."""
    return [
        key for section in SCHEDULE_SECTIONS
        for key in known_keys(cfg.get(section), section) if is_fraction(key)
    ]


__all__ = [
    'EPOCH_IMAGES_KEY', 'SCHEDULE_SECTIONS', 'FRACTIONS', 'FRACTION_OF',
    'SPAN_SCHEDULERS', 'is_fraction', 'fraction_target', 'scale_fraction',
    'keep_span', 'apply_fractions', 'drop_fractions', 'resolve_schedule',
    'refuse_value_and_fraction', 'explicit_wins', 'unresolved_fractions'
]
