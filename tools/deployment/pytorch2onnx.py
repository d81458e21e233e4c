"""Export the re-id feature extractor of a checkpoint to ONNX.

The exported graph takes raw images as the dataloader yields them,
``N x 3 x H x W`` float32 **BGR** pixel values in [0, 255], and returns the
test-time embedding ``N x D``: the data preprocessor's colour conversion
and normalisation, the model's ``extract_feat`` (backbone, pooling,
BN-neck, flip averaging and L2 normalisation as set in ``test_cfg``) are
all in the graph. Any model with ``extract_feat`` exports (the baseline,
and CR-GAN / DG-Net, whose ``extract_feat`` is their re-id branch).

With ``--verify`` the ONNX model is run with onnxruntime on CPU on random
images (two batch sizes when the batch axis is dynamic) and compared with
PyTorch; the largest absolute difference is printed and must stay below
``--atol``.

The current exporter, ``torch.onnx.export(..., dynamo=True)`` (built on
``torch.export``; needs ``onnxscript``), writes the file, which
``onnx.checker`` then checks. The legacy TorchScript exporter runs only
when the current one fails, with a warning naming the failure (see
``docs/en/pretrained.md``, "ONNX export").

Example::

    python tools/deployment/pytorch2onnx.py \
        configs/baseline/baseline_r50_market.py work_dirs/r50/iter_24000.pth \
        --output-file work_dirs/r50/reid_r50.onnx --shape 256 128 --verify
"""
import os
import os.path as osp
import warnings
from typing import Tuple

import numpy as np
import torch
from mmengine.config import Config

from mmreidgen.apis import ExportableExtractor, init_model, load_config
from mmreidgen.apis.cli import tool_parser
from mmreidgen.utils import register_all_modules


def parse_args(argv=None):
    parser = tool_parser(
        'Export a re-id feature extractor to ONNX',
        checkpoint='checkpoint file')
    parser.add_argument('--output-file', required=True,
                        help='the .onnx file to write')
    parser.add_argument(
        '--shape', type=int, nargs=2, default=None, metavar=('H', 'W'),
        help="input height and width; default: the test pipeline's "
        'ReIDResize scale')
    parser.add_argument('--batch-size', type=int, default=1,
                        help='batch size of the example input')
    parser.add_argument('--static-batch', action='store_true',
                        help='fix the batch size instead of a dynamic axis')
    parser.add_argument(
        '--opset', type=int, default=18,
        help='ONNX opset (default %(default)s, the one the dynamo exporter '
        'writes natively; lower ones go through onnx\'s version converter, '
        'which fails on some models)')
    parser.add_argument('--verify', action='store_true',
                        help='compare onnxruntime with PyTorch on CPU')
    parser.add_argument('--atol', type=float, default=1e-4)
    return parser.parse_args(argv)


def test_scale(cfg: Config) -> Tuple[int, int]:
    """``(H, W)`` of the first ``ReIDResize`` in the test pipeline."""
    def find(node):
        if isinstance(node, dict):
            if node.get('type') == 'ReIDResize' and 'scale' in node:
                return tuple(node['scale'])
            for value in node.values():
                found = find(value)
                if found:
                    return found
        elif isinstance(node, (list, tuple)):
            for value in node:
                found = find(value)
                if found:
                    return found
        return None

    scale = find(cfg.get('test_dataloader', {}))
    if scale is None:
        raise ValueError('No ReIDResize in test_dataloader; pass --shape H W.')
    return scale


def build_extractor(cfg: Config, checkpoint: str) -> ExportableExtractor:
    """The model of ``cfg`` with ``checkpoint`` loaded strictly (through
    :func:`mmreidgen.apis.init_model`), as an :class:`ExportableExtractor`.
    """
    return ExportableExtractor(init_model(cfg, checkpoint)).eval()


FeatureExtractor = ExportableExtractor


def export(extractor: FeatureExtractor, output_file: str,
           shape: Tuple[int, int], batch_size: int = 1,
           dynamic_batch: bool = True, opset: int = 18) -> str:
    """Write ``extractor`` to ``output_file`` (input ``images``, output
    ``features``) and check it with ``onnx.checker``.

    The current exporter (``torch.onnx.export(..., dynamo=True)``, built on
    ``torch.export``; needs ``onnxscript``) is used. Only when it fails does
    the legacy TorchScript exporter run, with a warning naming the error.

    Returns:
        str: ``'dynamo'`` or ``'legacy'``, the exporter that wrote the file.
    """
    import onnx
    dummy = torch.rand(batch_size, 3, *shape) * 255
    os.makedirs(osp.dirname(osp.abspath(output_file)), exist_ok=True)
    names = dict(input_names=['images'], output_names=['features'])
    try:
        # A batch of 1 would be specialised by torch.export, so the
        # dynamic batch axis is traced with a batch of 2.
        example = dummy.expand(max(batch_size, 2), -1, -1, -1).clone() \
            if dynamic_batch else dummy
        dynamic = dict(images={0: torch.export.Dim('batch')}) \
            if dynamic_batch else None
        torch.onnx.export(
            extractor, (example, ), output_file, dynamo=True,
            dynamic_shapes=dynamic, opset_version=opset, optimize=True,
            verbose=False, **names)
        used = 'dynamo'
    except Exception as e:  # noqa: BLE001 (any exporter failure)
        warnings.warn(
            'torch.onnx.export(dynamo=True) failed '
            f'({type(e).__name__}: {str(e).splitlines()[0][:300]}); '
            'falling back to the legacy TorchScript exporter.')
        axes = dict(images={0: 'batch'}, features={0: 'batch'})
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', category=DeprecationWarning)
            torch.onnx.export(
                extractor, (dummy, ), output_file, dynamo=False,
                dynamic_axes=axes if dynamic_batch else None,
                opset_version=opset, do_constant_folding=True, **names)
        used = 'legacy'
    onnx.checker.check_model(output_file, full_check=True)
    written = max(o.version for o in onnx.load(output_file).opset_import
                  if o.domain in ('', 'ai.onnx'))
    if written != opset:
        warnings.warn(f'{output_file} has opset {written}, not the requested '
                      f'{opset} (the version converter could not convert '
                      f'it); onnx.checker passed for opset {written}.')
    return used


def verify(extractor: FeatureExtractor, output_file: str,
           shape: Tuple[int, int], batch_sizes=(1, 3),
           seed: int = 0) -> float:
    """Largest |onnxruntime - PyTorch| over random images.

    Returns:
        float: The maximum absolute difference of the features.
    """
    import onnxruntime as ort
    session = ort.InferenceSession(
        output_file, providers=['CPUExecutionProvider'])
    gen = torch.Generator().manual_seed(seed)
    worst = 0.0
    for batch in batch_sizes:
        images = torch.rand(batch, 3, *shape, generator=gen) * 255
        with torch.no_grad():
            expected = extractor(images).numpy()
        got = session.run(['features'], {'images': images.numpy()})[0]
        if got.shape != expected.shape:
            raise AssertionError(
                f'onnxruntime returned {got.shape}, PyTorch '
                f'{expected.shape} for a batch of {batch}.')
        worst = max(worst, float(np.abs(got - expected).max()))
    return worst


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    shape = tuple(args.shape) if args.shape else test_scale(cfg)
    extractor = build_extractor(cfg, args.checkpoint)
    exporter = export(extractor, args.output_file, shape, args.batch_size,
                      not args.static_batch, args.opset)
    result = dict(output_file=args.output_file, shape=shape,
                  exporter=exporter)
    print(f'Exported {type(extractor.model).__name__} features for '
          f'{shape[0]}x{shape[1]} BGR images to {args.output_file} '
          f'({exporter} exporter, onnx.checker passed)')
    if args.verify:
        sizes = (args.batch_size, ) if args.static_batch else (1, 3)
        diff = verify(extractor, args.output_file, shape, sizes)
        result['max_abs_diff'] = diff
        print(f'onnxruntime vs PyTorch, batch sizes {sizes}: max |diff| = '
              f'{diff:.3g} (atol {args.atol:g})')
        if diff > args.atol:
            raise AssertionError(
                f'ONNX output differs from PyTorch by {diff:.3g} > atol '
                f'{args.atol:g}; try another --opset or report the model.')
    return result


if __name__ == '__main__':
    main()
