"""Every SLSR config parses into a runnable pipeline."""
import glob
import inspect
import os.path as osp

import pytest

from mmreidgen.apis import load_config
from mmreidgen.config import stage_names
from mmreidgen.registry import MODELS, STAGES

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'slsr', '*.py')))
WORK_DIR = '/tmp/slsr_work_dir'


def load(name, stage=None):
    return load_config(osp.join(REPO, 'configs', 'slsr', name), stage=stage,
                       work_dir=WORK_DIR)


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
    cfg = load_config(path, work_dir=WORK_DIR)
    assert cfg.runner_type == 'PipelineRunner'
    finetune = None
    for name in stage_names(cfg):
        stage = load_config(path, stage=name, work_dir=WORK_DIR).stage
        step = STAGES.get(stage['type'])
        assert step is not None, stage['type']
        if stage['type'] in ('train', 'test'):
            continue
        # Every argument the config gives is one the stage takes, and the
        # stage gets every argument it needs.
        params = inspect.signature(step.__init__).parameters
        given = set(stage) - {'name', 'type'}
        assert given <= set(params), (stage, list(params))
        required = {
            k for k, p in params.items()
            if p.default is inspect.Parameter.empty and k not in (
                'self', 'cfg', 'work_dir', 'name')
        }
        assert required <= given, (name, required - given)
        if stage['type'] in ('SLSRFinetuneStage', 'SLSRFinetuneStep'):
            finetune = stage
    expected = dict(lsro='LSROLoss', slsr='SLSRLoss')
    assert finetune['loss_cls']['type'] == expected[osp.basename(path)[:4]]


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
        cfg = load(name)
        assert cfg.model.head.num_classes == num, name
        for stage in ('stage1_baseline', 'stage5_finetune'):
            assert load(name, stage).model.head.num_classes == num, (
                name, stage)


def test_synthetic_dcgan_builds_and_matches_its_images():
    name = 'slsr_r18w16_synthmarket.py'
    gan_stage = load(name, 'stage3_gan')
    generate = load(name, 'stage4_generate').stage
    # The GAN the stage trains is the one the generation stage samples.
    assert gan_stage.model == generate['gan_model']
    gan = MODELS.build(gan_stage.model)
    assert gan.generator(2).shape[-2:] == (64, 32)
    resize = [t for t in gan_stage.train_dataloader.dataset.pipeline
              if t.type == 'ReIDResize']
    assert tuple(resize[0].scale) == gan.discriminator.input_size
    full = load('slsr_r50_market.py', 'stage4_generate').stage
    assert full['gan_model']['generator']['output_size'] == 128
    assert full['num_generated'] == 12000
