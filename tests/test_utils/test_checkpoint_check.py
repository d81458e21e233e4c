"""A checkpoint that does not fit the model fails with one clear message."""
from types import SimpleNamespace

import pytest
import torch.nn as nn
from mmengine.config import Config

from mmreidgen.engine.hooks import CheckpointCheckHook
from mmreidgen.registry import MODELS
from mmreidgen.utils import (
    CheckpointMismatchError,
    check_checkpoint_compatible,
)


def tiny_baseline(num_classes: int) -> nn.Module:
    return MODELS.build(
        dict(
            type='ReIDBaseline',
            backbone=dict(
                type='mmpretrain.ResNet', depth=18, stem_channels=8,
                base_channels=8, out_indices=(3, )),
            head=dict(
                type='ReIDHead', in_channels=64, num_classes=num_classes,
                loss_cls=dict(type='CrossEntropyLoss'))))


def test_matching_checkpoint_passes_with_ddp_prefix():
    model = tiny_baseline(751)
    state = {f'module.{k}': v for k, v in model.state_dict().items()}
    check_checkpoint_compatible(model, {'state_dict': state})
    check_checkpoint_compatible(model, model.state_dict())


class _Wrapper(nn.Module):
    """Stands in for a DDP wrapper (registered as a model wrapper)."""

    def __init__(self, module):
        super().__init__()
        self.module = module


def test_wrapped_sub_modules_are_looked_through():
    # MMSeparateDistributedDataParallel wraps each sub-module; checkpoints
    # hold the bare keys.
    from mmengine.registry import MODEL_WRAPPERS
    if MODEL_WRAPPERS.get('_TestSubWrapper') is None:
        MODEL_WRAPPERS.register_module('_TestSubWrapper', module=_Wrapper)
    model = tiny_baseline(10)
    ckpt = {'state_dict': model.state_dict()}
    model.backbone = _Wrapper(model.backbone)
    assert any(k.startswith('backbone.module.')
               for k in model.state_dict())
    check_checkpoint_compatible(_Wrapper(model), ckpt)


def test_other_class_count_names_both_and_the_fix():
    ckpt = {'state_dict': tiny_baseline(751).state_dict()}
    with pytest.raises(CheckpointMismatchError) as info:
        check_checkpoint_compatible(
            tiny_baseline(702), ckpt, filename='Checkpoint market.pth')
    msg = str(info.value)
    assert msg.startswith('Checkpoint market.pth does not fit the '
                          'ReIDBaseline model')
    assert 'head.classifier.weight: checkpoint (751, 64), model (702, 64)' \
        in msg
    assert 'model.head.num_classes=751' in msg
    assert '\n' not in msg


def test_other_model_names_the_model_it_was_saved_from():
    other = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    cfg_text = Config(
        dict(model=dict(type='CRGAN', generator=dict(type='CRGANGenerator'))
             )).pretty_text
    ckpt = {'state_dict': other.state_dict(), 'meta': {'cfg': cfg_text}}
    with pytest.raises(CheckpointMismatchError) as info:
        check_checkpoint_compatible(tiny_baseline(10), ckpt)
    msg = str(info.value)
    assert 'weights are missing from it (backbone.' in msg
    assert '7 of its 7 weights are not in the model (0.bias' in msg
    assert 'It was saved by a CRGAN model.' in msg
    assert 'Use the config the checkpoint was trained with' in msg


def _runner(model, resume: bool, load_from='x.pth'):
    return SimpleNamespace(
        model=model, cfg=Config(dict(resume=resume, load_from=load_from)))


def test_hook_checks_resume_by_default_and_load_only_when_asked():
    ckpt = {'state_dict': tiny_baseline(751).state_dict()}
    model = tiny_baseline(702)
    # Fine-tuning with load_from may change the classifier.
    CheckpointCheckHook().after_load_checkpoint(
        _runner(model, resume=False), ckpt)
    with pytest.raises(CheckpointMismatchError, match='Checkpoint x.pth'):
        CheckpointCheckHook().after_load_checkpoint(
            _runner(model, resume=True), ckpt)
    with pytest.raises(CheckpointMismatchError,
                       match='^The resumed checkpoint'):
        CheckpointCheckHook().after_load_checkpoint(
            _runner(model, resume=True, load_from=None), ckpt)
    with pytest.raises(CheckpointMismatchError):
        CheckpointCheckHook(on_load=True).after_load_checkpoint(
            _runner(model, resume=False), ckpt)
