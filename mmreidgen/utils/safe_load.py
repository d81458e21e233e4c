"""Safe checkpoint loading for mmengine runs on torch >= 2.6.

``torch.load`` defaults to ``weights_only=True``. mmengine 0.10.7's own
checkpoints also hold its ``HistoryBuffer`` (the message hub's logs) and
numpy scalars and arrays, so resuming fails out of the box. Rather than
switching safe loading off, we allow-list exactly those types.
"""
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


def register_safe_globals() -> None:
    """Allow-list mmengine's checkpoint types for ``weights_only`` loads."""
    global _REGISTERED
    if _REGISTERED:
        return
    torch.serialization.add_safe_globals(safe_globals())
    _REGISTERED = True
