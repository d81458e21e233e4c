"""Crash-safe checkpoints: atomic local writes and a robust resume lookup.

mmengine's ``save_checkpoint`` hands the serialised checkpoint to the file
backend's ``put``; its ``LocalBackend`` opens the final path with ``'wb'``
and writes in place, so a process killed during the write (SIGKILL, OOM,
a pre-empted node) leaves a truncated ``iter_N.pth`` that ``--resume``
then fails to load. :class:`AtomicLocalBackend` writes to a temporary file
in the same folder, flushes and fsyncs it, then renames it over the final
path with :func:`os.replace`, which POSIX guarantees to be atomic: a reader
sees either the old complete file or the new complete file.

Importing :mod:`mmreidgen.engine` (``register_all_modules`` does) registers
it as mmengine's ``'local'`` backend, so every checkpoint, and every other
``mmengine.fileio.put``/``dump`` to a local path, is written atomically.

``CheckpointHook`` writes ``<work_dir>/last_checkpoint`` itself with
``open()``. A kill at that moment can leave it empty; a checkpoint from a
run without this module can be truncated; in a copied work dir it names
the original's file. :func:`find_resumable_checkpoint`
therefore checks the file named there and otherwise falls back to the
newest complete ``iter_*.pth``/``epoch_*.pth``; ``tools/train.py --resume``
uses it.
"""
import json
import os
import os.path as osp
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from mmengine.config import Config
from mmengine.fileio import LocalBackend, register_backend
from mmengine.logging import print_log

_CKPT_NAME = re.compile(r'^(iter|epoch)_(\d+)\.pth$')
_ZIP_MAGIC = b'PK\x03\x04'
# The process umask, read once (reading it means setting it).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _atomic_write(data: Union[bytes, str], filepath: Union[str, Path],
                  encoding: Optional[str] = None) -> None:
    """Write ``data`` to ``filepath`` through a fsynced temporary file."""
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    # Same folder, so that os.replace never crosses a filesystem; a leading
    # dot and a .tmp suffix so that no checkpoint glob matches it.
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(filepath)}.', suffix='.tmp', dir=folder)
    try:
        if isinstance(data, str):
            data = data.encode(encoding or 'utf-8')
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates the file with mode 0600; give it the usual mode.
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    # Persist the rename itself (the directory entry).
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic ``put`` and ``put_text``.

    A file is written to ``.<name>.<random>.tmp`` in the target folder,
    fsynced and renamed over the target, so the target is never seen
    half-written. Reading is unchanged.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically.

        Args:
            obj (bytes): Data to be written.
            filepath (str | Path): Destination path; missing folders are
                created.
        """
        _atomic_write(obj, filepath)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically.

        Args:
            obj (str): Text to be written.
            filepath (str | Path): Destination path.
            encoding (str): Text encoding. Defaults to 'utf-8'.
        """
        _atomic_write(obj, filepath, encoding=encoding)


def register_atomic_backend() -> None:
    """Make :class:`AtomicLocalBackend` mmengine's ``'local'`` backend."""
    register_backend(
        'local', AtomicLocalBackend, force=True, prefixes='')


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a complete ``torch.save`` file.

    ``torch.save`` writes a zip archive whose central directory is at the
    end of the file, so a truncated file fails this check without reading
    the tensors. A non-empty file in torch's legacy (non-zip) format cannot
    be checked cheaply and counts as complete.

    Args:
        path (str): Checkpoint path.

    Returns:
        bool: True for an existing file with an intact zip directory.
    """
    if not osp.isfile(path) or osp.getsize(path) == 0:
        return False
    try:
        with open(path, 'rb') as f:
            if f.read(4) != _ZIP_MAGIC:
                return True
        with zipfile.ZipFile(path) as archive:
            return len(archive.namelist()) > 0
    except (zipfile.BadZipFile, OSError, EOFError):
        return False


def list_checkpoints(work_dir: str) -> List[str]:
    """``iter_*.pth`` and ``epoch_*.pth`` in ``work_dir``, newest first."""
    if not osp.isdir(work_dir):
        return []
    found = []
    for name in os.listdir(work_dir):
        match = _CKPT_NAME.match(name)
        if match:
            found.append((int(match.group(2)), osp.join(work_dir, name)))
    return [path for _, path in sorted(found, reverse=True)]


def _in_folder(path: str, folder: str) -> bool:
    return osp.dirname(osp.realpath(path)) == osp.realpath(folder)


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint that ``--resume`` should continue from.

    The file named in ``<work_dir>/last_checkpoint`` when it is complete
    and lies in ``work_dir``; otherwise (the pointer is missing, empty,
    truncated, names a missing or truncated file, or names a file in
    another folder, as in a copy of a work dir, since mmengine writes an
    absolute path) the newest complete ``iter_*.pth``/``epoch_*.pth`` in
    ``work_dir``, with a logged warning saying why.

    Args:
        work_dir (str): The run's work dir.

    Returns:
        str | None: A checkpoint path, or None when there is none to resume.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(pointer):
        with open(pointer, encoding='utf-8', errors='replace') as f:
            named = f.read().strip() or None
        if named is not None and is_complete_checkpoint(named) and \
                _in_folder(named, work_dir):
            return named
    candidates = [p for p in list_checkpoints(work_dir)
                  if is_complete_checkpoint(p)]
    if not osp.isfile(pointer) and not candidates:
        return None
    why = ('is missing' if not osp.isfile(pointer) else
           'is empty' if named is None else
           f'names {named}, which is outside {work_dir} (a copied or '
           'moved work dir resumes only its own checkpoints)'
           if not _in_folder(named, work_dir) else
           f'names {named}, which is missing or truncated')
    if candidates:
        print_log(
            f'{pointer} {why}; resuming from the newest complete '
            f'checkpoint {candidates[0]} instead.',
            logger='current', level=30)
        return candidates[0]
    print_log(
        f'{pointer} {why} and {work_dir} holds no complete iter_*.pth or '
        'epoch_*.pth; training starts from scratch.',
        logger='current', level=30)
    return None


def load_checkpoint_file(path: str) -> dict:
    """``torch.load`` a checkpoint safely, with one message per failure.

    Loads with ``weights_only=True`` (and the types mmengine checkpoints
    hold, :func:`mmreidgen.utils.safe_load.register_safe_globals`). A
    missing, empty or truncated file, or one that holds other Python
    objects (which unpickling could run as code), raises an error that
    names the file, the cause and the fix, instead of torch's text (which
    suggests ``weights_only=False``, exactly what must not be done with an
    untrusted file).

    Args:
        path (str): The checkpoint.

    Returns:
        dict: What ``torch.save`` stored.

    Raises:
        FileNotFoundError: No such file.
        ValueError: Empty, truncated or not weights only.
    """
    import pickle

    import torch

    from mmreidgen.utils.safe_load import register_safe_globals
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Checkpoint {path} does not exist; pass a .pth file written by '
            'tools/train.py (e.g. <work_dir>/iter_N.pth).')
    register_safe_globals()
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:
        detail = next((line.strip() for line in str(err).splitlines()
                       if 'Unsupported global' in line), '')
        detail = detail.split(' was not an allowed global')[0]
        raise ValueError(
            f'Checkpoint {path} holds Python objects besides weights'
            f'{f" ({detail})" if detail else ""}, so it is not loaded: '
            'unpickling them could run code. Use a checkpoint written by '
            'tools/train.py, or, for a file you trust, save only its '
            'tensors (torch.save(dict(state_dict=model.state_dict()), ...)) '
            'and load that.') from None
    except (RuntimeError, EOFError, OSError) as err:
        if is_complete_checkpoint(path) and \
                not isinstance(err, (EOFError, OSError)):
            raise
        newest = [p for p in list_checkpoints(osp.dirname(path) or '.')
                  if p != path and is_complete_checkpoint(p)]
        hint = (f'the newest complete one in its folder is {newest[0]}'
                if newest else 'train again or take another checkpoint')
        raise ValueError(
            f'Checkpoint {path} is empty or truncated '
            f'({osp.getsize(path)} bytes; a write was cut short or a copy '
            f'is incomplete), so it cannot be loaded; {hint}.') from None


#: Config sections whose state ``--resume`` restores from the checkpoint
#: (optimizer, schedulers, loop) instead of building it from the config.
RESUMED_SECTIONS = ('optim_wrapper', 'param_scheduler', 'train_cfg')


def _flat(node: Any, prefix: str) -> Dict[str, Any]:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            out.update(_flat(value, f'{prefix}.{key}'))
        return out
    if isinstance(node, list) and any(isinstance(v, dict) for v in node):
        out = {}
        for i, value in enumerate(node):
            out.update(_flat(value, f'{prefix}.{i}'))
        return out
    return {prefix: node}


def _sections(cfg) -> Dict[str, Any]:
    plain = {k: cfg.get(k) for k in RESUMED_SECTIONS}
    # Tuples and lists, ConfigDict and dict compare equal.
    plain = json.loads(json.dumps(
        {k: v.to_dict() if hasattr(v, 'to_dict') else v
         for k, v in plain.items()}, default=str))
    out = {}
    for key, value in plain.items():
        out.update(_flat(value, key))
    return out


def check_resume_config(cfg, checkpoint: str) -> None:
    """Refuse to resume when the config changes what the checkpoint restores.

    Resuming restores the optimizer (its learning rate and momentum
    included), the schedulers (their milestones included) and the loop from
    the checkpoint, so an override of ``optim_wrapper``, ``param_scheduler``
    or ``train_cfg`` would be written into the config copy without taking
    effect. The checkpoint's ``meta.cfg`` (the config it was trained with)
    is compared with ``cfg`` in those sections.

    Args:
        cfg (Config): The config about to resume.
        checkpoint (str): The checkpoint it resumes.

    Raises:
        ValueError: Naming each changed key with both values.
    """
    meta = load_checkpoint_file(checkpoint).get('meta') or {}
    text = meta.get('cfg')
    if not text:
        return
    saved = _sections(Config.fromstring(text, '.py'))
    now = _sections(cfg)
    changed = sorted(k for k in set(saved) | set(now)
                     if saved.get(k) != now.get(k))
    if not changed:
        return
    shown = '; '.join(f'{k}: {saved.get(k)!r} -> {now.get(k)!r}'
                      for k in changed[:8])
    more = f' and {len(changed) - 8} more' if len(changed) > 8 else ''
    raise ValueError(
        f'--resume restores the optimizer, schedulers and loop of '
        f'{checkpoint}, so these changes would not take effect: {shown}'
        f'{more}. Nothing was run. Resume without them, or start a new run '
        'from its weights in another work dir: --work-dir NEW --cfg-options '
        f'load_from={checkpoint} (without --resume).')
