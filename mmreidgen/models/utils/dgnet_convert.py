"""Convert the released DG-Net model (NVlabs/DG-Net) to :class:`DGNet` keys.

The reference code saves three files per snapshot, each a dict whose
``'a'`` entry is a state dict (``trainer.py``, ``save``):
``gen_XXXXXXXX.pt`` (``AdaINGen``: E_s, G and the AdaIN MLPs),
``id_XXXXXXXX.pt`` (``ft_netAB``: E_a) and ``dis_XXXXXXXX.pt``
(``MsImageDis``: D). The released Market-1501 model is its 100k-iteration
snapshot (``outputs/E0.5new_reid0.5_w30000/checkpoints/``, linked from the
reference README). Mapping, reference -> mmreidgen (``n_down`` = 2 and
``n_res`` = 4 in ``configs/latest.yaml``):

id file (``ft_netAB``, E_a):

- ``model.<torchvision ResNet-50 key>`` ->
  ``appearance_encoder.backbone.<same key>``; ``model.fc.*`` is dropped
  (``ft_netAB.forward`` never uses it).
- ``classifier1`` -> ``appearance_encoder.head_prim``, ``classifier2`` ->
  ``appearance_encoder.head_fine``; inside each, ``add_block.0`` (Linear)
  -> ``bottleneck``, ``add_block.1`` (BatchNorm1d) -> ``bn``,
  ``classifier.0`` -> ``classifier``.

gen file (``AdaINGen``: E_s, G, MLPs):

- ``enc_content.model.{i}.conv.*`` (i < 2 n_down) ->
  ``structure_encoder.layers.{i}.conv.*``.
- ``enc_content.model.{2 n_down}.model.{r}.model.{j}.conv.*`` (ResBlocks)
  -> ``structure_encoder.layers.{2 n_down + r}.conv{j + 1}.conv.*``.
- ``enc_content.model.{2 n_down + 1}.*`` (ASPP) ->
  ``structure_encoder.layers.{2 n_down + n_res}.*`` with ``conv1`` ->
  ``branch1x1``, ``conv6/conv12/conv18.{j}`` -> ``dilated.{0/1/2}.{j}``,
  ``fuse`` -> ``fuse``.
- ``dec.model.1.model.{r}.model.{j}.conv.*`` ->
  ``decoder.res_blocks.{r}.conv{j + 1}.conv.*``; their
  ``norm.running_mean/var`` (AdaIN's unused dummy buffers) are dropped.
- ``dec.model.{i}.conv.*`` and ``.norm.gamma/beta`` (i >= 2) ->
  ``decoder.up.{i - 2}.*``.
- ``mlp_w{k}.model.{j}.fc.*`` -> ``decoder.mlp_w.{k - 1}.layers.{2 j}.*``
  (same for ``mlp_b``).

dis file (``MsImageDis``, D):

- ``cnns.{s}.{i}.*`` -> ``discriminator.nets.{s}.{i}.*``, with a
  ResBlock's ``model.0`` / ``model.1`` -> ``conv1`` / ``conv2``.

``dec.model.0`` is the Dropout (p=0) and the ``nn.Upsample`` layers hold no
weights, so the decoder's ``up`` indices are the reference's minus two.
The reference teacher (``ft_net``, a 512-d ``ClassBlock`` head) does not
fit mmreidgen's teacher (a ``ReIDBaseline`` with a BN-neck), so the teacher
comes from a mmreidgen teacher checkpoint when given (``teacher=``) and is
otherwise left out; the teacher is only used for training.
"""
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch

Tensor = torch.Tensor


class DGNetConversionError(ValueError):
    """A reference key has no mmreidgen counterpart (or vice versa)."""


def _reference_state(obj, name: str) -> Dict[str, Tensor]:
    """The state dict in a reference file (``{'a': state_dict}``)."""
    if isinstance(obj, dict) and isinstance(obj.get('a'), dict):
        return obj['a']
    if isinstance(obj, dict) and all(
            isinstance(v, torch.Tensor) for v in obj.values()):
        return obj
    raise DGNetConversionError(
        f'{name}: expected the reference layout {{"a": state_dict}} '
        '(gen_/id_/dis_XXXXXXXX.pt of NVlabs/DG-Net), got keys '
        f'{list(obj)[:5] if isinstance(obj, dict) else type(obj).__name__}')


def convert_appearance_encoder(state: Dict[str, Tensor]) -> Tuple[dict, list]:
    """``ft_netAB`` (id file) -> ``appearance_encoder.*``.

    Returns:
        tuple: (converted state dict, dropped reference keys).
    """
    out, dropped = OrderedDict(), []
    heads = {'classifier1': 'head_prim', 'classifier2': 'head_fine'}
    parts = {'add_block.0': 'bottleneck', 'add_block.1': 'bn',
             'classifier.0': 'classifier'}
    for key, value in state.items():
        if key.startswith('model.fc.'):
            dropped.append(key)
            continue
        if key.startswith('model.'):
            out['appearance_encoder.backbone.' + key[6:]] = value
            continue
        m = re.fullmatch(r'(classifier[12])\.(add_block\.[01]|classifier\.0)'
                         r'\.(\w+)', key)
        if m is None:
            raise DGNetConversionError(
                f'id file: unknown key {key!r} (expected model.*, '
                'classifier{1,2}.add_block.{0,1}.*, '
                'classifier{1,2}.classifier.0.*)')
        out[f'appearance_encoder.{heads[m[1]]}.{parts[m[2]]}.{m[3]}'] = value
    return out, dropped


def convert_generator(state: Dict[str, Tensor]) -> Tuple[dict, list]:
    """``AdaINGen`` (gen file) -> ``structure_encoder.*``, ``decoder.*``.

    Returns:
        tuple: (converted state dict, dropped reference keys).
    """
    # The ResBlocks container of E_s follows its 2 * n_down conv blocks.
    res_idx = {
        int(m[1])
        for k in state
        if (m := re.match(r'enc_content\.model\.(\d+)\.model\.', k))
    }
    if len(res_idx) != 1:
        raise DGNetConversionError(
            'gen file: expected one enc_content.model.<i>.model.* '
            f'(ResBlocks) container, found {sorted(res_idx)}')
    res = res_idx.pop()
    n_res = len({
        int(m[1])
        for k in state
        if (m := re.match(rf'enc_content\.model\.{res}\.model\.(\d+)\.', k))
    })
    aspp = {'conv6': 0, 'conv12': 1, 'conv18': 2}
    out, dropped = OrderedDict(), []
    for key, value in state.items():
        new = None
        if m := re.fullmatch(r'enc_content\.model\.(\d+)\.(.+)', key):
            i, rest = int(m[1]), m[2]
            if i < res and rest.startswith('conv.'):
                new = f'structure_encoder.layers.{i}.{rest}'
            elif i == res and (r := re.fullmatch(
                    r'model\.(\d+)\.model\.([01])\.(conv\..+)', rest)):
                new = (f'structure_encoder.layers.{res + int(r[1])}.'
                       f'conv{int(r[2]) + 1}.{r[3]}')
            elif i == res + 1:
                base = f'structure_encoder.layers.{res + n_res}.'
                if r := re.fullmatch(r'conv1\.(conv\..+)', rest):
                    new = base + f'branch1x1.{r[1]}'
                elif r := re.fullmatch(r'(conv6|conv12|conv18)\.([01])\.'
                                       r'(conv\..+)', rest):
                    new = base + f'dilated.{aspp[r[1]]}.{r[2]}.{r[3]}'
                elif rest.startswith('fuse.conv.'):
                    new = base + rest
        elif m := re.fullmatch(
                r'dec\.model\.1\.model\.(\d+)\.model\.([01])\.(.+)', key):
            if m[3].startswith('norm.running_'):
                dropped.append(key)
                continue
            if m[3].startswith('conv.'):
                new = f'decoder.res_blocks.{m[1]}.conv{int(m[2]) + 1}.{m[3]}'
        elif m := re.fullmatch(r'dec\.model\.(\d+)\.((?:conv|norm)\..+)',
                               key):
            if int(m[1]) >= 2:
                new = f'decoder.up.{int(m[1]) - 2}.{m[2]}'
        elif m := re.fullmatch(r'mlp_([wb])(\d+)\.model\.(\d+)\.fc\.(\w+)',
                               key):
            new = (f'decoder.mlp_{m[1]}.{int(m[2]) - 1}.layers.'
                   f'{2 * int(m[3])}.{m[4]}')
        if new is None:
            raise DGNetConversionError(f'gen file: unknown key {key!r}')
        out[new] = value
    return out, dropped


def convert_discriminator(state: Dict[str, Tensor]) -> Tuple[dict, list]:
    """``MsImageDis`` (dis file) -> ``discriminator.*``.

    Returns:
        tuple: (converted state dict, dropped reference keys).
    """
    out = OrderedDict()
    for key, value in state.items():
        m = re.fullmatch(r'cnns\.(\d+)\.(\d+)\.(.+)', key)
        if m is None:
            raise DGNetConversionError(
                f'dis file: unknown key {key!r} (expected cnns.<s>.<i>.*; '
                "the wgan 'cnn.*' variant is not supported)")
        rest = re.sub(r'^model\.([01])\.',
                      lambda r: f'conv{int(r[1]) + 1}.', m[3])
        out[f'discriminator.nets.{m[1]}.{m[2]}.{rest}'] = value
    return out, []


def convert_dgnet_reference(gen: dict,
                            id_: dict,
                            dis: Optional[dict] = None,
                            teacher: Optional[dict] = None
                            ) -> Tuple[dict, List[str]]:
    """Convert the reference's loaded files to one :class:`DGNet` state dict.

    Args:
        gen (dict): Loaded ``gen_XXXXXXXX.pt``.
        id_ (dict): Loaded ``id_XXXXXXXX.pt``.
        dis (dict, optional): Loaded ``dis_XXXXXXXX.pt``.
        teacher (dict, optional): A mmreidgen teacher (``ReIDBaseline``)
            checkpoint or state dict; its keys go under ``teacher.``.

    Returns:
        tuple: (state dict, dropped reference keys).
    """
    state, dropped = OrderedDict(), []
    parts = [(convert_appearance_encoder, id_, 'id'),
             (convert_generator, gen, 'gen')]
    if dis is not None:
        parts.append((convert_discriminator, dis, 'dis'))
    for fn, obj, name in parts:
        converted, gone = fn(_reference_state(obj, name))
        state.update(converted)
        dropped += gone
    if teacher is not None:
        teacher = teacher.get('state_dict', teacher)
        for key, value in teacher.items():
            key = key[len('module.'):] if key.startswith('module.') else key
            state['teacher.' + key] = value
    return state, dropped


def check_against_model(state: Dict[str, Tensor],
                        model: torch.nn.Module,
                        ignore_prefixes: Tuple[str, ...] = ()) -> None:
    """Raise when ``state`` does not cover ``model`` key by key and shape.

    Args:
        state (dict): Converted state dict.
        model (nn.Module): A :class:`DGNet` built from the target config.
        ignore_prefixes (tuple[str]): Model keys allowed to be absent
            (e.g. ``('teacher.',)``, ``('discriminator.',)``).
    """
    target = model.state_dict()
    missing = [
        k for k in target
        if k not in state and not k.startswith(ignore_prefixes)
    ]
    unexpected = [k for k in state if k not in target]
    shape = [
        f'{k}: file {tuple(v.shape)} vs model {tuple(target[k].shape)}'
        for k, v in state.items()
        if k in target and tuple(v.shape) != tuple(target[k].shape)
    ]
    if missing or unexpected or shape:
        raise DGNetConversionError(
            f'converted DG-Net does not fit the model: {len(missing)} '
            f'missing {missing[:5]}, {len(unexpected)} unexpected '
            f'{unexpected[:5]}, {len(shape)} shape mismatches {shape[:5]}. '
            'Does the config match the reference (configs/latest.yaml: '
            'ID_class, gen.dim 16, n_downsample 2, n_res 4, mlp_dim 512, '
            'dis.dim 32, n_layer 2, n_res 4, num_scales 3)?')
