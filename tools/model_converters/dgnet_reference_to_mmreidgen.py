"""Convert the released DG-Net model of NVlabs/DG-Net to a mmreidgen file.

The reference writes ``gen_XXXXXXXX.pt`` (E_s, G, AdaIN MLPs),
``id_XXXXXXXX.pt`` (E_a) and ``dis_XXXXXXXX.pt`` (D); the released
Market-1501 model is ``outputs/E0.5new_reid0.5_w30000/checkpoints/*_00100000
.pt``. The key mapping is documented in
:mod:`mmreidgen.models.utils.dgnet_convert` and docs/en/pretrained.md. The
result is checked key by key and shape by shape against the DGNet of
``--config`` and written as an mmengine checkpoint (``state_dict``).

Example::

    python tools/model_converters/dgnet_reference_to_mmreidgen.py \\
        outputs/E0.5new_reid0.5_w30000/checkpoints/gen_00100000.pt \\
        outputs/E0.5new_reid0.5_w30000/checkpoints/id_00100000.pt \\
        checkpoints/dgnet_r50_market_reference.pth \\
        --dis outputs/E0.5new_reid0.5_w30000/checkpoints/dis_00100000.pt \\
        --teacher work_dirs/dgnet_r50_market/teacher/final.pth
"""
import argparse
import copy
import os
import os.path as osp
import sys

import torch

from mmreidgen.models.utils.dgnet_convert import (
    DGNetConversionError,
    check_against_model,
    convert_dgnet_reference,
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert NVlabs/DG-Net gen_/id_/dis_ files to one '
        'mmreidgen DGNet checkpoint.')
    parser.add_argument('gen', help='reference gen_XXXXXXXX.pt')
    parser.add_argument('id', help='reference id_XXXXXXXX.pt')
    parser.add_argument('out', help='output .pth')
    parser.add_argument('--dis', help='reference dis_XXXXXXXX.pt')
    parser.add_argument(
        '--teacher',
        help='mmreidgen teacher checkpoint (ReIDBaseline) to include; the '
        "reference teacher's head does not fit mmreidgen's")
    parser.add_argument(
        '--config',
        default='configs/dgnet/dgnet_r50_market.py',
        help='config whose DGNet the result must fit (%(default)s)')
    return parser.parse_args(argv)


def _load(path: str):
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found')
    return torch.load(path, map_location='cpu', weights_only=True)


def _dgnet_cfg(path: str) -> dict:
    from mmreidgen.apis import load_config
    cfg = load_config(path)
    for key in ('model', 'dgnet'):
        node = cfg.get(key)
        if isinstance(node, dict) and node.get('type') == 'DGNet':
            return copy.deepcopy(node)
    raise DGNetConversionError(
        f'{path} has no DGNet model (looked at `model` and `dgnet`)')


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmreidgen.registry import MODELS
    from mmreidgen.utils import drop_pretrained, register_all_modules
    register_all_modules()
    try:
        state, dropped = convert_dgnet_reference(
            _load(args.gen), _load(args.id),
            _load(args.dis) if args.dis else None,
            _load(args.teacher) if args.teacher else None)
        model = MODELS.build(drop_pretrained(_dgnet_cfg(args.config)))
        ignore = tuple(p for p, given in (('teacher.', args.teacher),
                                          ('discriminator.', args.dis))
                       if not given)
        check_against_model(state, model, ignore)
    except (DGNetConversionError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    meta = dict(
        converted_from='NVlabs/DG-Net',
        files=[p for p in (args.gen, args.id, args.dis, args.teacher) if p],
        config=args.config,
        absent=list(ignore))
    torch.save({'meta': meta, 'state_dict': state}, args.out)
    print(f'wrote {args.out}: {len(state)} tensors, {len(dropped)} '
          'reference tensors dropped (unused fc and AdaIN dummy buffers)' +
          (f'; absent: {", ".join(ignore)}' if ignore else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
