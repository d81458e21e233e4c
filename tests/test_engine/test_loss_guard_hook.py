"""LossGuardHook: stop on NaN/Inf/exploding losses, keep good checkpoints."""
import os.path as osp
import time
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmreidgen.engine.hooks import LossDivergedError, LossGuardHook
from mmreidgen.registry import HOOKS


def fake_runner(work_dir: str, name: str):
    hub = MessageHub.get_instance(f'loss_guard_{name}')
    return SimpleNamespace(message_hub=hub, iter=0, work_dir=work_dir)


def feed(hook, runner, it: int, **values) -> None:
    """Log ``values`` as RuntimeInfoHook does, then call the hook."""
    runner.iter = it
    for key, value in values.items():
        runner.message_hub.update_scalar(f'train/{key}', value)
    hook.after_train_iter(runner, it, None, outputs=values)


def test_registered():
    assert HOOKS.get('LossGuardHook') is LossGuardHook
    assert LossGuardHook.priority == 'ABOVE_NORMAL'


@pytest.mark.parametrize('bad', [float('nan'), float('inf'), -float('inf')])
def test_non_finite_loss_stops_naming_loss_and_iteration(tmp_path, bad):
    runner = fake_runner(str(tmp_path), f'nan{bad}')
    hook = LossGuardHook()
    feed(hook, runner, 0, loss=1.0, loss_gan_d=0.5, acc=0.1)
    with pytest.raises(LossDivergedError) as info:
        feed(hook, runner, 6, loss=1.0, loss_gan_d=bad, acc=0.1)
    msg = str(info.value)
    assert "'loss_gan_d'" in msg and 'iteration 7' in msg
    assert 'No checkpoint had been written yet' in msg
    # With a checkpoint on disk, the message says how to resume from it.
    ckpt = tmp_path / 'iter_4.pth'
    ckpt.write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text(str(ckpt))
    with pytest.raises(LossDivergedError, match='--resume .*iter_4.pth'):
        feed(hook, runner, 6, loss=bad)


def test_only_losses_are_checked(tmp_path):
    runner = fake_runner(str(tmp_path), 'acc')
    hook = LossGuardHook()
    # A NaN accuracy beside finite losses is no reason to stop ...
    feed(hook, runner, 0, loss=1.0, acc=float('nan'), acc_id=float('inf'))
    # ... while a NaN loss logged with it is, and the message names the
    # loss, not the accuracy.
    with pytest.raises(LossDivergedError) as info:
        feed(hook, runner, 1, loss=float('nan'), acc=float('nan'))
    assert "'loss'" in str(info.value)
    assert "'acc'" not in str(info.value)
    # keys selects what is checked: with keys='loss_g', a NaN loss_d passes.
    hook = LossGuardHook(keys='loss_g')
    runner = fake_runner(str(tmp_path), 'acc_keys')
    feed(hook, runner, 0, loss_g=1.0, loss_d=float('nan'))
    with pytest.raises(LossDivergedError, match="'loss_g'"):
        feed(hook, runner, 1, loss_g=float('nan'), loss_d=1.0)


def test_max_value(tmp_path):
    runner = fake_runner(str(tmp_path), 'max')
    hook = LossGuardHook(max_value=100.0)
    feed(hook, runner, 0, loss=99.0)
    with pytest.raises(LossDivergedError, match='exceeds max_value=100'):
        feed(hook, runner, 1, loss=-101.0)


def test_explosion_over_running_median_with_patience(tmp_path):
    runner = fake_runner(str(tmp_path), 'ratio')
    hook = LossGuardHook(keys='loss_g', ratio=10, window=4, patience=2)
    for it in range(4):
        feed(hook, runner, it, loss_g=1.0 + 0.1 * it, loss_d=1e9)
    feed(hook, runner, 4, loss_g=50.0)  # one spike is tolerated
    feed(hook, runner, 5, loss_g=1.2)  # and resets the count
    feed(hook, runner, 6, loss_g=60.0)
    with pytest.raises(LossDivergedError, match="'loss_g' = 70.0 is over 10"):
        feed(hook, runner, 7, loss_g=70.0)


def test_invalid_arguments():
    with pytest.raises(ValueError, match='ratio must be > 1'):
        LossGuardHook(ratio=0.5)
    with pytest.raises(ValueError, match='max_value must be > 0'):
        LossGuardHook(max_value=0)


def test_before_save_checkpoint_refuses_non_finite_weights(tmp_path):
    runner = fake_runner(str(tmp_path), 'weights')
    hook = LossGuardHook()
    good = {'state_dict': {'w': torch.ones(3), 'n': torch.tensor(3)},
            'meta': {'iter': 4}}
    hook.before_save_checkpoint(runner, good)
    bad = {'state_dict': {'w': torch.tensor([1.0, float('nan')])},
           'meta': {'iter': 6}}
    with pytest.raises(LossDivergedError, match='iteration 6: 1 weight'):
        hook.before_save_checkpoint(runner, bad)
    LossGuardHook(check_weights=False).before_save_checkpoint(runner, bad)


def test_cost_per_iteration_is_a_few_microseconds(tmp_path):
    """The hook reads floats already in the message hub; no tensor work."""
    runner = fake_runner(str(tmp_path), 'cost')
    hook = LossGuardHook()
    outputs = dict(loss=torch.tensor(1.0), loss_cls=torch.tensor(0.5),
                   loss_triplet=torch.tensor(0.5), acc=torch.tensor(0.3))
    for key, value in outputs.items():
        runner.message_hub.update_scalar(f'train/{key}', value)
    start = time.perf_counter()
    for it in range(2000):
        hook.after_train_iter(runner, it, None, outputs=outputs)
    per_call = (time.perf_counter() - start) / 2000
    # Generous bound for a loaded shared machine; typically ~5 us.
    assert per_call < 5e-4, per_call


# -- a real mmengine Runner ------------------------------------------------
class _Toy(Dataset):

    def __len__(self):
        return 8

    def __getitem__(self, idx):
        return dict(inputs=torch.full((2, ), float(idx)))


class _DivergingModel(BaseModel):
    """Finite loss until ``nan_at`` (0-based), then NaN; or NaN weights
    with a finite loss from ``bad_weights_at``."""

    def __init__(self, nan_at=None, bad_weights_at=None):
        super().__init__()
        self.fc = nn.Linear(2, 1)
        self.nan_at = nan_at
        self.bad_weights_at = bad_weights_at

    def forward(self, inputs, data_samples=None, mode='tensor'):
        it = MessageHub.get_current_instance().get_info('iter')
        loss = self.fc(inputs).pow(2).mean()
        if self.nan_at is not None and it >= self.nan_at:
            loss = loss * float('nan')
        if self.bad_weights_at is not None and it >= self.bad_weights_at:
            with torch.no_grad():
                self.fc.bias.fill_(float('inf'))
            loss = inputs.sum() * 0 + 1.0 + self.fc.weight.sum() * 0
        return dict(loss=loss)


def _run(tmp_path, name, model):
    runner = Runner(
        model=model,
        work_dir=str(tmp_path / name),
        train_dataloader=dict(
            dataset=_Toy(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=8),
        default_hooks=dict(
            checkpoint=dict(
                type='CheckpointHook', interval=2, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type='LossGuardHook')],
        experiment_name=f'loss_guard_{name}_{time.time_ns()}',
        default_scope='mmreidgen')
    return runner


def _pointer(work_dir) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def test_runner_stops_at_nan_and_keeps_last_good_checkpoint(tmp_path):
    runner = _run(tmp_path, 'nan', _DivergingModel(nan_at=5))
    with pytest.raises(LossDivergedError) as info:
        runner.train()
    msg = str(info.value)
    assert "loss 'loss' = nan" in msg and 'iteration 6' in msg
    work_dir = str(tmp_path / 'nan')
    assert _pointer(work_dir).endswith('iter_4.pth')
    assert 'iter_4.pth' in msg
    assert not osp.exists(osp.join(work_dir, 'iter_6.pth'))
    state = torch.load(_pointer(work_dir), weights_only=True)['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values())


def test_runner_refuses_to_save_non_finite_weights(tmp_path):
    # Weights go bad in iteration 4 (0-based 3), the loss stays finite: the
    # iteration-4 checkpoint is refused and iter_2.pth stays the last one.
    runner = _run(tmp_path, 'weights', _DivergingModel(bad_weights_at=3))
    with pytest.raises(LossDivergedError, match='weight tensor'):
        runner.train()
    work_dir = str(tmp_path / 'weights')
    assert _pointer(work_dir).endswith('iter_2.pth')
    assert not osp.exists(osp.join(work_dir, 'iter_4.pth'))
