"""Unregistered optimizer and scheduler types are named before building."""
import pytest
from mmengine.config import Config

from mmreidgen.apis import load_config
from mmreidgen.utils import check_optimizer_types

BASELINE = 'configs/baseline/baseline_r18w16_synthmarket.py'
CRGAN = 'configs/crgan/crgan_r18w16_synthmarket2synthduke.py'


def test_every_config_type_passes():
    check_optimizer_types(load_config(BASELINE))
    check_optimizer_types(load_config(CRGAN, stage='stage2_gan'))


@pytest.mark.parametrize('key, value, expected', [
    ('optim_wrapper.optimizer.type', 'SGDD',
     "optim_wrapper.optimizer.type='SGDD' is not registered; did you mean "
     "'SGD'"),
    ('optim_wrapper.type', 'OptimWraper',
     "optim_wrapper.type='OptimWraper' is not registered; did you mean "
     "'OptimWrapper'"),
    ('param_scheduler.1.type', 'MultiStepLRR',
     "param_scheduler.1.type='MultiStepLRR' is not registered; did you "
     "mean 'MultiStepLR'"),
])
def test_an_unregistered_type_is_named(key, value, expected):
    cfg = load_config(BASELINE)
    if key.startswith('param_scheduler'):
        cfg.param_scheduler[1]['type'] = value
    else:
        cfg.merge_from_dict({key: value})
    with pytest.raises(ValueError) as err:
        check_optimizer_types(cfg)
    assert str(err.value).startswith(expected)


def test_one_wrapper_per_module():
    cfg = Config(dict(optim_wrapper=dict(
        constructor='MultiOptimWrapperConstructor',
        generator=dict(optimizer=dict(type='Adam', lr=1e-4)),
        discriminator=dict(optimizer=dict(type='Adamm', lr=1e-4)))))
    with pytest.raises(ValueError, match=r"optim_wrapper\.discriminator\."
                       r"optimizer\.type='Adamm' is not registered"):
        check_optimizer_types(cfg)
