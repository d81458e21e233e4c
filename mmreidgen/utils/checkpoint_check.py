"""Refuse, with one clear message, a checkpoint that does not fit a model.

mmengine's ``load_checkpoint`` loads non-strictly: missing keys, unexpected
keys and shape mismatches are logged as warnings and the run goes on with
randomly initialised weights where they did not fit. For testing and for
resuming that silently produces wrong numbers, so ``tools/test.py`` and
``tools/train.py`` check the state dict first with
:func:`check_checkpoint_compatible`.
"""
import re
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.runner.checkpoint import get_state_dict

_REVISE_KEYS = ((r'^module\.', ''), )
_EXAMPLES = 3


class CheckpointMismatchError(ValueError):
    """A checkpoint's weights do not fit the model built from the config."""


def _state_dict_of(checkpoint: dict) -> Dict[str, torch.Tensor]:
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, dict):
        raise CheckpointMismatchError(
            'The checkpoint holds no state dict (found '
            f'{type(state).__name__}); pass a .pth file written by '
            'tools/train.py.')
    return state


def _model_type_of(checkpoint: dict) -> Optional[str]:
    """The ``model.type`` of the config stored in an mmengine checkpoint."""
    text = checkpoint.get('meta', {}).get('cfg') if isinstance(
        checkpoint.get('meta'), dict) else None
    if not isinstance(text, str):
        return None
    # ``cfg`` is the pretty text of the whole config; the model dict is a
    # top-level ``model = dict(...)`` (``model=dict(`` where the text was
    # not formatted) whose first-level ``type`` is the algorithm. Parse
    # lightly rather than executing the text.
    match = re.search(r'^model\s*=\s*dict\(', text, flags=re.M)
    if match is None:
        return None
    depth, i, body = 1, match.end(), []
    while i < len(text) and depth > 0:
        char = text[i]
        depth += char in '([{'
        depth -= char in ')]}'
        body.append(char if depth == 1 else ' ')
        i += 1
    found = re.search(r"\btype\s*=\s*'([^']+)'", ''.join(body))
    return found.group(1) if found else None


def _n(count: int, noun: str) -> str:
    return f'{count} {noun}' + ('' if count == 1 else 's')


def _examples(keys: Sequence[str]) -> str:
    shown = ', '.join(keys[:_EXAMPLES])
    more = len(keys) - _EXAMPLES
    return shown + (f' and {more} more' if more > 0 else '')


def _class_count_hint(
        shape_diffs: List[Tuple[str, tuple, tuple]]) -> Optional[str]:
    """A fix when the mismatch is only the classifier's number of ids."""
    for key, ckpt_shape, model_shape in shape_diffs:
        if (len(ckpt_shape) in (1, 2) and ckpt_shape[1:] == model_shape[1:]
                and ckpt_shape[0] != model_shape[0]
                and re.search(r'classif|\bfc\b|cls', key)):
            return (f'The checkpoint was trained with {ckpt_shape[0]} '
                    f'identities ({key}: {tuple(ckpt_shape)}) and the model '
                    f'has {model_shape[0]}: give the model the same number, '
                    f'e.g. --cfg-options model.head.num_classes='
                    f'{ckpt_shape[0]} (features for testing do not depend on '
                    'the classifier), or use the config of the dataset the '
                    'checkpoint was trained on.')
    return None


def check_checkpoint_compatible(model: nn.Module,
                                checkpoint: dict,
                                filename: str = 'The checkpoint',
                                revise_keys: Sequence[Tuple[str, str]] = (
                                    _REVISE_KEYS)) -> None:
    """Raise :class:`CheckpointMismatchError` unless ``checkpoint`` fits.

    It fits when it has exactly the model's state-dict keys (after
    ``revise_keys``, by default stripping a DDP ``module.`` prefix) with
    the same shapes.

    Args:
        model (nn.Module): The model; DDP wrappers, also around
            sub-modules, are looked through.
        checkpoint (dict): A loaded checkpoint (``{'state_dict': ...}``)
            or a bare state dict.
        filename (str): How to name the checkpoint in the message.
            Defaults to 'The checkpoint'.
        revise_keys (Sequence[tuple[str, str]]): ``(pattern, replacement)``
            applied to checkpoint keys, as in mmengine's loader.

    Raises:
        CheckpointMismatchError: With the counts and examples of missing,
            unexpected and mis-shaped keys, and the fix.
    """
    if is_model_wrapper(model):
        model = model.module
    state = _state_dict_of(checkpoint)
    revised = {}
    for key, value in state.items():
        for pattern, repl in revise_keys:
            key = re.sub(pattern, repl, key)
        revised[key] = value
    # Without wrapper prefixes, also of wrapped sub-modules
    # (MMSeparateDistributedDataParallel), as mmengine saves and loads.
    expected = get_state_dict(model)
    missing = sorted(k for k in expected if k not in revised)
    unexpected = sorted(k for k in revised if k not in expected)
    shape_diffs = []
    for key in sorted(set(expected) & set(revised)):
        ckpt_value, model_value = revised[key], expected[key]
        if not isinstance(ckpt_value, torch.Tensor):
            continue
        if tuple(ckpt_value.shape) != tuple(model_value.shape):
            shape_diffs.append(
                (key, tuple(ckpt_value.shape), tuple(model_value.shape)))
    if not (missing or unexpected or shape_diffs):
        return

    model_type = type(model).__name__
    ckpt_type = _model_type_of(checkpoint) if 'meta' in checkpoint else None
    problems = []
    if missing:
        verb = 'is' if len(missing) == 1 else 'are'
        problems.append(f'{len(missing)} of the model\'s '
                        f'{_n(len(expected), "weight")} {verb} missing from '
                        f'it ({_examples(missing)})')
    if unexpected:
        verb = 'is' if len(unexpected) == 1 else 'are'
        problems.append(f'{len(unexpected)} of its '
                        f'{_n(len(revised), "weight")} {verb} not in the '
                        f'model ({_examples(unexpected)})')
    if shape_diffs:
        shown = [f'{k}: checkpoint {c}, model {m}'
                 for k, c, m in shape_diffs]
        verb = 'differs' if len(shape_diffs) == 1 else 'differ'
        problems.append(f'{_n(len(shape_diffs), "weight")} {verb} in shape '
                        f'({_examples(shown)})')
    msg = (f'{filename} does not fit the {model_type} model built from the '
           f'config: {"; ".join(problems)}.')
    hint = None
    if not missing and not unexpected:
        hint = _class_count_hint(shape_diffs)
    if hint is None:
        saved_by = (f' It was saved by a {ckpt_type} model.'
                    if ckpt_type and ckpt_type != model_type else '')
        hint = (f'It was written for another model or another '
                f'configuration of this one.{saved_by} Use the config the '
                'checkpoint was trained with (tools/misc/print_config.py '
                'shows a config; the checkpoint stores its own under '
                "meta['cfg']), or a checkpoint of this config's model.")
    raise CheckpointMismatchError(f'{msg} {hint}')

