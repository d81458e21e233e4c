"""The synthetic CR-GAN pipeline end to end on a tiny benchmark, its
resumption, tools/test.py's entry point and tools/misc/render.py."""
import copy
import json
import os
import os.path as osp

import cv2
import pytest
import torch
from conftest import REPO
from mmengine.config import Config

from mmreidgen.apis import load_config
from mmreidgen.stages import PipelineRunner

CONFIG = osp.join(REPO, 'configs', 'crgan',
                  'crgan_r18w16_synthmarket2synthduke.py')
TRAIN_STAGES = ('stage1_pretrain', 'stage2_gan', 'stage3_finetune')


def tiny_options(synth_root: str, iters: int = 2) -> dict:
    """--cfg-options that shrink the synthetic config to a few iterations.

    Every schedule is a fraction of its stage's ``max_iters`` (milestones,
    warm-up, the linear decay of stage II, the checkpoint interval), so
    only the lengths are set.
    """
    options = {
        'synth_root': synth_root,
        'num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'test_dataloader.persistent_workers': False,
        'train_dataloader.batch_size': 8,
        'num_source_ids': 8,
        'randomness.seed': 0,
        'default_hooks.logger.interval': 1,
        # A checkpoint every iteration (interval = max_iters / 2).
        'default_hooks.checkpoint.interval_ratio': 1 / iters,
        'default_hooks.checkpoint.save_last': True,
        # Stage II's image grids every iteration.
        'vis_interval': 1,
    }
    for name in TRAIN_STAGES:
        options[f'stages.{name}.cfg.train_cfg.max_iters'] = iters
    return options


def tiny_config(synth_root: str, work_dir: str, iters: int = 2,
                **extra) -> Config:
    options = dict(tiny_options(synth_root, iters), **extra)
    return load_config(CONFIG, options, work_dir=work_dir)


def test_tiny_config_is_what_the_stages_run(synth_root, tmp_path):
    """The overrides reach every stage: data, sizes, schedules, hooks."""
    work_dir = str(tmp_path)
    pipeline = PipelineRunner(tiny_config(synth_root, work_dir))
    for name in pipeline.names:
        cfg = pipeline.stage_config(name)
        for loader in ('train_dataloader', 'test_dataloader'):
            assert cfg[loader].num_workers == 0
            assert cfg[loader].persistent_workers is False
        assert cfg.train_dataloader.batch_size == 8
        roots = [d.data_root for d in cfg.train_dataloader.dataset.datasets]
        assert roots == [osp.join(synth_root, 'synthmarket'),
                         osp.join(synth_root, 'synthduke')]
        assert {d.data_root for d in cfg.test_dataloader.dataset.datasets
                } == {osp.join(synth_root, 'synthduke')}
        assert cfg.model.identity_discriminator.head.num_classes == 8
        assert cfg.randomness.seed == 0
        if name not in TRAIN_STAGES:
            continue
        assert cfg.train_cfg.max_iters == 2
        assert cfg.default_hooks.logger.interval == 1
        assert cfg.default_hooks.checkpoint.interval == 1
        assert cfg.default_hooks.checkpoint.save_last
        sched = cfg.param_scheduler
        lists = sched.values() if isinstance(sched, dict) else [sched]
        for schedulers in lists:
            for s in schedulers:
                if s['type'] == 'MultiStepLR':
                    assert s['milestones'] == [1]
                else:
                    assert 0 <= s['begin'] < s['end'] <= 2, s
        for hook in cfg.get('custom_hooks') or []:
            if hook['type'] == 'GANImageGridHook':
                assert hook['interval'] == 1


@pytest.fixture(scope='module')
def pipeline(synth_root, tmp_path_factory):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    work_dir = str(tmp_path_factory.mktemp('crgan_pipeline'))
    cfg = tiny_config(synth_root, work_dir)
    PipelineRunner(copy.deepcopy(cfg)).train()
    yield cfg, work_dir
    torch.set_num_threads(threads)


def test_all_stages_ran(pipeline):
    _, work_dir = pipeline
    for name in ('stage1_pretrain', 'test_direct_transfer', 'stage2_gan',
                 'stage3_finetune', 'test'):
        assert osp.isfile(osp.join(work_dir, name, 'done')), name
    for name in ('stage1_pretrain', 'stage2_gan', 'stage3_finetune'):
        assert osp.isfile(osp.join(work_dir, name, 'final.pth'))
    for name in ('test_direct_transfer', 'test'):
        with open(osp.join(work_dir, name, 'metrics.json')) as f:
            metrics = json.load(f)
        assert 0 <= metrics['reid/mAP'] <= 100
        assert 'reid/R1' in metrics
    grids = os.listdir(osp.join(work_dir, 'stage2_gan', 'vis'))
    assert grids and cv2.imread(
        osp.join(work_dir, 'stage2_gan', 'vis', grids[0])) is not None


def _state(path):
    return torch.load(path, map_location='cpu', weights_only=False)[
        'state_dict']


def test_stages_hand_weights_on(pipeline):
    _, work_dir = pipeline
    s1 = _state(osp.join(work_dir, 'stage1_pretrain', 'final.pth'))
    s2 = _state(osp.join(work_dir, 'stage2_gan', 'final.pth'))
    s3 = _state(osp.join(work_dir, 'stage3_finetune', 'final.pth'))
    key = 'identity_discriminator.head.classifier.weight'
    g_key = 'generator.identity_pathway.0.weight'
    # Stage II starts from stage I and leaves D_id alone; it trains G.
    assert torch.equal(s1[key], s2[key])
    assert not torch.equal(s1[g_key], s2[g_key])
    # Stage III keeps G frozen and fine-tunes D_id.
    assert torch.equal(s2[g_key], s3[g_key])
    assert not torch.equal(s2[key], s3[key])


def test_rerun_skips_done_stages_and_only_stage(pipeline, synth_root):
    cfg, work_dir = pipeline
    final1 = osp.join(work_dir, 'stage1_pretrain', 'final.pth')
    mtime = os.path.getmtime(final1)
    os.remove(osp.join(work_dir, 'test', 'done'))
    os.remove(osp.join(work_dir, 'test', 'metrics.json'))
    PipelineRunner(copy.deepcopy(cfg)).train()
    assert os.path.getmtime(final1) == mtime  # skipped
    assert osp.isfile(osp.join(work_dir, 'test', 'metrics.json'))
    # --cfg-options only_stage=test_direct_transfer
    only = tiny_config(synth_root, work_dir,
                       only_stage='test_direct_transfer')
    os.remove(osp.join(work_dir, 'test_direct_transfer', 'metrics.json'))
    PipelineRunner(only).train()
    assert osp.isfile(
        osp.join(work_dir, 'test_direct_transfer', 'metrics.json'))
    assert os.path.getmtime(final1) == mtime


def test_tools_test_entry_point(pipeline, synth_root):
    cfg, work_dir = pipeline
    # What tools/test.py CONFIG CHECKPOINT runs for a pipeline config.
    hooks = [dict(type='CheckpointCheckHook', on_load=True)]
    test_cfg = copy.deepcopy(cfg)
    test_cfg.load_from = osp.join(work_dir, 'stage3_finetune', 'final.pth')
    stage_metrics = osp.join(work_dir, 'test', 'metrics.json')
    mtime = os.path.getmtime(stage_metrics)
    metrics = PipelineRunner(test_cfg, extra_hooks=hooks).test()
    with open(stage_metrics) as f:
        expected = json.load(f)
    assert metrics['reid/mAP'] == pytest.approx(expected['reid/mAP'])
    # It writes into <work_dir>/test_tool/, not into a stage's folder.
    assert osp.isdir(osp.join(work_dir, 'test_tool'))
    assert os.path.getmtime(stage_metrics) == mtime
    # LMP at test time: --cfg-options model.test_cfg.lmp=True
    lmp_cfg = tiny_config(synth_root, work_dir,
                          **{'model.test_cfg.lmp': True})
    lmp_cfg.load_from = test_cfg.load_from
    pipeline = PipelineRunner(lmp_cfg, extra_hooks=hooks)
    assert pipeline.stage_config(
        pipeline.test_stage_name()).model.test_cfg.lmp is True
    lmp = pipeline.test()
    assert 0 <= lmp['reid/mAP'] <= 100


def test_render_tool(pipeline, tmp_path):
    from conftest import load_tool
    cfg, work_dir = pipeline
    cfg_path = osp.join(tmp_path, 'cfg.py')
    cfg.dump(cfg_path)
    render = load_tool('tools/misc/render.py')
    out = str(tmp_path / 'rendered')
    metrics = render.main([
        cfg_path, osp.join(work_dir, 'stage2_gan', 'final.pth'), '--out',
        out, '--num', '10', '--batch-size', '4', '--grids', '1',
        '--metrics', '--num-guides', '2', '--num-sources', '4'
    ])
    names = sorted(os.listdir(osp.join(out, 'bounding_box_train')))
    assert len(names) == 10
    pid, cam = names[0].split('_')[:2]
    assert pid.isdigit() and cam.startswith('c')
    img = cv2.imread(osp.join(out, 'bounding_box_train', names[0]))
    assert img.shape == (64, 32, 3)
    assert osp.isfile(osp.join(out, 'grids', 'grid_0.png'))
    assert set(metrics) >= {'dssim/conditional_diversity',
                            'dssim/set_diversity', 'l1/set_diversity',
                            'dssim/source_target_set_diversity'}
    assert {'context_mask/person', 'context_mask/background',
            'person_luminance/rendered', 'person_luminance/source',
            'person_luminance/target'} <= set(metrics)
    assert all(0 <= v <= 1 for v in metrics.values())
    with open(osp.join(out, 'metrics.json')) as f:
        assert json.load(f) == pytest.approx(metrics)
    # The rendered folder reads back as a Market-1501 training set.
    from mmreidgen.datasets import Market1501
    ds = Market1501(data_root=out, subset='train')
    assert len(ds) == 10
