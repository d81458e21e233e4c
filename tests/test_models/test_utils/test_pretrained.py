"""Strict pretrained loading: torchvision and mmpretrain layouts."""
import re

import pytest
import torch
import torchvision
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import WEIGHT_INITIALIZERS, DefaultScope
from mmpretrain.models import DenseNet, ResNet

from mmreidgen.models.utils import (
    PretrainedKeyMismatchError,
    StrictPretrainedInit,
    convert_torchvision_densenet,
)

X = torch.randn(1, 3, 64, 32)


def _build(cfg, path, **init):
    """Build a backbone from a config as the configs do, then init it."""
    cfg = dict(cfg, init_cfg=dict(type='Pretrained', checkpoint=str(path),
                                  **init))
    with DefaultScope.overwrite_default_scope('mmreidgen'):
        model = MMENGINE_MODELS.build(cfg)
        model.init_weights()
    model.eval()
    return model


def _same(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    return all(torch.equal(sa[k], sb[k]) for k in sa)


def test_scope_builds_strict_init():
    with DefaultScope.overwrite_default_scope('mmreidgen'):
        init = WEIGHT_INITIALIZERS.build(
            dict(type='Pretrained', checkpoint='x.pth'))
    assert isinstance(init, StrictPretrainedInit)


@pytest.fixture(scope='module')
def resnet_files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('r50')
    torch.manual_seed(0)
    tv = torchvision.models.resnet50().eval()
    # non-trivial BN statistics, so a missed buffer shows up
    for m in tv.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    torch.save(tv.state_dict(), tmp / 'tv.pth')
    mm = ResNet(depth=50)
    mm.load_state_dict(
        {k: v for k, v in tv.state_dict().items() if not k.startswith('fc')})
    full = {f'backbone.{k}': v for k, v in mm.state_dict().items()}
    full['head.fc.weight'] = torch.zeros(1000, 2048)
    torch.save({'meta': {}, 'state_dict': full}, tmp / 'mm.pth')
    return tv, tmp


def test_resnet50_both_layouts(resnet_files):
    tv, tmp = resnet_files
    cfg = dict(type='mmpretrain.ResNet', depth=50, out_indices=(3, ))
    a = _build(cfg, tmp / 'tv.pth')
    b = _build(cfg, tmp / 'mm.pth')
    assert _same(a, b)
    # the loaded weights survive ResNet's zero_init_residual
    assert a.layer1[0].norm3.weight.abs().sum() > 0
    with torch.no_grad():
        ref = torch.nn.Sequential(*list(tv.children())[:-2])(X)
        assert torch.allclose(a(X)[0], ref, atol=1e-5)


def test_densenet121_both_layouts(tmp_path):
    torch.manual_seed(0)
    tv = torchvision.models.densenet121().eval()
    torch.save(tv.state_dict(), tmp_path / 'tv.pth')
    cfg = dict(type='mmpretrain.DenseNet', arch='121', out_indices=(3, ))
    a = _build(cfg, tmp_path / 'tv.pth')
    mm = DenseNet(arch='121', out_indices=(3, ))
    mm.load_state_dict({
        k: v
        for k, v in convert_torchvision_densenet(tv.state_dict()).items()
        if not k.startswith('classifier')
    })
    torch.save({f'backbone.{k}': v
                for k, v in mm.state_dict().items()}, tmp_path / 'mm.pth')
    b = _build(cfg, tmp_path / 'mm.pth')
    assert _same(a, b)
    # torchvision's released file has the legacy names 'norm.1', 'conv.2'
    legacy = {
        re.sub(r'(denselayer\d+\.(norm|conv))([12])\.', r'\1.\3.', k): v
        for k, v in tv.state_dict().items()
    }
    assert 'features.denseblock1.denselayer1.norm.1.weight' in legacy
    torch.save(legacy, tmp_path / 'legacy.pth')
    assert _same(a, _build(cfg, tmp_path / 'legacy.pth'))
    with torch.no_grad():
        ref = torch.relu(tv.features(X))
        assert torch.allclose(a(X)[0], ref, atol=1e-5)


def test_wrong_file_stops(resnet_files, tmp_path):
    _, tmp = resnet_files
    cfg = dict(type='mmpretrain.DenseNet', arch='121', out_indices=(3, ))
    with pytest.raises(PretrainedKeyMismatchError) as err:
        _build(cfg, tmp / 'tv.pth')
    msg = str(err.value)
    assert '0/' in msg and 'keys matched' in msg and 'missing (' in msg
    assert 'stem.0.weight' in msg
    # a ResNet-18 file for a ResNet-50: matched count and shape mismatch
    torch.save(torchvision.models.resnet18().state_dict(), tmp_path / 'r18')
    cfg = dict(type='mmpretrain.ResNet', depth=50, out_indices=(3, ))
    with pytest.raises(PretrainedKeyMismatchError, match='shape mismatch'):
        _build(cfg, tmp_path / 'r18')
    # strict=False loads what matches, as mmengine's initializer does
    _build(cfg, tmp_path / 'r18', strict=False)
    with pytest.raises(FileNotFoundError, match='resnet50-0676ba61.pth'):
        _build(cfg, tmp_path / 'absent.pth')


def test_prefix(resnet_files):
    _, tmp = resnet_files
    cfg = dict(type='mmpretrain.ResNet', depth=50, out_indices=(3, ))
    a = _build(cfg, tmp / 'mm.pth', prefix='backbone.')
    b = _build(cfg, tmp / 'tv.pth')
    assert _same(a, b)
    with pytest.raises(PretrainedKeyMismatchError, match="keys under 'neck"):
        _build(cfg, tmp / 'mm.pth', prefix='neck.')


def test_baseline_config_loads_torchvision_file(resnet_files):
    """The shipped config, its `pretrained` pointed at a torchvision file."""
    from mmreidgen.apis import load_config
    from mmreidgen.registry import MODELS
    tv, tmp = resnet_files
    cfg = load_config('configs/baseline/baseline_r50_market.py',
                      {'pretrained': str(tmp / 'tv.pth')})
    with DefaultScope.overwrite_default_scope('mmreidgen'):
        model = MODELS.build(cfg.model)
        model.init_weights()
    assert torch.equal(model.backbone.layer4[2].bn3.weight,
                       tv.layer4[2].bn3.weight)
    assert torch.equal(model.backbone.conv1.weight, tv.conv1.weight)
