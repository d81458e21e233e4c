"""One optimizer per sub-module, gathered in an ``OptimWrapperDict``."""
from typing import Optional

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapperDict

from mmreidgen.registry import OPTIM_WRAPPER_CONSTRUCTORS

from .reid_optim_wrapper_constructor import ReIDOptimWrapperConstructor


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """Build ``OptimWrapperDict(name=OptimWrapper of model.<name>)``.

    For GANs and multi-part models: every key of the config names a
    sub-module of the model and holds an ordinary optim wrapper config
    (``optimizer``, optional ``type``, ``paramwise_cfg``, ...), built with
    :class:`ReIDOptimWrapperConstructor` (mmengine's default constructor,
    equal parameter groups merged) on that sub-module::

        optim_wrapper = dict(
            constructor='MultiOptimWrapperConstructor',
            generator=dict(optimizer=dict(type='Adam', lr=2e-4)),
            discriminator=dict(optimizer=dict(type='Adam', lr=2e-4)))

    Args:
        optim_wrapper_cfg (dict): ``{sub-module name: wrapper config}``.
        paramwise_cfg (dict, optional): Not used at this level; give it per
            sub-module. Must be None.
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        if paramwise_cfg is not None:
            raise ValueError(
                'MultiOptimWrapperConstructor takes paramwise_cfg per '
                'sub-module: optim_wrapper=dict(generator=dict(optimizer='
                '..., paramwise_cfg=...)), not at the top level.')
        if not optim_wrapper_cfg:
            raise ValueError(
                'MultiOptimWrapperConstructor needs at least one '
                '`<sub-module name>=dict(optimizer=...)` entry.')
        self.constructors = {}
        for name, cfg in optim_wrapper_cfg.items():
            if not isinstance(cfg, dict) or 'optimizer' not in cfg:
                raise TypeError(
                    f'optim_wrapper.{name} must be a dict with an '
                    f'`optimizer`, got {cfg!r}')
            cfg = dict(cfg)
            cfg.setdefault('type', 'OptimWrapper')
            paramwise = cfg.pop('paramwise_cfg', None)
            self.constructors[name] = ReIDOptimWrapperConstructor(
                cfg, paramwise)

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        wrappers = {}
        for name, constructor in self.constructors.items():
            module = getattr(model, name, None)
            if not isinstance(module, nn.Module):
                children = [n for n, _ in model.named_children()]
                raise AttributeError(
                    f'optim_wrapper has an entry {name!r} but '
                    f'{type(model).__name__} has no such sub-module; '
                    f'choose among {children}.')
            wrappers[name] = constructor(module)
        return OptimWrapperDict(**wrappers)
