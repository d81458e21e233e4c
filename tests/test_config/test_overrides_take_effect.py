"""An override takes effect or is refused (docs/en/config_guide.md), for
every number of every stage of one config of each method: from the
command line and from a child config alike."""
import os.path as osp
import re

import pytest
from conftest import REPO
from mmengine.config import Config

from mmreidgen.apis import load_config
from mmreidgen.config import (
    FRACTIONS,
    PIPELINE_KEYS,
    RUNNER_KEYS,
    ConfigError,
    is_pipeline,
    merge,
    stage_names,
)

CONFIGS = [
    'configs/baseline/baseline_r18w16_synthmarket.py',
    'configs/crgan/crgan_r18w16_synthmarket2synthduke.py',
    'configs/dgnet/dgnet_r18w16_synthmarket.py',
    'configs/slsr/slsr_r18w16_synthmarket.py',
]
WORK_DIR = '/tmp/unused'


def int_leaves(node, prefix=()):
    """``(path, value)`` of every int reached through dicts only (a child
    config replaces a list whole)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, bool):
                continue
            if isinstance(value, int):
                yield prefix + (key, ), value
            else:
                yield from int_leaves(value, prefix + (key, ))


def lookup(node, path):
    for part in path:
        node = node[part]
    return node


def cases():
    for config in CONFIGS:
        cfg = load_config(osp.join(REPO, config), work_dir=WORK_DIR)
        if is_pipeline(cfg):
            for name in stage_names(cfg):
                yield config, name
        else:
            yield config, None


def resolved(config, stage, options=None):
    return load_config(osp.join(REPO, config), options, stage=stage,
                       work_dir=WORK_DIR).to_dict()


def targets(config, stage):
    """Every int of the stage's config, with a new value."""
    plain = resolved(config, stage)
    return {
        path: value + 7
        for path, value in int_leaves(plain)
        if path[0] not in ('stage', 'work_dir', 'randomness')
    }


@pytest.mark.parametrize('config,stage', list(cases()))
def test_command_line_overrides_take_effect_or_are_refused(config, stage):
    prefix = f'stages.{stage}.cfg.' if stage else ''
    wanted = targets(config, stage)
    options = {prefix + '.'.join(map(str, p)): v for p, v in wanted.items()}
    refused = []
    while True:
        try:
            plain = resolved(config, stage, options)
            break
        except ConfigError as e:
            # A stage's key is checked, and named, without its prefix.
            named = [k for k in options
                     if f"'{k[len(prefix):]}'" in str(e)]
            assert named, str(e)
            refused.append(named[0])
            del options[named[0]]
    ignored = {
        key: (lookup(plain, path), value)
        for path, value in wanted.items()
        for key in [prefix + '.'.join(map(str, path))]
        if key in options and lookup(plain, path) != value
    }
    assert not ignored, f'accepted but not applied: {ignored}'
    assert options, refused  # some keys are the stage's own


def nested(paths_values):
    out = {}
    for path, value in paths_values.items():
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return out


def child_targets(config, stage):
    """Every int a child config can set (through dicts, not through a
    reference such as ``model='${pretrain_model}'``), and every value
    given as a fraction (``interval`` for ``interval_ratio``), with a new
    value; for a stage, the keys its runner reads."""
    raw = Config.fromfile(osp.join(REPO, config)).to_dict()
    if stage:
        raw = merge({k: v for k, v in raw.items() if k in RUNNER_KEYS and
                     k not in PIPELINE_KEYS},
                    raw['stages'][stage].get('cfg') or {})
    plain = resolved(config, stage)
    wanted = {}
    for path, value in int_leaves(raw):
        if path[0] not in ('work_dir', 'randomness') and \
                path[-1] not in ('max_epochs', 'num_images'):
            wanted[path] = value + 7
    for path in fraction_leaves(raw):
        try:
            wanted[path] = lookup(plain, path) + 7
        except KeyError:  # a stage that does not train drops fractions
            wanted[path] = 7
    return wanted


def fraction_leaves(node, prefix=()):
    """The path of the value of every fraction (:data:`FRACTIONS`)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in FRACTIONS and isinstance(value, (int, float)):
                yield prefix + (FRACTIONS[key], )
            else:
                yield from fraction_leaves(value, prefix + (key, ))


@pytest.mark.parametrize('config,stage', list(cases()))
def test_child_config_values_take_effect(config, stage, tmp_path):
    wanted = child_targets(config, stage)
    assert wanted
    body = nested(wanted)
    if stage:
        body = dict(stages={stage: dict(cfg=body)})
    child = tmp_path / 'child.py'
    child.write_text(
        f'_base_ = [{osp.join(REPO, config)!r}]\n' +
        ''.join(f'{k} = {v!r}\n' for k, v in body.items()))
    plain = load_config(str(child), stage=stage,
                        work_dir=WORK_DIR).to_dict()
    ignored = {
        '.'.join(map(str, path)): (lookup(plain, path), value)
        for path, value in wanted.items() if lookup(plain, path) != value
    }
    assert not ignored, f'set but not applied: {ignored}'


def test_inherited_fraction_and_explicit_value(tmp_path):
    """The case of the bug report: a child of the small baseline sets
    ``interval``, which beats the inherited ``interval_ratio``; the
    pair set at one level is refused."""
    base = osp.join(REPO, CONFIGS[0])
    child = tmp_path / 'child.py'
    child.write_text(f'_base_ = [{base!r}]\n'
                     'default_hooks = dict(checkpoint=dict(interval=5))\n')
    assert load_config(str(child)).default_hooks.checkpoint.interval == 5
    child.write_text(f'_base_ = [{base!r}]\n'
                     'default_hooks = dict(checkpoint=dict(interval=5, '
                     'interval_ratio=0.5))\n')
    with pytest.raises(ConfigError, match=re.escape(
            'default_hooks.checkpoint.interval=5 and default_hooks.'
            'checkpoint.interval_ratio=0.5 are set at the same level')):
        load_config(str(child))
    with pytest.raises(ConfigError, match='same level'):
        load_config(base, {'default_hooks.checkpoint.interval': 5,
                           'default_hooks.checkpoint.interval_ratio': 0.5})
    crgan = osp.join(REPO, CONFIGS[1])
    key = 'stages.stage2_gan.cfg.default_hooks.checkpoint.interval'
    cfg = load_config(crgan, {key: 20}, stage='stage2_gan')
    assert cfg.default_hooks.checkpoint.interval == 20
