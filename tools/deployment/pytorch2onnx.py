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
from mmreidgen.apis import load_config
from mmreidgen.apis.cli import run_tool, tool_parser
from mmreidgen.apis.onnx_export import (
    build_extractor,
    export_onnx,
    input_size_of,
    verify_onnx,
)
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


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    shape = tuple(args.shape) if args.shape else input_size_of(cfg)
    extractor = build_extractor(cfg, args.checkpoint)
    exporter = export_onnx(extractor, args.output_file, shape, args.batch_size,
                      not args.static_batch, args.opset)
    result = dict(output_file=args.output_file, shape=shape,
                  exporter=exporter)
    print(f'Exported {type(extractor.model).__name__} features for '
          f'{shape[0]}x{shape[1]} BGR images to {args.output_file} '
          f'({exporter} exporter, onnx.checker passed)')
    if args.verify:
        sizes = (args.batch_size, ) if args.static_batch else (1, 3)
        diff = verify_onnx(extractor, args.output_file, shape, sizes)
        result['max_abs_diff'] = diff
        print(f'onnxruntime vs PyTorch, batch sizes {sizes}: max |diff| = '
              f'{diff:.3g} (atol {args.atol:g})')
        if diff > args.atol:
            raise AssertionError(
                f'ONNX output differs from PyTorch by {diff:.3g} > atol '
                f'{args.atol:g}; try another --opset or report the model.')
    return result


if __name__ == '__main__':
    run_tool(main)
