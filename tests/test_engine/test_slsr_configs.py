"""Every SLSR config parses into a runnable pipeline."""
import glob
import inspect
import os.path as osp

import pytest
from mmengine.config import Config

from mmreidgen.registry import MODELS, RUNNERS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'slsr', '*.py')))


def test_all_method_configs_are_there():
    names = {osp.basename(c) for c in CONFIGS}
    assert {
        'slsr_r50_market.py', 'slsr_densenet121_market.py',
        'slsr_r50_duke.py', 'slsr_r50_cuhk03.py', 'slsr_r50_viper.py',
        'lsro_r50_market.py', 'slsr_r18w16_synthmarket.py',
        'lsro_r18w16_synthmarket.py'
    } <= names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_stages_are_runnable(path):
    cfg = Config.fromfile(path)
    assert cfg.runner_type == 'PipelineRunner'
    for stage in cfg.stages:
        if stage['type'] in ('train', 'test'):
            continue
        step = RUNNERS.get(stage['type'])
        assert step is not None, stage['type']
        params = inspect.signature(step.__init__).parameters
        extra = set(stage) - {'name', 'type', 'cfg'}
        assert extra <= set(params), (stage, list(params))
    expected = dict(lsro='LSROLoss', slsr='SLSRLoss')
    assert cfg.slsr.loss_cls.type == expected[osp.basename(path)[:4]]


def test_dataset_variants_set_their_classes():
    classes = {
        'slsr_r50_market.py': 751,
        'slsr_densenet121_market.py': 751,
        'slsr_r50_duke.py': 702,
        'slsr_r50_cuhk03.py': 1367,
        'slsr_r50_viper.py': 316,
        'slsr_r18w16_synthmarket.py': 100,
    }
    for name, num in classes.items():
        cfg = Config.fromfile(osp.join(REPO, 'configs', 'slsr', name))
        assert cfg.model.head.num_classes == num, name


def test_synthetic_dcgan_builds_and_matches_its_images():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'slsr', 'slsr_r18w16_synthmarket.py'))
    gan = MODELS.build(cfg.slsr.gan.model)
    assert gan.generator(2).shape[-2:] == (64, 32)
    resize = [t for t in cfg.slsr.gan.pipeline if t.type == 'ReIDResize']
    assert tuple(resize[0].scale) == gan.discriminator.input_size
    full = Config.fromfile(
        osp.join(REPO, 'configs', 'slsr', 'slsr_r50_market.py'))
    assert full.slsr.gan.model.generator.output_size == 128
    assert full.slsr.num_generated == 12000
