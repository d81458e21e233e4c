"""One training iteration: mmreidgen's ``train_step`` vs a plain loop.

For the CR-GAN stage II model and the DG-Net model of the full-size
configs, on the same device and batch: ``model.train_step`` against a
hand-written PyTorch loop of the same computation, interleaved
``--repeats`` times; the ratio of the medians (goal <= 1.1) is printed
last. With ``--amp`` a third path, ``train_step`` with the optim wrappers
``tools/train.py --amp`` builds (float16 + loss scale on GPU, bfloat16
autocast on CPU; ``--amp-dtype`` to choose), is interleaved too and its
ratio to the float32 ``train_step`` printed. What is measured:
:mod:`mmreidgen.benchmarks.train_speed`.

Example::

    python tools/analysis_tools/benchmark_train.py --batch-size 8
"""
from mmreidgen.apis.cli import add_device_argument, print_lines
from mmreidgen.benchmarks import train_speed
from mmreidgen.benchmarks.common import benchmark_parser


def parse_args(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument('--models', nargs='+', default=['crgan', 'dgnet'],
                        choices=list(train_speed.BENCHMARK_MODELS))
    parser.add_argument('--batch-size', type=int, default=8,
                        help='images per batch (pairs x 2)')
    parser.add_argument('--iters', type=int, default=2,
                        help='iterations per timed block')
    parser.add_argument('--repeats', type=int, default=3)
    add_device_argument(parser, 'auto')
    parser.add_argument('--amp', action='store_true',
                        help='also time train_step under --amp wrappers')
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'],
                        default=None)
    return parser.parse_args(argv)


def main(argv=None):
    print_lines(train_speed.report(parse_args(argv)))


if __name__ == '__main__':
    main()
