from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .multi_optim_wrapper_constructor import MultiOptimWrapperConstructor

__all__ = ['CPUAmpOptimWrapper', 'MultiOptimWrapperConstructor']
