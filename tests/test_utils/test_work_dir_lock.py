"""The advisory work-dir lock: a second writer is refused with the holder
named, a killed holder's lock is taken over, and the tools take it."""
import os
import os.path as osp
import signal
import socket
import subprocess
import sys

import pytest

from mmreidgen.utils import (
    WorkDirLockedError,
    acquire_work_dir,
    release_work_dir,
    work_dir_lock,
)
from mmreidgen.utils.work_dir_lock import LOCK_NAME, read_holder

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASELINE = 'configs/baseline/baseline_r18w16_synthmarket.py'
HOLD = ('import sys, time\n'
        'from mmreidgen.utils.work_dir_lock import acquire_work_dir\n'
        'acquire_work_dir(sys.argv[1])\n'
        'print("held", flush=True)\n'
        'time.sleep(120)\n')


@pytest.fixture
def holder(tmp_path):
    """A live process that holds the lock of ``tmp_path / 'w'``."""
    work = tmp_path / 'w'
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.Popen([sys.executable, '-c', HOLD, str(work)],
                            stdout=subprocess.PIPE, text=True, env=env,
                            cwd=REPO)
    assert proc.stdout.readline().strip() == 'held'
    yield work, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.stdout.close()


def test_second_writer_is_refused_with_the_holder_named(holder):
    work, proc = holder
    with pytest.raises(WorkDirLockedError) as err:
        acquire_work_dir(str(work))
    message = str(err.value)
    assert f'pid {proc.pid}' in message
    assert socket.gethostname() in message
    assert 'started 20' in message
    assert '--work-dir' in message


def test_lock_of_a_killed_process_is_taken_over(holder):
    work, proc = holder
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert read_holder(str(work))['pid'] == proc.pid  # the record stays
    with work_dir_lock(str(work)):
        assert read_holder(str(work))['pid'] == os.getpid()


HOLD_WITH_CHILD = (
    'import multiprocessing as mp, sys, time\n'
    'from mmreidgen.utils.work_dir_lock import acquire_work_dir\n'
    'acquire_work_dir(sys.argv[1])\n'
    'child = mp.get_context("fork").Process(target=time.sleep, args=(120,))\n'
    'child.start()\n'
    'print(child.pid, flush=True)\n'
    'time.sleep(120)\n')


def test_lock_ends_with_its_holder_not_with_its_forked_children(tmp_path):
    """A killed run's data-loader workers live on for a few seconds; the
    next run takes the lock at once all the same."""
    work = str(tmp_path / 'w')
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.Popen([sys.executable, '-c', HOLD_WITH_CHILD, work],
                            stdout=subprocess.PIPE, text=True, env=env,
                            cwd=REPO)
    child = int(proc.stdout.readline())
    try:
        with pytest.raises(WorkDirLockedError):
            acquire_work_dir(work)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        os.kill(child, 0)  # still alive, and it holds no lock
        with work_dir_lock(work):
            assert read_holder(work)['pid'] == os.getpid()
    finally:
        for pid in (proc.pid, child):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
        proc.stdout.close()


def test_lock_is_counted_per_process(tmp_path):
    work = str(tmp_path / 'w')
    assert acquire_work_dir(work)
    assert acquire_work_dir(osp.join(work, '.'))  # the same dir, nested
    release_work_dir(work)
    # Still held after one of two releases: another process is refused.
    code = ('import sys\nfrom mmreidgen.utils.work_dir_lock import '
            'acquire_work_dir\nacquire_work_dir(sys.argv[1])')
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.run([sys.executable, '-c', code, work], env=env,
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1 and 'WorkDirLockedError' in proc.stderr
    release_work_dir(work)
    proc = subprocess.run([sys.executable, '-c', code, work], env=env,
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr


def test_non_zero_rank_takes_no_lock(tmp_path, monkeypatch):
    monkeypatch.setenv('RANK', '1')
    assert not acquire_work_dir(str(tmp_path))
    assert not osp.exists(tmp_path / LOCK_NAME)


def tool(*args):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    env.pop('MMREIDGEN_TRACEBACK', None)
    return subprocess.run([sys.executable, *map(str, args)], cwd=REPO,
                          env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize('script', ['tools/train.py', 'tools/test.py'])
def test_tools_refuse_a_locked_work_dir(holder, synth_root, script):
    work, proc = holder
    args = [script, BASELINE]
    if script == 'tools/test.py':
        ckpt = work / 'iter_1.pth'
        ckpt.write_bytes(b'x')
        args.append(ckpt)
    result = tool(*args, '--work-dir', work, '--cfg-options',
                  f'data_root={synth_root}', 'train_cfg.max_iters=1')
    assert result.returncode == 1, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('Error (WorkDirLockedError): ')
    assert f'pid {proc.pid}' in last
    # Nothing written into the other run's dir, not even error.log.
    assert set(os.listdir(work)) <= {LOCK_NAME, 'iter_1.pth'}


def test_pipeline_runner_refuses_a_locked_work_dir(holder):
    from mmengine.config import Config

    from mmreidgen.stages import PipelineRunner
    work, proc = holder
    cfg = Config(dict(
        runner_type='PipelineRunner', work_dir=str(work),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=1),
        stages=dict(only=dict(type='test'))))
    with pytest.raises(WorkDirLockedError, match=f'pid {proc.pid}'):
        PipelineRunner(cfg).train()
    assert sorted(os.listdir(work)) == [LOCK_NAME]


def test_a_released_lock_leaves_no_record(tmp_path, capsys):
    """A run that ended normally leaves nothing for the next one to take
    over (only a killed run's record is reported)."""
    work = str(tmp_path / 'w')
    with work_dir_lock(work):
        assert read_holder(work)['pid'] == os.getpid()
    assert read_holder(work) == {}
    with work_dir_lock(work):
        pass
    assert 'taken over' not in capsys.readouterr().out
