"""Safe checkpoint loading for mmengine runs on torch >= 2.6.

``torch.load`` defaults to ``weights_only=True``. mmengine 0.10.7's own
checkpoints also hold its ``HistoryBuffer`` (the message hub's logs) and
numpy scalars and arrays, so resuming fails out of the box. Rather than
switching safe loading off, we allow-list exactly those types.

The maintained line (onedl-mmengine) loads local checkpoints through a
helper that retries with ``weights_only=False`` when the safe load fails,
so a checkpoint that pickles code would run it. mmreidgen therefore
registers its own loader for local paths through mmengine's documented
extension point (``CheckpointLoader.register_scheme``): ``torch.load`` with
``weights_only=True`` and nothing else, on both lines.
"""
import os.path as osp
import pickle

import numpy as np
import torch

_REGISTERED = False


def _history_buffer_getattr(obj, name: str):
    """``getattr`` restricted to ``HistoryBuffer``'s statistics methods.

    ``HistoryBuffer.__getstate__`` pickles its ``statistics_methods``
    (``HistoryBuffer.min``, ...), which pickle writes as
    ``getattr(HistoryBuffer, 'min')``. Allowing the real ``getattr`` would
    let a checkpoint reach any attribute; this stand-in is registered under
    the name ``builtins.getattr`` and resolves only those methods.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    allowed = {'min', 'max', 'current', 'mean'}
    allowed.update(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'weights_only load: getattr({obj!r}, {name!r}) is not allowed; '
        'only the statistics methods of mmengine HistoryBuffer are.')


def safe_globals() -> list:
    """Return the non-tensor types that mmengine checkpoints contain."""
    from mmengine.logging.history_buffer import HistoryBuffer
    multiarray = getattr(np, '_core', getattr(np, 'core', None)).multiarray
    types = [
        HistoryBuffer,
        np.ndarray,
        np.dtype,
        multiarray._reconstruct,
        multiarray.scalar,
        (_history_buffer_getattr, 'builtins.getattr'),
    ]
    # numpy >= 1.25 pickles dtypes through their per-type classes.
    for name in ('Float64DType', 'Float32DType', 'Int64DType', 'Int32DType',
                 'BoolDType', 'UInt8DType', 'Float16DType'):
        dtype_cls = getattr(np.dtypes, name, None)
        if dtype_cls is not None:
            types.append(dtype_cls)
    return types


def load_local_weights_only(filename: str, map_location=None):
    """mmengine's loader of local checkpoint files, with ``weights_only``.

    Raises:
        FileNotFoundError: When there is no such file.
        pickle.UnpicklingError: When the file holds anything but tensors
            and the allow-listed types (never retried unsafely).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location,
                      weights_only=True)


def register_safe_globals() -> None:
    """Allow-list mmengine's checkpoint types for ``weights_only`` loads,
    and make mmengine load local checkpoints with ``weights_only=True``."""
    global _REGISTERED
    if _REGISTERED:
        return
    from mmengine.runner.checkpoint import CheckpointLoader
    torch.serialization.add_safe_globals(safe_globals())
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_weights_only, force=True)
    _REGISTERED = True
