"""MultiOptimWrapperConstructor: one optimizer per sub-module."""
import pytest
import torch.nn as nn
from mmengine.optim import OptimWrapperDict

from mmreidgen.registry import OPTIM_WRAPPER_CONSTRUCTORS


class _GAN(nn.Module):
    def __init__(self):
        super().__init__()
        self.generator = nn.Linear(2, 2)
        self.discriminator = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))


def build(cfg):
    return OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='MultiOptimWrapperConstructor', optim_wrapper_cfg=cfg))


def test_one_wrapper_per_submodule():
    ctor = build(dict(
        generator=dict(optimizer=dict(type='Adam', lr=2e-4,
                                      betas=(0.5, 0.999))),
        discriminator=dict(
            optimizer=dict(type='SGD', lr=0.1),
            paramwise_cfg=dict(custom_keys={'1': dict(lr_mult=10.0)}))))
    model = _GAN()
    wrappers = ctor(model)
    assert isinstance(wrappers, OptimWrapperDict)
    assert set(wrappers.keys()) == {'generator', 'discriminator'}
    g_params = {id(p) for g in wrappers['generator'].optimizer.param_groups
                for p in g['params']}
    assert g_params == {id(p) for p in model.generator.parameters()}
    lrs = sorted(g['lr'] for g in
                 wrappers['discriminator'].optimizer.param_groups)
    assert lrs[0] == pytest.approx(0.1) and lrs[-1] == pytest.approx(1.0)


def test_errors():
    with pytest.raises(AttributeError, match='no such sub-module'):
        build(dict(encoder=dict(optimizer=dict(type='SGD', lr=0.1))))(_GAN())
    with pytest.raises(TypeError, match='optimizer'):
        build(dict(generator=dict(lr=0.1)))
    with pytest.raises(ValueError, match='at least one'):
        build(dict())
