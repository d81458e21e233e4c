"""Every config builds; every single-stage config trains one iteration on
tiny data through mmengine's Runner.

Configs are read with :func:`mmreidgen.apis.load_config` (their ``'${}'``
references and ``*_ratio`` schedules only resolve there). Multi-stage
configs (``runner_type='PipelineRunner'``) build the model of each
training stage here; their one-iteration runs live in the tests of each
method (tests/test_models/test_algorithms/).
"""
import copy
import os.path as osp

import pytest
from conftest import config_files, is_pipeline_config, load_tool
from mmengine.runner import Runner

from mmreidgen.apis import load_config
from mmreidgen.config import is_pipeline
from mmreidgen.registry import MODELS
from mmreidgen.stages import PipelineRunner
from mmreidgen.utils import drop_pretrained

pytestmark = pytest.mark.early(60)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = config_files()
WORK_DIR = '/tmp/unused'
TRAIN_TYPES = ('train', 'TrainStage')


def stage_models(cfg) -> list:
    if not is_pipeline(cfg):
        return [cfg.model]
    pipeline = PipelineRunner(cfg)
    models = []
    for name in pipeline.names:
        stage_cfg = pipeline.stage_config(name)
        if stage_cfg.stage['type'] in TRAIN_TYPES:
            models.append(stage_cfg.model)
    return models


def test_configs_found():
    assert len(CONFIGS) >= 6, CONFIGS


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds(config):
    cfg = load_config(osp.join(REPO, config), work_dir=WORK_DIR)
    for model_cfg in stage_models(cfg):
        model = MODELS.build(drop_pretrained(copy.deepcopy(model_cfg)))
        assert sum(p.numel() for p in model.parameters()) > 0


SINGLE_STAGE = [c for c in CONFIGS if not is_pipeline_config(c)]


def test_single_stage_configs_found():
    assert len(SINGLE_STAGE) >= 6, SINGLE_STAGE


@pytest.mark.parametrize('config', SINGLE_STAGE)
def test_config_trains_one_iteration(config, synth_root, tmp_path):
    cfg = load_config(osp.join(REPO, config), work_dir=str(tmp_path))
    drop_pretrained(cfg._cfg_dict)
    root = osp.join(synth_root, 'synthmarket')
    loader = cfg.train_dataloader
    loader.update(batch_size=4, num_workers=0, persistent_workers=False)
    if loader.sampler.get('type') == 'IdentityBalancedSampler':
        loader.sampler.num_instances = 2
    loader.dataset = dict(
        type='Market1501', data_root=root, subset='train',
        pipeline=loader.dataset.pipeline)
    cfg.model.head.num_classes = 8
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=1, by_epoch=False)
    cfg.experiment_name = osp.basename(config)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    assert osp.isfile(osp.join(str(tmp_path), 'iter_1.pth'))


def dataset_dicts(node):
    """Every dataset config (a dict with a ``data_root``) inside ``node``."""
    if isinstance(node, dict):
        if 'data_root' in node and 'type' in node:
            yield node
        for value in node.values():
            yield from dataset_dicts(value)
    elif isinstance(node, list):
        for value in node:
            yield from dataset_dicts(value)


def resolved_configs(config, cfg_options=None):
    """The config as plain dicts: the top level, and for a pipeline the
    resolved config of every stage (what its runner builds)."""
    path = osp.join(REPO, config)
    cfg = load_config(path, cfg_options, work_dir=WORK_DIR)
    top = cfg.to_dict()
    top.pop('stages', None)
    yield top
    if is_pipeline(cfg):
        pipeline = PipelineRunner(cfg)
        for name in pipeline.names:
            yield pipeline.stage_config(name).to_dict()


@pytest.mark.parametrize('config', CONFIGS)
def test_config_dataset_arguments_are_accepted(config):
    """A misspelt dataset argument fails here, not on the user's data."""
    from mmreidgen.registry import DATASETS
    found = [ds for node in resolved_configs(config)
             for ds in dataset_dicts(node)]
    assert found, config
    for ds in found:
        assert '${' not in repr(ds), ds  # every reference resolved
        ds = dict(copy.deepcopy(ds), lazy_init=True)
        ds.pop('pipeline', None)
        DATASETS.build(ds)  # raises TypeError on an unknown argument


SYNTHETIC = [c for c in CONFIGS
             if '_synth' in c and not c.startswith('configs/pretrain/')]


def synthetic_roots(config, cfg_options=None) -> set:
    """The data roots of every synthetic domain the config reads."""
    from mmreidgen.datasets.synthetic import DOMAINS
    return {
        osp.dirname(ds['data_root'])
        for node in resolved_configs(config, cfg_options)
        for ds in dataset_dicts(node)
        if osp.basename(ds['data_root']) in DOMAINS
    }


@pytest.mark.parametrize('config', SYNTHETIC)
def test_synthetic_config_reads_the_default_benchmark(config):
    """Every synthetic config reads the benchmark that ``make demo`` and
    make_synthetic_reid.py render by default, from one variable that
    moves every dataset of every method."""
    tool = load_tool('tools/dataset_converters/make_synthetic_reid.py')
    assert tool.parse_args([]).out == 'data/synthreid_v2'
    assert synthetic_roots(config) == {'data/synthreid_v2'}, config
    moved = synthetic_roots(config, {'synth_root': '/elsewhere/render'})
    assert moved == {'/elsewhere/render'}, config


def test_missing_synthetic_data_says_how_to_render_it(tmp_path):
    from mmreidgen.registry import DATASETS
    root = tmp_path / 'synthreid_v2' / 'synthduke'
    with pytest.raises(FileNotFoundError) as exc:
        DATASETS.build(dict(type='Market1501', data_root=str(root),
                            subset='train'))
    msg = str(exc.value)
    assert 'make_synthetic_reid.py --out ' + str(root.parent) in msg, msg
    assert 'synth_root=' in msg and '--version' not in msg, msg
    with pytest.raises(FileNotFoundError) as exc:
        DATASETS.build(dict(type='Market1501', subset='train',
                            data_root=str(tmp_path / 'synthreid' /
                                          'synthmarket')))
    assert '--version 1' in str(exc.value)
    with pytest.raises(FileNotFoundError) as exc:
        DATASETS.build(dict(type='Market1501', subset='train',
                            data_root=str(tmp_path / 'market1501')))
    assert 'make_synthetic_reid' not in str(exc.value)


def loaders(node, kind):
    """Every ``LoadReIDImage`` of the ``*{kind}_dataloader`` entries."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.endswith(f'{kind}_dataloader'):
                yield from transforms_named(value, 'LoadReIDImage')
            else:
                yield from loaders(value, kind)
    elif isinstance(node, list):
        for value in node:
            yield from loaders(value, kind)


def transforms_named(node, name):
    if isinstance(node, dict):
        if node.get('type') == name:
            yield node
        for value in node.values():
            yield from transforms_named(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from transforms_named(value, name)


@pytest.mark.parametrize('config', CONFIGS)
def test_skip_bad_images_from_the_command_line(config):
    """``--cfg-options skip_bad_images=True``, as the unreadable-image
    message says, reaches every training pipeline, and no test set."""
    nodes = list(resolved_configs(config, {'skip_bad_images': True}))
    train = [t for node in nodes for t in loaders(node, 'train')]
    test = [t for node in nodes for t in loaders(node, 'test')]
    assert train and test, config
    assert all(t.get('skip_bad_images') is True for t in train), train
    assert not any(t.get('skip_bad_images') for t in test), test
