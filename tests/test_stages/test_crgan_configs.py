"""Every CR-GAN config builds; the full-size model runs each stage once.

Configs are read with :func:`mmreidgen.apis.load_config`; a stage's
settings are checked on the config that stage runs with
(``load_config(path, stage=NAME, work_dir=...)``).
"""
import copy
import glob
import os.path as osp
import time

import pytest
import torch
from conftest import REPO
from mmengine.logging import MessageHub

from mmreidgen.apis import load_config
from mmreidgen.config import stage_names
from mmreidgen.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmreidgen.structures import ReIDDataSample

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'crgan', '*.py')))
STAGE_NAMES = ['stage1_pretrain', 'stage2_gan', 'stage3_finetune']
WORK_DIR = '/tmp/crgan_work_dir'


# One intra-op thread for these small models (conftest.py).
pytestmark = pytest.mark.usefixtures('one_thread')


def fake_batch(cfg, pairs=2):
    h, w = cfg.img_scale
    inputs, samples = [], []
    for i in range(2 * pairs):
        inputs.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8))
        s = ReIDDataSample(metainfo=dict(
            img_path=f'{i}.jpg', domain=('source', 'target')[i % 2],
            camid=i % cfg.num_target_cameras))
        s.gt_label = torch.tensor(i)
        mask = torch.zeros(1, h, w)
        mask[:, h // 8:h - h // 8, w // 4:w - w // 4] = 1
        s.mask = mask
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def load(name):
    return load_config(osp.join(REPO, 'configs', 'crgan', name),
                       work_dir=WORK_DIR)


def stage_cfgs(path):
    """The resolved config of every stage of ``path``, in order."""
    cfg = load_config(path, work_dir=WORK_DIR)
    return {
        name: load_config(path, stage=name, work_dir=WORK_DIR)
        for name in stage_names(cfg)
    }


def test_stage_runs_without_training_keys(monkeypatch, tmp_path):
    """A test stage hands mmengine no half-configured training loop."""
    from mmreidgen.stages import TestStage, train_test_stages
    path = osp.join(REPO, 'configs', 'crgan',
                    'crgan_r18w16_synthmarket2synthduke.py')
    seen = {}

    class FakeRunner:

        def test(self):
            return {'reid/mAP': 1.0}

    def fake_build(cfg):
        seen['cfg'] = cfg
        return FakeRunner()

    monkeypatch.setattr(train_test_stages, 'build_runner', fake_build)
    cfg = load_config(path, stage='test', work_dir=WORK_DIR)
    cfg.pop('stage')
    TestStage(cfg=cfg, work_dir=str(tmp_path), name='test').run()
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler'):
        assert seen['cfg'].get(key) is None, key
    assert osp.isfile(osp.join(str(tmp_path), 'metrics.json'))


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_is_a_crgan_pipeline(path):
    cfg = load_config(path, work_dir=WORK_DIR)
    assert cfg.runner_type == 'PipelineRunner'
    assert cfg.model.type == 'CRGAN'
    stages = stage_cfgs(path)
    names = list(stages)
    assert names[0] == 'stage1_pretrain'
    # The last stage evaluates the test_stage model on every target set.
    assert names[-1] == 'test_targets'
    assert names[-2] in ('test', 'test_direct_transfer')
    for name, stage in stages.items():
        assert stage.work_dir == osp.join(WORK_DIR, name)
        if stage.stage['type'] == 'train':
            assert stage.model['train_stage'] in (
                'pretrain', 'gan', 'finetune')
            loader = stage.train_dataloader
            assert loader['sampler']['type'] == 'TwoDomainSampler'
            pipeline = loader['dataset']['datasets'][0]['pipeline']
            load = dict(pipeline[0])
            assert load.pop('cache_mb') == cfg.image_cache_mb
            assert load == dict(type='LoadReIDImage', with_mask=True,
                                skip_bad_images=False)
            # Random flip is the only augmentation (Supp. 6.1).
            assert [t['type'] for t in pipeline] == [
                'LoadReIDImage', 'ReIDResize', 'ReIDRandomFlip',
                'PackReIDInputs']
        elif stage.stage['type'] == 'test':
            # A test stage evaluates a checkpoint of this pipeline's run;
            # TestStage drops the training keys
            # (test_stage_runs_without_training_keys).
            assert stage.load_from.startswith(WORK_DIR + '/')
            assert stage.load_from.endswith('/final.pth')
        else:
            raise AssertionError(f'{name}: unknown type {stage.stage}')
    weights = {k: cfg.model[k]['loss_weight'] for k in
               ('loss_adv', 'loss_id', 'loss_cam', 'loss_con')
               if cfg.model.get(k)}
    paper = dict(loss_adv=2.0, loss_id=1.0, loss_cam=1.0, loss_con=5.0)
    assert weights == {k: paper[k] for k in weights}


def test_ablations_change_one_thing():
    for pair in ('r50_market2duke', 'r50_duke2market',
                 'r18w16_synthmarket2synthduke'):
        full = load(f'crgan_{pair}.py')
        assert load(f'crgan-wo-dual_{pair}.py').model.generator[
            'dual_condition'] is False
        for loss in ('id', 'cam', 'con'):
            abl = load(f'crgan-wo-{loss}_{pair}.py')
            assert abl.model[f'loss_{loss}'] is None
            assert all(abl.model[f'loss_{other}'] == full.model[
                f'loss_{other}'] for other in ('id', 'cam', 'con')
                if other != loss)
        cut_path = osp.join(REPO, 'configs', 'crgan', f'cutpaste_{pair}.py')
        cut = load(f'cutpaste_{pair}.py')
        assert cut.model.finetune_cfg['renderer'] == 'cut_paste'
        cut_names = stage_names(cut)
        assert 'stage2_gan' not in cut_names
        assert cut_names[2] == 'stage3_finetune'
        assert load_config(
            cut_path, stage=cut_names[2], work_dir=WORK_DIR).load_from == \
            f'{WORK_DIR}/stage1_pretrain/final.pth'
        direct = load(f'direct-transfer_{pair}.py')
        assert stage_names(direct) == [
            'stage1_pretrain', 'test_direct_transfer', 'test_targets']


def _optim(model, stage):
    ow_cfg = copy.deepcopy(stage.optim_wrapper.to_dict())
    ow_cfg.pop('constructor')
    return OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='MultiOptimWrapperConstructor',
             optim_wrapper_cfg=ow_cfg))(model)


@pytest.mark.parametrize('name', [
    'crgan_r50_market2duke.py', 'crgan_r18w16_synthmarket2synthduke.py'])
def test_one_iteration_of_each_stage(name):
    """The paper-size model (ResNet-50 D_id at 224x112, G with the depth
    of that size) and the synthetic one run one iteration of every stage.

    The widths of G, D_d and D_cam are cut to 8 for the full-size config
    (their Table 8-10 widths are checked where they are built, in the
    generator and discriminator tests): at 224x112 the 512-wide
    stride-1 layers of D_d alone cost tens of GFLOPs per image on CPU.
    """
    path = osp.join(REPO, 'configs', 'crgan', name)
    cfg = load_config(path, work_dir=WORK_DIR)
    stages = stage_cfgs(path)
    hub = MessageHub.get_current_instance()
    start = time.time()
    state = None
    for stage_name in STAGE_NAMES:
        stage = stages[stage_name]
        mcfg = copy.deepcopy(stage.model.to_dict())
        # No ImageNet file in tests.
        mcfg['identity_discriminator']['backbone']['init_cfg'] = None
        if tuple(cfg.img_scale) == (224, 112):
            for key in ('generator', 'discriminator',
                        'camera_discriminator'):
                mcfg[key]['base_channels'] = 8
        model = MODELS.build(mcfg)
        if state is not None:  # what load_from does between stages
            model.load_state_dict(state)
        model.train()
        hub.update_info('iter', 0)
        hub.update_info('max_iters', stage.train_cfg['max_iters'])
        logs = model.train_step(fake_batch(cfg), _optim(model, stage))
        assert all(torch.isfinite(v) for v in logs.values()), logs
        state = model.state_dict()
    hub.pop_info('max_iters')
    model.eval()
    data = model.data_preprocessor(fake_batch(cfg), False)
    feats = model(data['inputs'], mode='tensor')
    assert feats.shape[0] == 4 and torch.isfinite(feats).all()
    assert time.time() - start < 120


def test_synthetic_controls():
    src = load('source-finetune_r18w16_synthmarket2synthduke.py')
    assert src.model.finetune_cfg['renderer'] == 'source'
    oracle = load('oracle_r18w16_synthduke.py')
    roots = {d['data_root'] for d in oracle.train_dataloader.dataset.datasets}
    assert roots == {'data/synthreid_v2/synthduke'}
    # The synthetic variant changes sizes only: same losses and stages.
    full, synth = load('crgan_r50_market2duke.py'), load(
        'crgan_r18w16_synthmarket2synthduke.py')
    assert stage_names(full) == stage_names(synth)
    for key in ('loss_adv', 'loss_id', 'loss_cam', 'loss_con', 'gan_cfg',
                'finetune_cfg', 'test_cfg'):
        assert full.model[key] == synth.model[key], key
