"""DGNetLossRampHook: Sec. 3.3's linear warm-up of lambda_prim/lambda_fine."""
from types import SimpleNamespace

import pytest
import torch.nn as nn
from mmengine.logging import MessageHub

from mmreidgen.registry import HOOKS


class FakeModel(nn.Module):

    def __init__(self):
        super().__init__()
        self.loss_scales = {}


def fake_runner(cur_iter, model=None):
    return SimpleNamespace(
        model=model or FakeModel(),
        iter=cur_iter,
        message_hub=MessageHub.get_instance('dgnet_ramp_test'))


def test_paper_ramp_of_the_prim_and_fine_weights():
    hook = HOOKS.build(
        dict(type='DGNetLossRampHook',
             ramps=dict(prim=(30000, 34000), fine=(30000, 34000))))
    expected = {0: 0.0, 29999: 0.0, 30000: 0.0, 31000: 0.25, 32000: 0.5,
                34000: 1.0, 99999: 1.0}
    for cur_iter, value in expected.items():
        runner = fake_runner(cur_iter)
        hook.before_train_iter(runner, batch_idx=cur_iter)
        assert runner.model.loss_scales == dict(prim=value, fine=value)
        # lambda_prim goes 0 -> 2, lambda_fine = 0.2 lambda_prim
        assert 2.0 * value * 0.2 == pytest.approx(0.4 * value)
    logged = runner.message_hub.get_scalar('train/ramp_prim').current()
    assert logged == 1.0


def test_resuming_continues_the_ramp_and_step_ramps():
    hook = HOOKS.build(
        dict(type='DGNetLossRampHook',
             ramps=dict(code_app=(100, 100), cycle=(100, 300))))
    runner = fake_runner(200)
    hook.before_train(runner)  # a resumed run starts at iteration 200
    assert runner.model.loss_scales == dict(code_app=1.0, cycle=0.5)
    runner = fake_runner(99)
    hook.before_train_iter(runner, batch_idx=0)
    assert runner.model.loss_scales == dict(code_app=0.0, cycle=0.0)


def test_bad_ramps_and_models_are_reported():
    with pytest.raises(ValueError, match='begin'):
        HOOKS.build(dict(type='DGNetLossRampHook', ramps=dict(prim=(5, 1))))
    with pytest.raises(ValueError, match='at least one'):
        HOOKS.build(dict(type='DGNetLossRampHook', ramps=dict()))
    hook = HOOKS.build(
        dict(type='DGNetLossRampHook', ramps=dict(prim=(0, 10))))
    with pytest.raises(TypeError, match='loss_scales'):
        hook.before_train(fake_runner(0, model=nn.Linear(1, 1)))
