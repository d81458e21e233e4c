"""Autocast without loss scaling, on the CPU or the GPU."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from mmreidgen.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """Run forward passes under ``torch.autocast`` on the model's device.

    mmengine's ``AmpOptimWrapper`` asserts that CUDA (or NPU/MLU) is present
    and always attaches a loss scaler. bfloat16 has float32's exponent
    range, so it needs no loss scaling; this wrapper gives bfloat16
    autocast on CPU-only machines and on GPUs, and to models that step
    several wrappers on one backward pass (DG-Net), which loss scaling
    cannot serve. ``tools/train.py --amp`` picks it on CPU and with
    ``--amp-dtype bfloat16``; ``AmpOptimWrapper`` (float16, dynamic loss
    scale) stays the GPU default.

    Args:
        dtype (str): Autocast dtype, 'bfloat16' (default) or 'float16'
            (float16 without loss scaling may underflow small gradients).
        **kwargs: ``OptimWrapper`` arguments.
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError(
                f"dtype must be 'bfloat16' or 'float16', got {dtype!r}")
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        param = next(model.parameters(), None)
        device_type = 'cpu' if param is None else param.device.type
        with super().optim_context(model), torch.autocast(
                device_type, dtype=self.cast_dtype):
            yield
