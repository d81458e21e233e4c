"""An advisory lock per work dir, so that two runs never write into one.

``tools/train.py``, ``tools/test.py`` and :class:`PipelineRunner` hold
``<work_dir>/.workdir.lock`` while they write into the work dir. The lock
is an :func:`fcntl.flock` on that file; the kernel releases it when the
holder exits, however it exits (SIGKILL included), so a lock left by a
killed process is taken over without any clean-up. A forked child (a
data-loader worker, say) would share the lock and keep it after its parent
was killed, until it noticed and ended; so every forked child closes its
copies of the lock files at once and holds no lock. The file records the
holder (pid, host, start time, command) for the refusal message only; it
stays behind after the run and means nothing on its own.

A process may take the lock of one work dir more than once (a pipeline
started by ``tools/train.py``): the lock is counted per process. Only the
rank-0 process of a distributed run takes it, since every rank writes into
the same work dir.
"""
import fcntl
import json
import os
import os.path as osp
import socket
import sys
import time
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional

from mmengine.logging import print_log

LOCK_NAME = '.workdir.lock'

# realpath of the work dir -> [open lock file, times taken]
_HELD: Dict[str, List] = {}


def _forget_locks_in_child() -> None:
    """Run in every forked child: close the inherited lock files (closing a
    copy leaves the parent's lock as it is; unlocking would not)."""
    for lock, _ in _HELD.values():
        try:
            lock.close()
        except OSError:
            pass
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_locks_in_child)


class WorkDirLockedError(RuntimeError):
    """Another live process is writing into the work dir."""


def _is_rank_zero() -> bool:
    for var in ('RANK', 'SLURM_PROCID', 'OMPI_COMM_WORLD_RANK'):
        value = os.environ.get(var)
        if value not in (None, ''):
            return value.strip() == '0'
    return True


def _describe(holder: dict) -> str:
    if not holder:
        return 'a process that left no record'
    return (f"pid {holder.get('pid', '?')} on host "
            f"{holder.get('host', '?')}, started "
            f"{holder.get('started', '?')}"
            + (f" ({holder['command']})" if holder.get('command') else ''))


def read_holder(work_dir: str) -> dict:
    """The holder recorded in ``<work_dir>/.workdir.lock`` ({} if none).

    The record is that of the last process that took the lock; whether it
    still holds it is what :func:`acquire_work_dir` finds out.
    """
    try:
        with open(osp.join(work_dir, LOCK_NAME), encoding='utf-8') as f:
            return json.loads(f.read() or '{}')
    except (OSError, ValueError):
        return {}


def _pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, TypeError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def acquire_work_dir(work_dir: str, purpose: str = 'a run') -> bool:
    """Take the lock of ``work_dir`` (created if missing) for this process.

    Args:
        work_dir (str): The folder the caller is going to write into.
        purpose (str): What the caller does, for the record and messages.
            Defaults to 'a run'.

    Returns:
        bool: True when the lock was taken (release it with
        :func:`release_work_dir`); False on a non-zero rank, which takes
        no lock.

    Raises:
        WorkDirLockedError: Another live process holds the lock; the
            message names it.
    """
    if not _is_rank_zero():
        return False
    os.makedirs(work_dir, exist_ok=True)
    key = osp.realpath(work_dir)
    if key in _HELD:
        _HELD[key][1] += 1
        return True
    path = osp.join(key, LOCK_NAME)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    lock = os.fdopen(fd, 'r+', encoding='utf-8')
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        holder = read_holder(key)
        raise WorkDirLockedError(
            f'{work_dir} is in use by {_describe(holder)}: another run is '
            f'writing into it (lock file {path}). Wait for that run to end, '
            'or give this one another --work-dir.') from None
    previous = read_holder(key)
    if previous.get('pid') not in (None, os.getpid()) and \
            not (previous.get('host') == socket.gethostname()
                 and _pid_alive(previous['pid'])):
        print_log(f'{work_dir}: the lock left by {_describe(previous)}, '
                  'which has ended, is taken over.', logger='current')
    record = dict(pid=os.getpid(), host=socket.gethostname(),
                  started=time.strftime('%Y-%m-%d %H:%M:%S %Z'),
                  purpose=purpose, command=' '.join(sys.argv))
    lock.seek(0)
    lock.truncate()
    lock.write(json.dumps(record))
    lock.flush()
    _HELD[key] = [lock, 1]
    return True


def release_work_dir(work_dir: str) -> None:
    """Give back a lock taken with :func:`acquire_work_dir`.

    The last release of this process clears the record and unlocks the
    file: only a process that was killed leaves its record behind, and the
    next run says it takes that one over.
    """
    key = osp.realpath(work_dir)
    held = _HELD.get(key)
    if held is None:
        return
    held[1] -= 1
    if held[1] == 0:
        del _HELD[key]
        try:
            held[0].seek(0)
            held[0].truncate()
            held[0].flush()
        except OSError:
            pass  # a full disk: the stale record is only reported later
        fcntl.flock(held[0], fcntl.LOCK_UN)
        held[0].close()


@contextmanager
def work_dir_lock(work_dir: Optional[str],
                  purpose: str = 'a run') -> Iterator[None]:
    """Hold the lock of ``work_dir`` inside a ``with`` block.

    Args:
        work_dir (str, optional): The folder written into; None takes no
            lock.
        purpose (str): See :func:`acquire_work_dir`. Defaults to 'a run'.

    Raises:
        WorkDirLockedError: Another live process holds the lock.
    """
    taken = work_dir is not None and acquire_work_dir(work_dir, purpose)
    try:
        yield
    finally:
        if taken:
            release_work_dir(work_dir)
