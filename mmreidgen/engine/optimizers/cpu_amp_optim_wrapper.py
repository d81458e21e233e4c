"""Mixed precision on the CPU, where mmengine's AmpOptimWrapper refuses."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from mmreidgen.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """Run forward passes under ``torch.autocast('cpu', bfloat16)``.

    mmengine's ``AmpOptimWrapper`` asserts that CUDA (or NPU/MLU) is
    present. bfloat16 has float32's exponent range, so no loss scaling is
    needed. ``tools/train.py --amp`` picks this wrapper on CPU-only
    machines and ``AmpOptimWrapper`` (float16 + dynamic loss scale) on GPU.

    Args:
        dtype (str): Autocast dtype, 'bfloat16' (default) or 'float16'.
        **kwargs: ``OptimWrapper`` arguments.
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs) -> None:
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError(
                f"dtype must be 'bfloat16' or 'float16', got {dtype!r}")
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                'cpu', dtype=self.cast_dtype):
            yield
