"""mmengine's optimizer constructor, with equal parameter groups merged.

With any ``paramwise_cfg`` (every re-id config has one: the classifier
learns 10x faster), mmengine's ``DefaultOptimWrapperConstructor`` gives
each parameter a group of its own: 62 groups for the small ResNet-18
baseline. The optimizer's step and every LR scheduler's step then
loop over all of them in Python. :class:`ReIDOptimWrapperConstructor`
merges consecutive groups whose options are equal (for the baseline, into
two: everything but the classifier, and the classifier). Each parameter
keeps its learning rate, weight decay and momentum, and the parameters
keep their order, so every update is the same to the bit (tested); an
iteration of the small baseline took 4 % less time on 2 CPU cores
(``tools/analysis_tools/benchmark_data.py``, ``docs/en/benchmarks.md``,
"Data loading").

Checkpoints written with one group per parameter (before 2026-12-01)
still resume: the optimizer merges their groups the same way on loading,
and :func:`regroup_scheduler_states` does the same for the LR schedulers'
per-group values (:class:`~mmreidgen.engine.runner.ReIDRunner` calls it
after resuming).
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapper

from mmreidgen.registry import OPTIM_WRAPPER_CONSTRUCTORS

#: Attribute of a torch optimizer that loaded a checkpoint with unmerged
#: groups: (number of saved groups, index of the first saved group of each
#: merged one), read by :func:`regroup_scheduler_states`.
_REGROUPED = '_mmreidgen_regrouped'


def _same(a: dict, b: dict) -> bool:
    """Equal options (tensors compare by identity, never element-wise)."""
    if a.keys() != b.keys():
        return False
    return all(
        x is y or (type(x) is type(y) and not torch.is_tensor(x) and x == y)
        for x, y in ((a[k], b[k]) for k in a))


def merge_runs(
        groups: Sequence[dict],
        defaults: Optional[dict] = None) -> Tuple[List[dict], List[int]]:
    """Merge runs of consecutive groups whose options are equal.

    Args:
        groups (sequence[dict]): Parameter groups (``params`` plus options).
        defaults (dict, optional): Options a group without them gets (the
            optimizer's), used only to compare groups.

    Returns:
        tuple[list[dict], list[int]]: The merged groups (the options of the
        first group of each run, the parameters of all of them in order)
        and the index of each run's first group.
    """
    merged: List[dict] = []
    firsts: List[int] = []
    last = None
    for i, group in enumerate(groups):
        options = dict(defaults or {})
        options.update((k, v) for k, v in group.items() if k != 'params')
        if last is not None and _same(options, last):
            merged[-1]['params'].extend(group['params'])
            continue
        merged.append(dict(group, params=list(group['params'])))
        firsts.append(i)
        last = options
    return merged, firsts


def _merge_saved_groups(optimizer: torch.optim.Optimizer,
                        state_dict: dict) -> Optional[dict]:
    """Load-state-dict pre-hook: merge a checkpoint's per-parameter groups
    the way the optimizer's were merged (the parameter order, and so the
    saved per-parameter state, is the same)."""
    saved = state_dict['param_groups']
    if len(saved) <= len(optimizer.param_groups):
        return None
    merged, firsts = merge_runs(saved)
    if len(merged) != len(optimizer.param_groups):
        return None  # torch's own error names the mismatch
    setattr(optimizer, _REGROUPED, (len(saved), firsts))
    return dict(state_dict, param_groups=merged)


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class ReIDOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """``DefaultOptimWrapperConstructor`` with equal groups merged.

    Same arguments and config as mmengine's; what
    :class:`~mmreidgen.engine.runner.ReIDRunner` builds when
    ``optim_wrapper`` names no ``constructor``.
    """

    def add_params(self,
                   params: List[dict],
                   module: nn.Module,
                   prefix: str = '',
                   is_dcn_module=None) -> None:
        super().add_params(params, module, prefix, is_dcn_module)
        if prefix == '':  # the top-level call: every group is in
            defaults = {k: v for k, v in self.optimizer_cfg.items()
                        if k != 'type'}
            params[:] = merge_runs(params, defaults)[0]

    def __call__(self, model: nn.Module) -> OptimWrapper:
        wrapper = super().__call__(model)
        wrapper.optimizer.register_load_state_dict_pre_hook(
            _merge_saved_groups)
        return wrapper


def regroup_scheduler_states(schedulers) -> None:
    """Shorten the per-group values of schedulers restored from a
    checkpoint whose optimizer had one group per parameter.

    Args:
        schedulers: The runner's ``param_schedulers`` (a list, or a dict of
            lists for several optimizers); None is ignored.
    """
    if isinstance(schedulers, dict):
        flat = [s for group in schedulers.values() for s in group]
    else:
        flat = list(schedulers or [])
    optimizers = []
    for scheduler in flat:
        optimizer = getattr(scheduler, 'optimizer', None)
        optimizer = getattr(optimizer, 'optimizer', optimizer)
        regrouped = getattr(optimizer, _REGROUPED, None)
        if regrouped is None:
            continue
        optimizers.append(optimizer)
        count, firsts = regrouped
        for name, value in list(vars(scheduler).items()):
            # One value per group, and one more for mmengine's
            # ``base_param_settings`` (the logged base_lr) when the
            # wrapper has them: they come last.
            if isinstance(value, list) and len(value) in (count, count + 1):
                setattr(scheduler, name,
                        [value[i] for i in firsts] + value[count:])
    for optimizer in optimizers:
        if hasattr(optimizer, _REGROUPED):
            delattr(optimizer, _REGROUPED)


def with_default_constructor(optim_wrapper):
    """``optim_wrapper`` with ``constructor='ReIDOptimWrapperConstructor'``
    where it builds one optimizer and names no constructor (other values
    are returned as they are)."""
    if isinstance(optim_wrapper, dict) and 'constructor' not in (
            optim_wrapper) and isinstance(optim_wrapper.get('optimizer'),
                                          dict):
        optim_wrapper = dict(optim_wrapper,
                             constructor='ReIDOptimWrapperConstructor')
    return optim_wrapper
