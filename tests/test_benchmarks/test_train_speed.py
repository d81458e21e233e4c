"""mmreidgen.benchmarks.train_speed: the plain loops and their timing."""
import copy
import os.path as osp
import random

import pytest
import torch
from mmengine.config import Config

from mmreidgen.apis import load_config
from mmreidgen.benchmarks import train_speed
from mmreidgen.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_fake_batch():
    batch = train_speed.fake_batch(6, 16, 8, 2, 'domains')
    assert len(batch['inputs']) == 6
    assert batch['inputs'][0].shape == (3, 16, 8)
    assert batch['inputs'][0].dtype == torch.uint8
    samples = batch['data_samples']
    assert [s.domain for s in samples] == ['source', 'target'] * 3
    assert [int(s.gt_label) for s in samples] == [0, 0, 1, 1, 0, 0]
    assert [s.camid for s in samples] == [0, 1, 2, 3, 0, 1]
    assert samples[0].mask.shape == (1, 16, 8)
    assert samples[0].mask[0, 0, 0] == 0 and samples[0].mask[0, 8, 4] == 1
    plain = train_speed.fake_batch(6, 16, 8, 2, 'plain')
    assert 'domain' not in plain['data_samples'][0]
    assert torch.equal(plain['inputs'][5], batch['inputs'][5])


def test_interleaved_times_order_and_counts():
    calls = []
    paths = dict(a=lambda: calls.append('a'), b=lambda: calls.append('b'))
    times = train_speed.interleaved_times(paths, iters=2, repeats=3,
                                          warmup=1)
    assert calls == ['a', 'b'] + ['a', 'a', 'b', 'b'] * 3
    assert set(times) == {'a', 'b'} and len(times['a']) == 3
    assert all(t >= 0 for t in times['a'] + times['b'])


def test_total_loss_and_without_pretrained():
    losses = dict(loss_a=torch.tensor(1.0), acc=torch.tensor(5.0),
                  b_loss=torch.tensor(2.0))
    assert float(train_speed.total_loss(losses)) == 3.0
    cfg = Config(dict(model=dict(
        type='DGNet', teacher_ckpt='t.pth',
        backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='x')))))
    train_speed.without_pretrained(cfg)
    assert cfg.model.teacher_ckpt is None
    assert cfg.model.backbone.init_cfg is None


def test_every_trained_model_has_a_plain_loop():
    assert set(train_speed.PLAIN_STEPS) == {
        'baseline', 'crgan_stage1', 'crgan_stage2', 'crgan_stage3', 'dgnet',
        'dgnet_refcode', 'slsr_dcgan'}
    for _, _, _, _, key in train_speed.BENCHMARK_MODELS.values():
        assert key in train_speed.PLAIN_STEPS


# Each plain loop with a small config of its model: (config, stage,
# fake-batch pairing).
PLAIN_CONFIGS = {
    'baseline': ('baseline/baseline_r18w16_synthmarket.py', None, 'plain'),
    'crgan_stage1': ('crgan/crgan_r18w16_synthmarket2synthduke.py',
                     'stage1_pretrain', 'domains'),
    'crgan_stage2': ('crgan/crgan_r18w16_synthmarket2synthduke.py',
                     'stage2_gan', 'domains'),
    'crgan_stage3': ('crgan/crgan_r18w16_synthmarket2synthduke.py',
                     'stage3_finetune', 'domains'),
    'dgnet': ('dgnet/dgnet_r18w16_synthmarket.py', 'dgnet', 'positives'),
    'dgnet_refcode': ('dgnet/dgnet-refcode_r18w16_synthmarket.py', 'dgnet',
                      'positives'),
    'slsr_dcgan': ('slsr/slsr_r18w16_synthmarket.py', 'stage3_gan', 'plain'),
}


def test_every_plain_loop_is_tested():
    assert set(PLAIN_CONFIGS) == set(train_speed.PLAIN_STEPS)


@pytest.mark.parametrize('name', sorted(PLAIN_CONFIGS))
def test_plain_step_is_the_train_step(name, tmp_path):
    """One step of the plain loop changes the weights as train_step does:
    both run the model's own loss methods, from the same weights and
    random state."""
    config, stage, pairs = PLAIN_CONFIGS[name]
    cfg = train_speed.without_pretrained(load_config(
        osp.join(REPO, 'configs', config), stage=stage,
        work_dir=str(tmp_path)))
    torch.manual_seed(0)
    ours = MODELS.build(cfg.model.to_dict()).train()
    plain = MODELS.build(cfg.model.to_dict()).train()
    plain.load_state_dict(ours.state_dict())
    before = copy.deepcopy(ours.state_dict())
    h, w = cfg.get('img_scale', (64, 32))
    batch = train_speed.fake_batch(8, h, w, 4, pairs)
    train_speed.start_iteration_info()
    wrappers = train_speed.build_optim_wrappers(ours, cfg)
    ctx = train_speed.PlainContext(train_speed.torch_optimizers(
        train_speed.build_optim_wrappers(plain, cfg)), 'cpu', 'float32',
        False)
    random.seed(0)
    torch.manual_seed(1)
    ours.train_step(batch, wrappers)
    random.seed(0)
    torch.manual_seed(1)
    train_speed.PLAIN_STEPS[name](plain, batch, ctx)
    changed = 0
    for (key, a), b in zip(ours.state_dict().items(),
                           plain.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5, msg=key)
        changed += a.is_floating_point() and not torch.equal(a, before[key])
    assert changed > 0


@pytest.mark.parametrize('precision', ['float32', 'bfloat16'])
def test_plain_context_autocast(precision):
    ctx = train_speed.PlainContext({}, 'cpu', precision, False)
    with ctx.autocast():
        out = torch.ones(2, 2) @ torch.ones(2, 2)
    assert out.dtype == getattr(torch, precision)
