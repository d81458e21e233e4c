"""Which OpenCV calls of the synthetic renderer give other bytes with the
CPU's vector kernels switched off (what is measured:
:mod:`mmreidgen.benchmarks.renderer_isa`).

Example::

    python tools/analysis_tools/renderer_isa.py --train-ids 8 --test-ids 6
"""
from mmreidgen.apis.cli import print_lines
from mmreidgen.benchmarks import renderer_isa
from mmreidgen.benchmarks.common import benchmark_parser


def parse_args(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument('--train-ids', type=int, default=8)
    parser.add_argument('--test-ids', type=int, default=6)
    parser.add_argument('--version', type=int, default=2)
    parser.add_argument('--disable', default=renderer_isa.DISABLE,
                        help='OPENCV_CPU_DISABLE of the second render')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    print_lines(renderer_isa.report(args.train_ids, args.test_ids,
                                    args.version, args.disable))


if __name__ == '__main__':
    main()
