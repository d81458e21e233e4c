from .autocast_optim_wrapper import AutocastOptimWrapper
from .multi_optim_wrapper_constructor import MultiOptimWrapperConstructor
from .reid_optim_wrapper_constructor import (
    ReIDOptimWrapperConstructor,
    regroup_scheduler_states,
    with_default_constructor,
)

__all__ = [
    'AutocastOptimWrapper', 'MultiOptimWrapperConstructor',
    'ReIDOptimWrapperConstructor', 'regroup_scheduler_states',
    'with_default_constructor'
]
