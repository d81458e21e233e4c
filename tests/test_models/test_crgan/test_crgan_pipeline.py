"""The synthetic CR-GAN pipeline end to end on a tiny benchmark, its
resumption, tools/test.py's entry point and tools/misc/render.py."""
import copy
import json
import os
import os.path as osp

import cv2
import pytest
import torch
from mmengine.config import Config

from mmreidgen.registry import RUNNERS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'crgan',
                  'crgan_r18w16_synthmarket2synthduke.py')


def tiny_config(synth_root: str, work_dir: str, iters: int = 2) -> Config:
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = work_dir
    for ds, name in zip(cfg.train_dataloader.dataset.datasets,
                        ('synthmarket', 'synthduke')):
        ds.data_root = osp.join(synth_root, name)
    for ds in cfg.test_dataloader.dataset.datasets:
        ds.data_root = osp.join(synth_root, 'synthduke')
    for loader in (cfg.train_dataloader, cfg.test_dataloader):
        loader.num_workers = 0
        loader.persistent_workers = False
    cfg.train_dataloader.batch_size = 8
    cfg.model.identity_discriminator.head.num_classes = 8
    cfg.randomness = dict(seed=0)
    for stage in cfg.stages:
        if stage['type'] != 'train':
            continue
        c = stage['cfg']
        c['train_cfg']['max_iters'] = iters
        c['default_hooks'] = dict(
            logger=dict(type='LoggerHook', interval=1),
            checkpoint=dict(type='CheckpointHook', interval=1,
                            by_epoch=False, save_last=True))
        sched = c['param_scheduler']
        lists = sched.values() if isinstance(sched, dict) else [sched]
        for schedulers in lists:
            for s in schedulers:
                if s['type'] == 'MultiStepLR':
                    s['milestones'] = [iters - 1]
                elif s.get('begin', 0) > 0 or s.get('end', 1) <= 1:
                    s['begin'], s['end'] = iters // 2, iters
                else:
                    s['end'] = iters
        for hook in c.get('custom_hooks', []):
            hook['interval'] = 1
    return cfg


@pytest.fixture(scope='module')
def pipeline(synth_root, tmp_path_factory):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    work_dir = str(tmp_path_factory.mktemp('crgan_pipeline'))
    cfg = tiny_config(synth_root, work_dir)
    RUNNERS.build(copy.deepcopy(cfg)).train()
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


def test_rerun_skips_done_stages_and_only_stage(pipeline):
    cfg, work_dir = pipeline
    final1 = osp.join(work_dir, 'stage1_pretrain', 'final.pth')
    mtime = os.path.getmtime(final1)
    os.remove(osp.join(work_dir, 'test', 'done'))
    os.remove(osp.join(work_dir, 'test', 'metrics.json'))
    RUNNERS.build(copy.deepcopy(cfg)).train()
    assert os.path.getmtime(final1) == mtime  # skipped
    assert osp.isfile(osp.join(work_dir, 'test', 'metrics.json'))
    only = copy.deepcopy(cfg)
    only.only_stage = 'test_direct_transfer'
    os.remove(osp.join(work_dir, 'test_direct_transfer', 'metrics.json'))
    RUNNERS.build(only).train()
    assert osp.isfile(
        osp.join(work_dir, 'test_direct_transfer', 'metrics.json'))
    assert os.path.getmtime(final1) == mtime


def test_tools_test_entry_point(pipeline):
    cfg, work_dir = pipeline
    test_cfg = copy.deepcopy(cfg)
    test_cfg.load_from = osp.join(work_dir, 'stage3_finetune', 'final.pth')
    metrics = RUNNERS.build(test_cfg).test()
    with open(osp.join(work_dir, 'test', 'metrics.json')) as f:
        expected = json.load(f)
    assert metrics['reid/mAP'] == pytest.approx(expected['reid/mAP'])
    # LMP at test time.
    test_cfg.model.test_cfg.lmp = True
    lmp = RUNNERS.build(test_cfg).test()
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
