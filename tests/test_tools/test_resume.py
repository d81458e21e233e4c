"""Kill a training run with SIGKILL, resume it, and get the same weights.

Three runs of the tiny synthetic baseline, under
``randomness=dict(seed=0, deterministic=True)``:

- A trains 8 iterations without interruption;
- B starts with ``--resume`` and no checkpoint (it says so and starts
  from the beginning), is killed with SIGKILL after its iteration-4
  checkpoint, then resumed with ``--resume`` (auto) from
  ``last_checkpoint``;
- C is a copy of the killed B whose newest checkpoint is truncated and
  whose ``last_checkpoint`` is empty (what a crash during a non-atomic
  write leaves): ``--resume`` falls back to the newest complete one.

B and C must end with weights bitwise equal to A's, with the data loaded
in the main process and with two dataloader workers (random transforms
then run in the workers, seeded by mmengine's ``worker_init_fn``).
"""
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch

from mmreidgen.engine.checkpoint import list_checkpoints

pytestmark = pytest.mark.early(65)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/baseline/baseline_r18w16_synthmarket.py'
MAX_ITERS = 8


def train_cmd(synth_root: str, work_dir: str, *extra: str,
              num_workers: int = 0) -> list:
    root = osp.join(synth_root, 'synthmarket')
    return [
        sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir,
        *extra, '--cfg-options',
        f'train_dataloader.dataset.data_root={root}',
        f'train_dataloader.num_workers={num_workers}',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.batch_size=8', 'val_cfg=None',
        'val_dataloader=None', 'val_evaluator=None',
        f'train_cfg.max_iters={MAX_ITERS}',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1', 'randomness.seed=0',
        'randomness.deterministic=True'
    ]


def _env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    return env


def _start(cmd: list, log: str) -> subprocess.Popen:
    return subprocess.Popen(
        cmd, cwd=REPO, env=_env(), stdout=open(log, 'w'),
        stderr=subprocess.STDOUT)


def _wait(proc: subprocess.Popen, log: str, timeout: float = 400) -> None:
    proc.wait(timeout=timeout)
    with open(log) as f:
        text = f.read()
    assert proc.returncode == 0, text[-3000:]


def _weights(path: str) -> dict:
    return torch.load(path, map_location='cpu', weights_only=True)[
        'state_dict']


def _assert_equal_weights(path_a: str, path_b: str) -> None:
    a, b = _weights(path_a), _weights(path_b)
    assert a.keys() == b.keys()
    differing = [k for k in a if not torch.equal(a[k], b[k])]
    assert not differing, (
        f'{len(differing)} tensors differ after resume, e.g. {differing[:3]}')


@pytest.mark.parametrize('num_workers', [0, 2])
def test_sigkill_then_resume_equals_uninterrupted(synth_root, tmp_path,
                                                  num_workers):
    dir_a, dir_b = str(tmp_path / 'A'), str(tmp_path / 'B')

    def cmd(work_dir, *extra):
        return train_cmd(synth_root, work_dir, *extra,
                         num_workers=num_workers)

    proc_a = _start(cmd(dir_a), str(tmp_path / 'A.log'))
    proc_b = _start(cmd(dir_b, '--resume'), str(tmp_path / 'B.log'))
    deadline = time.time() + 300
    try:
        while not osp.exists(osp.join(dir_b, 'iter_4.pth')):
            assert proc_b.poll() is None, open(tmp_path / 'B.log').read()
            assert time.time() < deadline, 'B never wrote iter_4.pth'
            time.sleep(0.05)
        proc_b.send_signal(signal.SIGKILL)
        proc_b.wait(timeout=30)
    finally:
        if proc_b.poll() is None:
            proc_b.kill()
    assert proc_b.returncode == -signal.SIGKILL
    assert not osp.exists(osp.join(dir_b, f'iter_{MAX_ITERS}.pth'))
    # --resume without a checkpoint says that training starts afresh.
    assert f'--resume: no complete checkpoint in {dir_b}; training starts ' \
        'from the beginning.' in open(tmp_path / 'B.log').read()
    # A checkpoint loads with weights_only=True (no unsafe pickles) and
    # holds what resuming needs.
    ckpt = torch.load(osp.join(dir_b, 'iter_4.pth'), map_location='cpu',
                      weights_only=True)
    assert ckpt['meta']['iter'] == 4
    assert 'message_hub' in ckpt and 'optimizer' in ckpt
    _wait(proc_a, str(tmp_path / 'A.log'))

    # C: B's folder as a crash inside a non-atomic write would leave it.
    dir_c = str(tmp_path / 'C')
    shutil.copytree(dir_b, dir_c)
    newest = list_checkpoints(dir_c)[0]
    with open(newest, 'r+b') as f:
        f.truncate(os.path.getsize(newest) // 2)
    open(osp.join(dir_c, 'last_checkpoint'), 'w').close()

    resume_b = _start(cmd(dir_b, '--resume'), str(tmp_path / 'B2.log'))
    resume_c = _start(cmd(dir_c, '--resume'), str(tmp_path / 'C2.log'))
    _wait(resume_b, str(tmp_path / 'B2.log'))
    _wait(resume_c, str(tmp_path / 'C2.log'))

    log_b = open(tmp_path / 'B2.log').read()
    assert 'resumed epoch: 0, iter: ' in log_b
    resumed_at = int(log_b.split('resumed epoch: 0, iter: ')[1].split()[0])
    assert 0 < resumed_at < MAX_ITERS
    # It trains on from there, not from the first iteration.
    assert f'Iter(train) [{resumed_at + 1}/{MAX_ITERS}]' in log_b
    assert f'Iter(train) [1/{MAX_ITERS}]' not in log_b
    log_c = open(tmp_path / 'C2.log').read()
    assert 'resuming from the newest complete checkpoint' in log_c
    resumed_c = int(log_c.split('resumed epoch: 0, iter: ')[1].split()[0])
    assert resumed_c < int(osp.basename(newest)[5:-4])

    final = f'iter_{MAX_ITERS}.pth'
    _assert_equal_weights(osp.join(dir_a, final), osp.join(dir_b, final))
    _assert_equal_weights(osp.join(dir_a, final), osp.join(dir_c, final))
