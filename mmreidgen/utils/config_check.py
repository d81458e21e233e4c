"""Config checks and adjustments that the tools apply before building."""
from typing import Optional

import torch
from mmengine.config import Config


def cap_num_workers(cfg: Config) -> None:
    """Use at most one dataloader worker per CPU core.

    More workers than cores only compete with the model (and each other)
    for the CPU: on a 2-core machine, 4 test workers cut feature
    extraction to 0.85x of the forward-only speed, 2 workers did not slow
    it (docs/en/benchmarks.md). Machines with enough cores keep the
    configured number.

    Args:
        cfg (Config): The config whose ``train/val/test_dataloader`` are
            edited in place.
    """
    import os

    from mmengine.logging import print_log
    cores = os.cpu_count() or 1
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if not loader or loader.get('num_workers', 0) <= cores:
            continue
        print_log(
            f'{key}.num_workers={loader["num_workers"]} is more than the '
            f'{cores} CPU cores; using {cores}.', logger='current')
        loader['num_workers'] = cores


def drop_pretrained(node):
    """Set every ``init_cfg=dict(type='Pretrained', ...)`` inside ``node``
    to None, in place, and return ``node``.

    Used by tests and benchmarks that build full-size configs without the
    ImageNet weight files (nothing is downloaded).
    """
    if isinstance(node, dict):
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            node['init_cfg'] = None
        for value in node.values():
            drop_pretrained(value)
    elif isinstance(node, list):
        for value in node:
            drop_pretrained(value)
    return node


def amp_dtype(dtype: Optional[str] = None) -> str:
    """The autocast dtype ``--amp`` uses: ``dtype``, or by default float16
    on GPU and bfloat16 on CPU."""
    return dtype or ('float16' if torch.cuda.is_available() else 'bfloat16')


def enable_amp(cfg: Config, dtype: Optional[str] = None) -> None:
    """Switch every plain optim wrapper of ``cfg`` to mixed precision.

    float16 on GPU: mmengine's ``AmpOptimWrapper`` (dynamic loss scale).
    bfloat16, the CPU default: ``AutocastOptimWrapper`` (autocast on the
    model's device, no loss scaling), because ``AmpOptimWrapper`` requires
    CUDA and DG-Net's joint step cannot use a loss scaler. Single wrappers,
    ``MultiOptimWrapperConstructor`` dicts are switched (a pipeline's
    stages are switched one by one by ``PipelineRunner(amp_dtype=...)``);
    wrappers with a non-default ``type`` are left alone.

    Args:
        cfg (Config): The config, changed in place.
        dtype (str, optional): ``'float16'`` or ``'bfloat16'``. Defaults to
            None: float16 on GPU, bfloat16 on CPU.
    """
    on_gpu = torch.cuda.is_available()
    dtype = amp_dtype(dtype)
    if dtype == 'float16' and not on_gpu:
        raise ValueError(
            '--amp-dtype float16 needs a GPU (loss-scaled float16 autocast '
            'is CUDA-only in mmengine); use --amp-dtype bfloat16 on CPU.')
    configs = [cfg.optim_wrapper] if cfg.get('optim_wrapper') else []
    for wrappers in configs:
        if 'constructor' in wrappers and 'optimizer' not in wrappers:
            # {sub-module: wrapper cfg} for MultiOptimWrapperConstructor.
            wrappers = {
                k: v
                for k, v in wrappers.items() if isinstance(v, dict)
            }
        else:
            wrappers = {'': wrappers}
        for wrapper in wrappers.values():
            if wrapper.get('type', 'OptimWrapper') != 'OptimWrapper':
                continue
            if dtype == 'float16':
                wrapper['type'] = 'AmpOptimWrapper'
                wrapper.setdefault('loss_scale', 'dynamic')
            else:
                wrapper['type'] = 'AutocastOptimWrapper'
                wrapper['dtype'] = 'bfloat16'


def _type_errors(node, where: str, registry) -> list:
    """``(key, name, closest)`` for each unregistered ``type`` of ``node``."""
    import difflib
    name = node.get('type') if isinstance(node, dict) else None
    if not isinstance(name, str) or registry.get(name) is not None:
        return []
    known = set()
    reg = registry
    while reg is not None:
        known |= set(reg.module_dict)
        reg = reg.parent
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
    return [(f'{where}.type', name, close)]


def check_optimizer_types(cfg: Config) -> None:
    """Refuse an optimizer, optim wrapper or scheduler type that is not
    registered, naming the key and the closest registered names.

    mmengine builds them late and, for an unknown optimizer, fails with
    ``TypeError: None is not a callable object``.

    Args:
        cfg (Config): A resolved config about to train.

    Raises:
        ValueError: Naming the key, the type and the closest names.
    """
    from mmreidgen.registry import (
        OPTIM_WRAPPERS,
        OPTIMIZERS,
        PARAM_SCHEDULERS,
    )
    errors = []
    wrapper = cfg.get('optim_wrapper')
    if isinstance(wrapper, dict):
        if 'optimizer' in wrapper or 'type' in wrapper:
            wrappers = {'optim_wrapper': wrapper}
        else:  # one wrapper per sub-module
            wrappers = {f'optim_wrapper.{k}': v for k, v in wrapper.items()
                        if isinstance(v, dict)}
        for where, sub in wrappers.items():
            errors += _type_errors(sub, where, OPTIM_WRAPPERS)
            errors += _type_errors(sub.get('optimizer'), f'{where}.optimizer',
                                   OPTIMIZERS)
    schedulers = cfg.get('param_scheduler')
    groups = schedulers.items() if isinstance(schedulers, dict) else [
        (None, schedulers)]
    for group, items in groups:
        items = items if isinstance(items, (list, tuple)) else [items]
        for i, item in enumerate(items):
            where = 'param_scheduler' + (f'.{group}' if group else '') + (
                f'.{i}')
            errors += _type_errors(item, where, PARAM_SCHEDULERS)
    if errors:
        key, name, close = errors[0]
        hint = f'did you mean {", ".join(map(repr, close))}?' if close \
            else 'register it, or load its module with custom_imports.'
        raise ValueError(f"{key}={name!r} is not registered; {hint}")
