"""Strict loading of pretrained backbone weights.

mmengine's ``Pretrained`` initializer loads with ``strict=False`` and only
logs the keys it could not use, so a checkpoint in another key layout
leaves the backbone random without stopping the run. In the ``mmreidgen``
scope, ``init_cfg=dict(type='Pretrained', checkpoint=PATH)`` builds
:class:`StrictPretrainedInit` instead (a child node of mmengine's
``WEIGHT_INITIALIZERS``; outside the scope mmengine's own stays). The name
stays ``'Pretrained'`` because mmpretrain backbones test for it: ResNet
skips its zero-init of the last BN of each block after a ``'Pretrained'``
load, which any other name would silently undo.

The initializer reads a local file with ``torch.load(weights_only=True)``,
finds the key layout that fits the module and raises
:class:`PretrainedKeyMismatchError` naming how many keys matched and
which are missing when none fits. Accepted layouts:

- the module's own keys (an mmpretrain backbone's ``state_dict()``);
- an mmpretrain/mmreidgen model checkpoint, keys under ``backbone.``
  (``state_dict``/``model`` wrappers and a ``module.`` prefix are removed);
- torchvision's ``resnet50`` (same names as ``mmpretrain.ResNet``; its
  ``fc.*`` is dropped);
- torchvision's ``densenet121`` (renamed by
  :func:`convert_torchvision_densenet`; its ``classifier.*`` is dropped).
"""
import logging
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.logging import print_log
from mmengine.model.weight_init import update_init_info
from torch import nn

from mmreidgen.registry import WEIGHT_INITIALIZERS
from mmreidgen.utils.safe_load import register_safe_globals

# Classifier weights of ImageNet checkpoints that a backbone never holds.
HEAD_PREFIXES = ('fc.', 'classifier.', 'head.', 'neck.',
                 'data_preprocessor.')
WEIGHT_SOURCES = (
    'ResNet-50: torchvision ResNet50_Weights.IMAGENET1K_V1 '
    '(https://download.pytorch.org/models/resnet50-0676ba61.pth) or an '
    'mmpretrain ResNet-50 checkpoint; DenseNet-121: torchvision '
    'DenseNet121_Weights.IMAGENET1K_V1 (https://download.pytorch.org/'
    'models/densenet121-a639ec97.pth) or an mmpretrain DenseNet-121 '
    'checkpoint. See docs/en/pretrained.md.')


class PretrainedKeyMismatchError(RuntimeError):
    """The pretrained file does not fit the module it initialises."""


def convert_torchvision_densenet(state: Dict[str, torch.Tensor]) -> dict:
    """Rename torchvision DenseNet keys to ``mmpretrain.DenseNet`` keys.

    ``features.conv0/norm0`` -> ``stem.0/1``;
    ``features.denseblock{i}.denselayer{j}.*`` ->
    ``stages.{i-1}.block.{j-1}.*``; ``features.transition{i}.*`` ->
    ``transitions.{i-1}.*``; ``features.norm5`` -> ``transitions.3.0``
    (mmpretrain's last transition is that BN and a ReLU). The legacy
    names of torchvision's released file (``denselayer1.norm.1.weight``
    for ``denselayer1.norm1.weight``) are accepted. Other keys
    (``classifier.*``) are kept unchanged.

    Args:
        state (dict): A torchvision DenseNet state dict.

    Returns:
        dict: The renamed state dict.
    """
    rules = [
        (r'^features\.conv0\.', 'stem.0.'),
        (r'^features\.norm0\.', 'stem.1.'),
        (r'^features\.denseblock(\d+)\.denselayer(\d+)\.',
         lambda m: f'stages.{int(m[1]) - 1}.block.{int(m[2]) - 1}.'),
        (r'^features\.transition(\d+)\.',
         lambda m: f'transitions.{int(m[1]) - 1}.'),
        (r'^features\.norm5\.', 'transitions.3.0.'),
    ]
    legacy = re.compile(r'(denselayer\d+\.(?:norm|relu|conv))\.([12])\.')
    out = OrderedDict()
    for key, value in state.items():
        key = legacy.sub(r'\1\2.', key)
        new = key
        for pattern, repl in rules:
            new, n = re.subn(pattern, repl, key)
            if n:
                break
        out[new] = value
    return out


def _strip(state: dict, prefix: str) -> dict:
    return OrderedDict((k[len(prefix):], v) for k, v in state.items()
                       if k.startswith(prefix))


def _candidates(state: dict, prefix: Optional[str]) -> List[Tuple[str, dict]]:
    """Every layout the file may be in, as (name, state dict) pairs."""
    if any(k.startswith('module.') for k in state):
        state = _strip(state, 'module.')
    if prefix is not None:
        state = _strip(state, prefix)
        cands = [(f'keys under {prefix!r}', state)]
    else:
        cands = [('module keys', state)]
        if any(k.startswith('backbone.') for k in state):
            cands.append(('mmpretrain model (backbone.)',
                          _strip(state, 'backbone.')))
    if any(k.startswith('features.denseblock') for k in state):
        cands.append(('torchvision DenseNet',
                      convert_torchvision_densenet(state)))
    return cands


def match_backbone_state(
        module: nn.Module,
        state: Dict[str, torch.Tensor],
        prefix: Optional[str] = None,
        ignore_prefixes: Sequence[str] = HEAD_PREFIXES
) -> Tuple[str, dict, List[str], List[str], List[str]]:
    """Pick the key layout of ``state`` that fits ``module`` best.

    Args:
        module (nn.Module): The module to initialise.
        state (dict): The loaded state dict.
        prefix (str, optional): Use only keys under this prefix (stripped).
        ignore_prefixes (Sequence[str]): Unused file keys with these
            prefixes (classifier heads) are not reported as unexpected.

    Returns:
        tuple: ``(layout name, matched state dict, missing keys,
        shape-mismatched keys, unexpected keys)``.
    """
    target = module.state_dict()
    best = None
    for name, cand in _candidates(state, prefix):
        matched = OrderedDict(
            (k, v) for k, v in cand.items()
            if k in target and tuple(v.shape) == tuple(target[k].shape))
        if best is None or len(matched) > len(best[1]):
            missing = [k for k in target if k not in matched]
            shape = [k for k in missing if k in cand]
            unexpected = [
                k for k in cand
                if k not in target and not k.startswith(tuple(
                    ignore_prefixes))
            ]
            best = (name, matched, missing, shape, unexpected)
    return best


@WEIGHT_INITIALIZERS.register_module(name='Pretrained')
class StrictPretrainedInit:
    """Initialise a module from a local file; stop when the keys misfit.

    Built for ``init_cfg=dict(type='Pretrained', ...)`` in the
    ``mmreidgen`` scope; takes mmengine ``PretrainedInit``'s arguments.

    Args:
        checkpoint (str): Local checkpoint file.
        prefix (str, optional): Load only the keys under this prefix, e.g.
            ``'backbone.'``. Defaults to None (the layout is detected).
        map_location (str): Where tensors are loaded. Defaults to ``'cpu'``.
        strict (bool): Raise :class:`PretrainedKeyMismatchError` when a
            module key is missing, has another shape, or the file has keys
            the module lacks (classifier heads excepted). False loads what
            matches and logs the rest, as mmengine's initializer does.
            Defaults to True.
    """

    def __init__(self,
                 checkpoint: str,
                 prefix: Optional[str] = None,
                 map_location: str = 'cpu',
                 strict: bool = True) -> None:
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.map_location = map_location
        self.strict = strict

    def _load(self) -> dict:
        if not osp.isfile(self.checkpoint):
            raise FileNotFoundError(
                f'Pretrained checkpoint {self.checkpoint} not found; '
                'nothing is downloaded at run time. Put the file there or '
                f'set the config\'s `pretrained`. Files: {WEIGHT_SOURCES}')
        # a runner checkpoint (final.pth of a pretrain stage) also holds
        # mmengine's message-hub types
        register_safe_globals()
        state = torch.load(
            self.checkpoint, map_location=self.map_location,
            weights_only=True)
        for key in ('state_dict', 'model'):
            if isinstance(state, dict) and isinstance(state.get(key), dict):
                state = state[key]
        if not isinstance(state, dict):
            raise PretrainedKeyMismatchError(
                f'{self.checkpoint} holds a {type(state).__name__}, not a '
                'state dict.')
        return state

    def __call__(self, module: nn.Module) -> None:
        state = self._load()
        layout, matched, missing, shape, unexpected = match_backbone_state(
            module, state, self.prefix)
        total = len(module.state_dict())
        summary = (f'{self.checkpoint} -> {type(module).__name__}: '
                   f'{len(matched)}/{total} keys matched ({layout} layout)')
        if (missing or unexpected) and self.strict:
            lines = [
                f'{summary}; the file does not fit the model.',
                f'missing ({len(missing)}): {missing[:10]}' +
                (' ...' if len(missing) > 10 else ''),
            ]
            if shape:
                lines.append(f'of which shape mismatch ({len(shape)}): '
                             f'{shape[:5]}')
            if unexpected:
                lines.append(f'unexpected in the file ({len(unexpected)}): '
                             f'{unexpected[:10]}' +
                             (' ...' if len(unexpected) > 10 else ''))
            lines.append('Use a checkpoint of the same architecture (set '
                         "prefix='backbone.' for a whole-model checkpoint), "
                         f'or strict=False to load what matches. Files: '
                         f'{WEIGHT_SOURCES}')
            raise PretrainedKeyMismatchError('\n'.join(lines))
        module.load_state_dict(matched, strict=False)
        if missing or unexpected:  # only reachable with strict=False
            print_log(
                f'{summary}; {len(missing)} missing, {len(unexpected)} '
                'unexpected keys left as they were', logger='current',
                level=logging.WARNING)
        else:
            print_log(summary, logger='current')
        if hasattr(module, '_params_init_info'):
            update_init_info(
                module,
                init_info=f'{type(self).__name__}: load from '
                f'{self.checkpoint}')
