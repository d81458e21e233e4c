"""Atomic local writes and the robust choice of the checkpoint to resume."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.runner.checkpoint import save_checkpoint

import mmreidgen.engine.checkpoint as ckpt_mod
from mmreidgen.engine.checkpoint import (
    AtomicLocalBackend,
    find_resumable_checkpoint,
    is_complete_checkpoint,
    list_checkpoints,
)


def test_atomic_backend_is_mmengines_local_backend(tmp_path):
    backend = get_file_backend(str(tmp_path / 'x.pth'))
    assert isinstance(backend, AtomicLocalBackend)
    path = tmp_path / 'sub' / 'ckpt.pth'
    save_checkpoint({'w': torch.arange(3)}, str(path))
    assert torch.equal(
        torch.load(path, weights_only=True)['w'], torch.arange(3))
    backend.put_text('héllo', str(tmp_path / 'a.txt'))
    assert (tmp_path / 'a.txt').read_text(encoding='utf-8') == 'héllo'
    # No temporary file is left behind and the mode is the usual one.
    assert sorted(os.listdir(tmp_path / 'sub')) == ['ckpt.pth']
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~ckpt_mod._UMASK


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'iter_2.pth')
    AtomicLocalBackend().put(b'old complete content', path)

    def broken_fsync(fd):
        raise OSError('disk full')

    monkeypatch.setattr(ckpt_mod.os, 'fsync', broken_fsync)
    with pytest.raises(OSError, match='disk full'):
        AtomicLocalBackend().put(b'new' * 1000, path)
    assert open(path, 'rb').read() == b'old complete content'
    assert os.listdir(tmp_path) == ['iter_2.pth']


# ``atomic``: loads mmreidgen/engine/checkpoint.py alone (not the whole
# package) to start fast; ``plain``: mmengine's own LocalBackend.
_WRITER = r'''
import importlib.util, sys
path, size, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if kind == 'plain':
    from mmengine.fileio import LocalBackend as Backend
else:
    spec = importlib.util.spec_from_file_location('ckpt', kind)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    Backend = module.AtomicLocalBackend
backend = Backend()
i = 0
print('ready', flush=True)
while True:
    backend.put(bytes([65 + i % 2]) * size, path)
    i += 1
'''


def kill_trials(path: str, kind: str, trials: int, seed: int = 0) -> int:
    """Kill a process rewriting an 8 MB file at random moments ``trials``
    times; return how often a partial or mixed file was left."""
    size = 8 << 20
    rng = torch.Generator().manual_seed(seed)
    bad = 0
    for _ in range(trials):
        proc = subprocess.Popen(
            [sys.executable, '-c', _WRITER, path,
             str(size), kind],
            stdout=subprocess.PIPE)
        assert proc.stdout.readline().strip() == b'ready'
        time.sleep(0.05 + 0.3 * float(torch.rand(1, generator=rng)))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if not osp.exists(path):
            continue  # killed before the first write finished
        with open(path, 'rb') as f:
            data = f.read()
        bad += data not in (b'A' * size, b'B' * size)
    return bad


def test_sigkill_during_writes_never_leaves_a_partial_file(tmp_path):
    path = str(tmp_path / 'iter_4.pth')
    assert kill_trials(path, ckpt_mod.__file__, trials=4) == 0
    # Only temporary files (never matched as checkpoints) may remain.
    assert [n for n in os.listdir(tmp_path) if n != 'iter_4.pth'] == [
        n for n in os.listdir(tmp_path)
        if n.startswith('.iter_4.pth.') and n.endswith('.tmp')
    ]
    assert list_checkpoints(str(tmp_path)) in ([], [path])


def _write_ckpt(path: str, value: float = 1.0) -> None:
    torch.save({'state_dict': {'w': torch.full((4, ), value)}}, path)


def test_is_complete_checkpoint(tmp_path):
    good = str(tmp_path / 'iter_1.pth')
    _write_ckpt(good)
    assert is_complete_checkpoint(good)
    truncated = str(tmp_path / 'iter_2.pth')
    with open(good, 'rb') as f:
        data = f.read()
    with open(truncated, 'wb') as f:
        f.write(data[:len(data) // 2])
    assert not is_complete_checkpoint(truncated)
    open(tmp_path / 'iter_3.pth', 'w').close()
    assert not is_complete_checkpoint(str(tmp_path / 'iter_3.pth'))
    assert not is_complete_checkpoint(str(tmp_path / 'missing.pth'))


def test_find_resumable_checkpoint(tmp_path):
    work_dir = str(tmp_path)
    assert find_resumable_checkpoint(work_dir) is None
    for it in (2, 4, 10):
        _write_ckpt(osp.join(work_dir, f'iter_{it}.pth'))
    assert list_checkpoints(work_dir) == [
        osp.join(work_dir, f'iter_{it}.pth') for it in (10, 4, 2)
    ]
    pointer = osp.join(work_dir, 'last_checkpoint')
    # A valid pointer wins, even when it is not the newest file.
    with open(pointer, 'w') as f:
        f.write(osp.join(work_dir, 'iter_4.pth'))
    assert find_resumable_checkpoint(work_dir) == osp.join(
        work_dir, 'iter_4.pth')
    # Empty pointer: newest complete checkpoint.
    open(pointer, 'w').close()
    assert find_resumable_checkpoint(work_dir) == osp.join(
        work_dir, 'iter_10.pth')
    # Truncated newest checkpoint: the next one.
    newest = osp.join(work_dir, 'iter_10.pth')
    with open(newest, 'r+b') as f:
        f.truncate(100)
    with open(pointer, 'w') as f:
        f.write(newest)
    assert find_resumable_checkpoint(work_dir) == osp.join(
        work_dir, 'iter_4.pth')
    # Pointer to a deleted file, nothing else complete: start afresh.
    for name in ('iter_4.pth', 'iter_2.pth'):
        os.remove(osp.join(work_dir, name))
    assert find_resumable_checkpoint(work_dir) is None



def test_a_copied_work_dir_resumes_its_own_checkpoint(tmp_path):
    import shutil
    original = str(tmp_path / 'original')
    os.makedirs(original)
    for it in (2, 4):
        _write_ckpt(osp.join(original, f'iter_{it}.pth'))
    with open(osp.join(original, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(original, 'iter_4.pth'))  # absolute, as mmengine
    copy = str(tmp_path / 'copy')
    shutil.copytree(original, copy)
    os.remove(osp.join(copy, 'iter_4.pth'))
    assert find_resumable_checkpoint(copy) == osp.join(copy, 'iter_2.pth')
    # The original's newer file keeps being written; the copy ignores it.
    _write_ckpt(osp.join(original, 'iter_6.pth'))
    with open(osp.join(original, 'last_checkpoint'), 'w') as f:
        f.write(osp.join(original, 'iter_6.pth'))
    shutil.copy(osp.join(original, 'last_checkpoint'), copy)
    assert find_resumable_checkpoint(copy) == osp.join(copy, 'iter_2.pth')
    # Nothing of its own: start afresh rather than load the original.
    os.remove(osp.join(copy, 'iter_2.pth'))
    assert find_resumable_checkpoint(copy) is None
    assert find_resumable_checkpoint(original) == osp.join(
        original, 'iter_6.pth')


if __name__ == '__main__':
    # The figure in docs/en/reliability.md: mmengine's LocalBackend against
    # AtomicLocalBackend, 20 random SIGKILLs each.
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ('plain', ckpt_mod.__file__):
            name = 'LocalBackend' if kind == 'plain' else 'AtomicLocalBackend'
            bad = kill_trials(osp.join(tmp, f'{name}.pth'), kind, trials=20)
            print(f'{name}: partial file after {bad} of 20 SIGKILLs')
