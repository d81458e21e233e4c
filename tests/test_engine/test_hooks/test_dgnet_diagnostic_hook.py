"""DGNetDiagnosticHook: diagnoses at the start and end of the warm-up,
from the ramp hook's iterations, leaving the random generators alone."""
import random
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from test_models.test_algorithms.test_dgnet import pair_batch, tiny_dgnet

from mmreidgen.registry import HOOKS

pytestmark = pytest.mark.usefixtures('one_thread')


class FakeValLoop:

    def __init__(self):
        self.runs = 0

    def run(self):
        self.runs += 1
        return {'reid/mAP': 0.25 * self.runs}


class FakeVisualizer:

    def __init__(self):
        self.scalars = []

    def add_scalars(self, scalars, step):
        self.scalars.append((step, scalars))


def fake_runner(model, ramp_hook, num=8):
    batch = pair_batch(num_pairs=num // 2)
    dataset = [dict(inputs=x, data_samples=s)
               for x, s in zip(batch['inputs'], batch['data_samples'])]
    return SimpleNamespace(
        model=model, hooks=[ramp_hook], iter=0,
        train_dataloader=SimpleNamespace(dataset=dataset),
        val_loop=FakeValLoop(), visualizer=FakeVisualizer())


def test_diagnoses_at_the_start_and_end_of_the_warm_up():
    ramp = HOOKS.build(dict(type='DGNetLossRampHook',
                            ramps=dict(prim=(5, 7), fine=(5, 7))))
    hook = HOOKS.build(dict(type='DGNetDiagnosticHook', num_images=8,
                            batch_size=3))
    model = tiny_dgnet().train()
    runner = fake_runner(model, ramp)
    hook.before_train(runner)
    for cur_iter in range(10):
        runner.iter = cur_iter
        random.seed(cur_iter)
        np.random.seed(cur_iter)
        torch.manual_seed(cur_iter)
        states = (random.random(), np.random.rand(), torch.rand(1))
        random.seed(cur_iter)
        np.random.seed(cur_iter)
        torch.manual_seed(cur_iter)
        hook.after_train_iter(runner, batch_idx=cur_iter)
        # The generators continue as if the hook had not run.
        assert (random.random(), np.random.rand()) == states[:2]
        assert torch.equal(torch.rand(1), states[2])
        assert model.training
    # After 5 and after 7 iterations, one validation run each.
    steps = [step for step, _ in runner.visualizer.scalars]
    assert steps == [5, 7]
    assert runner.val_loop.runs == 2
    start = runner.visualizer.scalars[0][1]
    end = runner.visualizer.scalars[1][1]
    assert start['diag/warmup_start/reid/mAP'] == 0.25
    assert end['diag/warmup_end/reid/mAP'] == 0.5
    for name in ('recon_l1', 'teacher_agree_app', 'teacher_agree_struct'):
        assert f'diag/warmup_start/{name}' in start
    agree = start['diag/warmup_start/teacher_agree_app']
    assert 0.0 <= agree <= 1.0
    # The weights did not change in between: the same diagnosis, on the
    # same images, whatever the batch size.
    assert end['diag/warmup_end/recon_l1'] == pytest.approx(
        start['diag/warmup_start/recon_l1'])


def test_a_step_ramp_diagnoses_once_under_both_names():
    ramp = HOOKS.build(dict(type='DGNetLossRampHook',
                            ramps=dict(prim=(3, 3))))
    hook = HOOKS.build(dict(type='DGNetDiagnosticHook', num_images=4,
                            evaluate=False))
    runner = fake_runner(tiny_dgnet(), ramp, num=4)
    hook.before_train(runner)
    for cur_iter in range(5):
        runner.iter = cur_iter
        hook.after_train_iter(runner, batch_idx=cur_iter)
    [(step, scalars)] = runner.visualizer.scalars
    assert step == 3 and runner.val_loop.runs == 0
    assert scalars['diag/warmup_start/recon_l1'] == \
        scalars['diag/warmup_end/recon_l1']


def test_needs_the_ramp_it_names():
    ramp = HOOKS.build(dict(type='DGNetLossRampHook',
                            ramps=dict(fine=(5, 7))))
    hook = HOOKS.build(dict(type='DGNetDiagnosticHook'))
    with pytest.raises(ValueError, match="ramp 'prim'"):
        hook.before_train(fake_runner(tiny_dgnet(), ramp))
    with pytest.raises(ValueError, match='even'):
        HOOKS.build(dict(type='DGNetDiagnosticHook', num_images=5))
