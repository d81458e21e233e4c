"""Mixed precision: ``--amp`` (``enable_amp``) and ``AutocastOptimWrapper``.

What a user relies on: ``--amp`` switches every plain optim wrapper of any
config (single, per sub-module, pipeline stages) to a mixed-precision one
that works on their device; forward passes really run in the low precision;
training still updates the weights with finite losses; DG-Net trains under
bfloat16 and refuses loss-scaled float16 with the fix in the message. The
CUDA cases run only where torch sees a GPU.
"""
import glob
import os.path as osp
import sys
from unittest import mock

import pytest
import torch
from conftest import REPO, load_tool
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper

from mmreidgen.apis import load_config
from mmreidgen.config import stage_names
from mmreidgen.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIM_WRAPPERS,
)
from mmreidgen.utils import enable_amp

for folder in ('test_algorithms', 'test_reid'):
    sys.path.insert(0, osp.join(REPO, 'tests', 'test_models', folder))
needs_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs CUDA')


@pytest.fixture(scope='module')
def train_tool():
    return load_tool('tools/train.py')


def runnable_configs(path):
    """The config itself, or every stage's resolved config."""
    cfg = load_config(path, work_dir='/tmp/amp_test')
    if cfg.get('runner_type') != 'PipelineRunner':
        return [cfg]
    return [load_config(path, stage=name, work_dir='/tmp/amp_test')
            for name in stage_names(cfg)]


def wrapper_types(cfg):
    """Type of every optim wrapper config in ``cfg``."""
    configs = [cfg.optim_wrapper] if cfg.get('optim_wrapper') else []
    types = []
    for wrappers in configs:
        if 'constructor' in wrappers and 'optimizer' not in wrappers:
            subs = [v for v in wrappers.values() if isinstance(v, dict)]
        else:
            subs = [wrappers]
        types += [w.get('type', 'OptimWrapper') for w in subs]
    return types


CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
    if '_base_' not in p)


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_amp_switches_every_wrapper_of_every_config(path):
    before, after = [], []
    for cfg in runnable_configs(path):
        before += wrapper_types(cfg)
        enable_amp(cfg)  # CPU default: bfloat16 autocast
        after += wrapper_types(cfg)
    assert len(after) == len(before)
    for old, new in zip(before, after):
        assert new == ('AutocastOptimWrapper'
                       if old == 'OptimWrapper' else old)
    assert 'OptimWrapper' not in after


def test_amp_dtype_choice():
    path = osp.join(REPO, 'configs/dgnet/dgnet_r50_market.py')
    with mock.patch.object(torch.cuda, 'is_available', return_value=True):
        cfg = load_config(path, stage='dgnet')
        enable_amp(cfg)
        decoder = cfg.optim_wrapper.decoder
        assert decoder['type'] == 'AmpOptimWrapper'
        assert decoder['loss_scale'] == 'dynamic'
        cfg = load_config(path, stage='dgnet')
        enable_amp(cfg, 'bfloat16')
        decoder = cfg.optim_wrapper.decoder
        assert decoder['type'] == 'AutocastOptimWrapper'
        assert decoder['dtype'] == 'bfloat16'
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match='--amp-dtype bfloat16'):
            enable_amp(load_config(path, stage='dgnet'), 'float16')


def tiny_baseline(device='cpu'):
    from test_baseline import tiny_baseline as build
    torch.manual_seed(0)
    return build().to(device)


def batch(num=8):
    from test_baseline import batch as reid_batch
    return reid_batch(num)


def train_and_watch(model, wrapper, steps=3):
    """Train ``steps`` steps; dtypes of the first conv's outputs."""
    seen = []
    handle = model.backbone.conv1.register_forward_hook(
        lambda m, i, out: seen.append(out.dtype))
    first = model.backbone.conv1.weight.detach().clone()
    losses = [model.train_step(batch(), wrapper) for _ in range(steps)]
    handle.remove()
    for log in losses:
        assert all(torch.isfinite(torch.as_tensor(v)) for v in log.values())
    assert not torch.equal(first, model.backbone.conv1.weight)
    # Weights stay float32: autocast casts per op, it does not convert.
    assert model.backbone.conv1.weight.dtype == torch.float32
    return seen


def test_autocast_wrapper_trains_in_bfloat16_on_cpu():
    model = tiny_baseline()
    wrapper = OPTIM_WRAPPERS.build(
        dict(type='AutocastOptimWrapper',
             optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    assert train_and_watch(model, wrapper) == [torch.bfloat16] * 3
    # The plain wrapper stays in float32: the hook sees the difference.
    plain = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    assert train_and_watch(model, plain, 1) == [torch.float32]
    with pytest.raises(ValueError, match="'bfloat16' or 'float16'"):
        OPTIM_WRAPPERS.build(
            dict(type='AutocastOptimWrapper', dtype='int8',
                 optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))


def dgnet_wrappers(model, wrapper_type):
    from test_dgnet import optim_wrapper
    with mock.patch.dict(OPTIM_WRAPPERS.module_dict):
        OPTIM_WRAPPERS.module_dict['OptimWrapper'] = OPTIM_WRAPPERS.get(
            wrapper_type)
        return optim_wrapper(model)


def test_dgnet_trains_under_bfloat16_and_refuses_loss_scaling():
    from test_dgnet import pair_batch, tiny_dgnet
    MessageHub.get_instance('amp_test').update_info('iter', 0)
    model = tiny_dgnet()
    model.loss_scales.update(prim=1.0, fine=1.0)
    wrappers = dgnet_wrappers(model, 'AutocastOptimWrapper')
    assert all(type(w).__name__ == 'AutocastOptimWrapper'
               for w in wrappers.values())
    before = model.decoder.up[1].conv.weight.detach().clone()
    log = model.train_step(pair_batch(), wrappers)
    assert torch.isfinite(torch.as_tensor(log['loss_g_total']))
    assert torch.isfinite(torch.as_tensor(log['loss_d_total']))
    assert not torch.equal(before, model.decoder.up[1].conv.weight)
    # A loss-scaled (float16) wrapper: refused with the fix.
    wrappers['decoder'].loss_scaler = object()
    with pytest.raises(NotImplementedError,
                       match='--amp --amp-dtype bfloat16'):
        model.train_step(pair_batch(), wrappers)


@needs_cuda
def test_cuda_float16_amp_wrapper_trains():
    model = tiny_baseline('cuda')
    wrapper = OPTIM_WRAPPERS.build(
        dict(type='AmpOptimWrapper', loss_scale='dynamic',
             optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    assert train_and_watch(model, wrapper) == [torch.float16] * 3


@needs_cuda
def test_cuda_bfloat16_autocast_and_dgnet():
    from test_dgnet import pair_batch, tiny_dgnet
    model = tiny_baseline('cuda')
    wrapper = OPTIM_WRAPPERS.build(
        dict(type='AutocastOptimWrapper',
             optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    assert train_and_watch(model, wrapper) == [torch.bfloat16] * 3
    MessageHub.get_instance('amp_test_cuda').update_info('iter', 0)
    dgnet = tiny_dgnet().cuda()
    dgnet.loss_scales.update(prim=1.0, fine=1.0)
    log = dgnet.train_step(pair_batch(),
                           dgnet_wrappers(dgnet, 'AutocastOptimWrapper'))
    assert torch.isfinite(torch.as_tensor(log['loss_g_total']))


@needs_cuda
def test_cuda_channels_last_gives_the_same_features():
    from mmreidgen.registry import HOOKS
    model = tiny_baseline('cuda').eval()
    data = batch(4)
    with torch.no_grad():
        ref = model.extract_feat(model.data_preprocessor(data)['inputs'])
        HOOKS.build(dict(type='ChannelsLastHook')).before_test(
            mock.Mock(model=model))
        inputs = model.data_preprocessor(data)['inputs']
        assert inputs.is_contiguous(memory_format=torch.channels_last)
        out = model.extract_feat(inputs)
    torch.testing.assert_close(out, ref, atol=1e-4, rtol=1e-4)


def test_amp_through_the_train_tool(synth_root, tmp_path, train_tool):
    root = osp.join(synth_root, 'synthmarket')
    config = osp.join(REPO, 'configs/baseline/baseline_r18w16_synthmarket.py')
    work_dir = tmp_path / 'w'
    argv = [
        'tools/train.py', config, '--work-dir', str(work_dir), '--amp',
        '--cfg-options', f'train_dataloader.dataset.data_root={root}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.batch_size=8', 'val_cfg=None',
        'val_dataloader=None', 'val_evaluator=None', 'train_cfg.max_iters=2',
        'default_hooks.checkpoint.interval=2'
    ]
    with mock.patch.object(sys, 'argv', argv):
        train_tool.main()
    dumped = Config.fromfile(work_dir / 'baseline_r18w16_synthmarket.py')
    expected = 'AmpOptimWrapper' if torch.cuda.is_available() else \
        'AutocastOptimWrapper'
    assert dumped.optim_wrapper.type == expected
    assert (work_dir / 'iter_2.pth').exists()
    with mock.patch.object(sys, 'argv', argv[:4] + ['--amp-dtype',
                                                     'bfloat16']):
        with pytest.raises(ValueError, match='only takes effect with --amp'):
            train_tool.main()


@pytest.mark.parametrize('stage', ['pretrain', 'gan', 'finetune'])
def test_crgan_stages_train_under_bfloat16(stage):
    from test_crgan import build, make_batch
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 0)
    hub.update_info('max_iters', 10)
    model = build(train_stage=stage).train()
    names = dict(pretrain=['identity_discriminator', 'camera_discriminator'],
                 gan=['generator', 'discriminator'],
                 finetune=['identity_discriminator'])[stage]
    wrappers = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='MultiOptimWrapperConstructor',
             optim_wrapper_cfg={
                 n: dict(type='AutocastOptimWrapper',
                         optimizer=dict(type='Adam', lr=1e-3))
                 for n in names
             }))(model)
    before = [getattr(model, n).state_dict() for n in names]
    before = [{k: v.clone() for k, v in b.items()} for b in before]
    logs = model.train_step(make_batch(), wrappers)
    assert all(torch.isfinite(torch.as_tensor(v)).all()
               for v in logs.values())
    for name, state in zip(names, before):
        after = getattr(model, name).state_dict()
        assert any(not torch.equal(state[k], after[k]) for k in state), name
        assert all(v.dtype != torch.bfloat16 for v in after.values())


def test_slsr_dcgan_trains_under_bfloat16():
    from test_slsr_dcgan import batch as gan_batch
    from test_slsr_dcgan import tiny_gan
    torch.manual_seed(0)
    gan = tiny_gan()
    wrappers = {
        name: OPTIM_WRAPPERS.build(
            dict(type='AutocastOptimWrapper',
                 optimizer=torch.optim.Adam(
                     getattr(gan, name).parameters(), lr=2e-4)))
        for name in ('generator', 'discriminator')
    }
    from mmengine.optim import OptimWrapperDict
    log = gan.train_step(gan_batch(), OptimWrapperDict(**wrappers))
    assert all(torch.isfinite(v) for v in log.values())
