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

The legacy TorchScript exporter is used (``dynamo=False``): the
torch.export-based one needs the ``onnxscript`` package.

Example::

    python tools/deployment/pytorch2onnx.py \
        configs/baseline/baseline_r50_market.py work_dirs/r50/iter_24000.pth \
        --output-file work_dirs/r50/reid_r50.onnx --shape 256 128 --verify
"""
import argparse
import os
import os.path as osp
import warnings
from typing import Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config, DictAction

from mmreidgen.registry import MODELS
from mmreidgen.utils import (
    check_cfg_options,
    check_checkpoint_compatible,
    register_all_modules,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Export a re-id feature extractor to ONNX')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
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
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--verify', action='store_true',
                        help='compare onnxruntime with PyTorch on CPU')
    parser.add_argument('--atol', type=float, default=1e-4)
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. model.head.num_classes=751')
    return parser.parse_args(argv)


class FeatureExtractor(nn.Module):
    """Raw BGR pixels in, test-time embedding out.

    Args:
        model (nn.Module): A model with ``data_preprocessor`` (an mmengine
            ``ImgDataPreprocessor``) and ``extract_feat``.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        if not hasattr(model, 'extract_feat'):
            raise TypeError(
                f'{type(model).__name__} has no extract_feat, so it has no '
                're-id embedding to export; export a re-id model (e.g. '
                'ReIDBaseline, CRGAN, DGNet).')
        self.model = model
        pre = model.data_preprocessor
        self.bgr_to_rgb = bool(getattr(pre, '_channel_conversion', False))
        self.normalize = bool(getattr(pre, '_enable_normalize', False))
        if self.normalize:
            self.register_buffer('mean', pre.mean.clone().view(1, -1, 1, 1))
            self.register_buffer('std', pre.std.clone().view(1, -1, 1, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if self.bgr_to_rgb:
            images = images.flip(1)
        if self.normalize:
            images = (images - self.mean) / self.std
        return self.model.extract_feat(images)


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


def build_extractor(cfg: Config, checkpoint: str) -> FeatureExtractor:
    """The model of ``cfg`` with ``checkpoint`` loaded strictly, in eval
    mode, wrapped as :class:`FeatureExtractor`."""
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'Checkpoint {checkpoint} does not exist; pass a .pth file '
            'written by tools/train.py.')
    model = MODELS.build(cfg.model)
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=True)
    check_checkpoint_compatible(
        model, ckpt, filename=f'Checkpoint {checkpoint}')
    state = ckpt.get('state_dict', ckpt)
    state = {k[7:] if k.startswith('module.') else k: v
             for k, v in state.items()}
    model.load_state_dict(state, strict=True)
    return FeatureExtractor(model).eval()


def export(extractor: FeatureExtractor, output_file: str,
           shape: Tuple[int, int], batch_size: int = 1,
           dynamic_batch: bool = True, opset: int = 17) -> None:
    """Write ``extractor`` to ``output_file`` (input ``images``, output
    ``features``)."""
    dummy = torch.rand(batch_size, 3, *shape) * 255
    os.makedirs(osp.dirname(osp.abspath(output_file)), exist_ok=True)
    axes = dict(images={0: 'batch'}, features={0: 'batch'})
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', category=DeprecationWarning)
        torch.onnx.export(
            extractor, (dummy, ), output_file, dynamo=False,
            input_names=['images'], output_names=['features'],
            dynamic_axes=axes if dynamic_batch else None,
            opset_version=opset, do_constant_folding=True)


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
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    shape = tuple(args.shape) if args.shape else test_scale(cfg)
    extractor = build_extractor(cfg, args.checkpoint)
    export(extractor, args.output_file, shape, args.batch_size,
           not args.static_batch, args.opset)
    result = dict(output_file=args.output_file, shape=shape)
    print(f'Exported {type(extractor.model).__name__} features for '
          f'{shape[0]}x{shape[1]} BGR images to {args.output_file}')
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
