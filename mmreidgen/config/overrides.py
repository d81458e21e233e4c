"""Checks that an override (``--cfg-options``) takes effect.

An override either changes what runs or is refused with the key that
would: a typo gets the closest existing key, a top-level key that every
stage sets itself gets the stage keys, a variable that nothing refers to
gets the keys that hold its value.
"""
import difflib
from typing import Any, Dict, List

from mmengine.config import Config

from .errors import ConfigError
from .pipeline import (
    PIPELINE_KEYS,
    RUNNER_KEYS,
    is_pipeline,
    merge,
    stage_items,
)
from .plain import known_keys, lookup_plain, to_plain
from .references import REFERENCE
from .schedules import FRACTION_OF, fraction_target, is_fraction

# Optional dicts that mmengine components accept although configs rarely
# write them: an override may create them (optim_wrapper.clip_grad.max_norm).
OPTIONAL_DICTS = ('clip_grad', 'paramwise_cfg', 'init_kwargs')


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
    plain = to_plain(cfg._cfg_dict)
    known = set(known_keys(plain))
    # A value overrides its fraction (``end`` for ``end_ratio``), and
    # max_iters overrides max_epochs: both are valid keys.
    known |= {fraction_target(k) for k in known if is_fraction(k)}
    known |= {k[:-len('max_epochs')] + 'max_iters' for k in known
              if k.endswith('.max_epochs')}
    refs = {ref.split('.')[0] for ref in REFERENCE.findall(repr(plain))}
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
        refuse_key_inside_reference(plain, key)
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
                OPTIONAL_DICTS and (depth == 0 or isinstance(
                    lookup_plain(plain, parts[:depth]), (dict, type(None))))
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
            items = stage_items(plain)
            shadowing = [
                name for name, stage in items
                if stage_sets(stage.get('cfg') or {}, key.split('.'))
            ]
            if shadowing and len(shadowing) == len(items):
                raise ConfigError(
                    f"--cfg-options key '{key}' would have no effect: the "
                    f"stages {shadowing} set it themselves. Override "
                    + ', '.join(f"'stages.{n}.cfg.{key}'"
                                for n in shadowing) + ' instead.')
        if head not in RUNNER_KEYS and head not in refs and \
                f'${{{head}' not in repr(plain.get('stages')):
            holders = value_holders(plain, lookup_plain(plain, [head]))
            hint = (' It holds the value of ' + ', '.join(
                f"'{h}'" for h in holders[:4]) + '; override that.') \
                if holders else ''
            raise ConfigError(
                f"--cfg-options key '{key}' would have no effect: '{head}' "
                'is a variable that nothing in the config refers to '
                f"(no '${{{head}}}').{hint}")


def refuse_key_inside_reference(plain: dict, key: str) -> None:
    """A key below a value that is a reference (``val_dataloader =
    '${test_dataloader}'``) cannot be merged into a string: name the key
    that the reference follows."""
    parts = key.split('.')
    for i in range(1, len(parts)):
        value = lookup_plain(plain, parts[:i])
        if isinstance(value, str) and REFERENCE.fullmatch(value):
            target = REFERENCE.fullmatch(value).group(1)
            inside = '.'.join(parts[:i])
            raise ConfigError(
                f"--cfg-options key '{key}' goes inside '{inside}', which "
                f"is the reference '{value}'. Override "
                f"'{target}.{'.'.join(parts[i:])}' instead: '{inside}' "
                'follows it.')


def stage_sets(stage_cfg: dict, parts: List[str]) -> bool:
    """Whether a stage's cfg sets the value at ``parts`` (or a parent, or
    the fraction that sets the value)."""
    node = stage_cfg
    for i, part in enumerate(parts):
        if i == len(parts) - 1 and isinstance(node, dict) and \
                FRACTION_OF.get(part) in node:
            return True
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
        if not isinstance(node, dict):
            return True
    return False


def value_holders(plain: dict, value: Any, prefix: str = '') -> List[str]:
    """The dotted runner keys of ``plain`` whose value is ``value``."""
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
            found += value_holders(node, value, path)
        elif isinstance(node, (list, tuple)):
            for i, item in enumerate(node):
                if item == value:
                    found.append(f'{path}.{i}')
                elif isinstance(item, dict):
                    found += value_holders(item, value, f'{path}.{i}')
    return found


def drop_shadowed_epochs(cfg: Config, options: Dict[str, Any]) -> None:
    """An override of ``max_iters`` wins over the config's epochs (a value
    over its fraction is :func:`~.schedules.explicit_wins`, in the
    merge)."""
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


__all__ = [
    'OPTIONAL_DICTS', 'check_cfg_options', 'refuse_key_inside_reference',
    'stage_sets', 'value_holders', 'drop_shadowed_epochs'
]
