"""The config dialect fails loudly wherever it is not resolved, rewrites
only the fractions it lists, and loads without the higher layers."""
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from mmreidgen.config import (
    FRACTIONS,
    ConfigError,
    check_resolved,
    explicit_wins,
    load_config,
    resolve_schedule,
)
from mmreidgen.engine.runner import ReIDRunner
from mmreidgen.stages import PipelineRunner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASELINE = osp.join(REPO, 'configs', 'baseline',
                    'baseline_r18w16_synthmarket.py')
CRGAN = osp.join(REPO, 'configs', 'crgan',
                 'crgan_r18w16_synthmarket2synthduke.py')


def test_a_runner_refuses_an_unresolved_reference(tmp_path):
    """mmengine's Config.fromfile leaves '${num_classes}' in the config:
    the runner stops before building anything, naming the key."""
    cfg = Config.fromfile(BASELINE)
    cfg.work_dir = str(tmp_path)
    with pytest.raises(ConfigError) as err:
        ReIDRunner.from_cfg(cfg)
    message = str(err.value)
    assert message.startswith("ReIDRunner was given '")
    key = message.split("'")[1]
    value = cfg
    for part in key.split('.'):
        value = value[int(part)] if part.isdigit() else value[part]
    assert isinstance(value, str) and value.startswith('${'), (key, value)
    assert 'mmreidgen.apis.load_config' in message
    assert not any(tmp_path.iterdir())


def test_a_pipeline_runner_refuses_an_unresolved_reference(tmp_path):
    cfg = load_config(CRGAN, work_dir=str(tmp_path))
    cfg.test_dataloader = dict(batch_size='${test_batch_size}')
    with pytest.raises(ConfigError, match=r"PipelineRunner was given "
                       r"'test_dataloader.batch_size' = '\$\{"):
        PipelineRunner(cfg)
    # Its stages keep their references until each stage is resolved.
    PipelineRunner(load_config(CRGAN, work_dir=str(tmp_path)))


def test_a_fraction_left_in_a_runnable_config_is_refused():
    cfg = dict(train_cfg=dict(max_iters=10),
               param_scheduler=[dict(type='MultiStepLR',
                                     milestones_ratio=[0.5])])
    with pytest.raises(ConfigError, match=r"ReIDRunner was given "
                       r"'param_scheduler.0.milestones_ratio', a fraction"):
        check_resolved(cfg, 'ReIDRunner')
    check_resolved(resolve_schedule(cfg))
    assert cfg['param_scheduler'][0] == dict(type='MultiStepLR',
                                             milestones=[5])


def test_only_the_listed_fractions_are_rewritten():
    """Another argument that ends in _ratio (a future mmengine one, or
    eta_min_ratio) reaches its component as written."""
    scheduler = dict(type='SomeLR', warmup_ratio=0.25, eta_min_ratio=0.1,
                     end_ratio=0.5, begin_ratio=0.1)
    cfg = resolve_schedule(dict(train_cfg=dict(max_iters=100),
                                param_scheduler=[scheduler]))
    assert cfg['param_scheduler'] == [dict(
        type='SomeLR', warmup_ratio=0.25, eta_min_ratio=0.1, end=50,
        begin=10)]
    assert set(FRACTIONS) == {'begin_ratio', 'end_ratio', 'milestones_ratio',
                              'interval_ratio', 'val_interval_ratio',
                              'ramps_ratio'}
    for fraction, value in FRACTIONS.items():
        assert fraction == value + '_ratio'
    # The explicit-value rule follows the same list.
    assert explicit_wins(dict(warmup_ratio=0.5, end_ratio=0.5),
                         dict(warmup=3, end=7)) == dict(warmup_ratio=0.5)


def test_loading_a_config_imports_no_model_dataset_or_stage():
    code = ('import sys\n'
            'from mmreidgen.apis import load_config\n'
            f'load_config({BASELINE!r})\n'
            'print(sorted(m for m in sys.modules '
            "if m.startswith('mmreidgen.')))\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True, cwd=REPO).stdout
    loaded = eval(out.strip().splitlines()[-1])
    assert 'mmreidgen.config' in loaded
    for layer in ('models', 'datasets', 'stages'):
        assert not [m for m in loaded
                    if m.startswith(f'mmreidgen.{layer}')], layer
