"""Feature extraction: the tools/test.py path vs forward-only throughput.

Prints ``test path / forward-only`` throughput (goal: >= 0.90) on the same
device and batch size; what is measured:
:mod:`mmreidgen.benchmarks.extract_speed`.

Example::

    python tools/analysis_tools/benchmark_extract.py \
        configs/baseline/baseline_r50_market.py \
        --data-root data/synthreid/synthmarket --batch-size 32
"""
from mmreidgen.apis.cli import add_device_argument, print_lines
from mmreidgen.benchmarks import extract_speed
from mmreidgen.benchmarks.common import benchmark_parser


def parse_args(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument('config')
    parser.add_argument('--data-root', required=True,
                        help='a dataset in Market-1501 layout')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--num-batches', type=int, default=8)
    parser.add_argument('--num-workers', type=int, default=None,
                        help='default: the config value, capped at the '
                        'number of CPU cores as tools/test.py does')
    add_device_argument(parser, 'auto')
    return parser.parse_args(argv)


def main(argv=None):
    print_lines(extract_speed.report(parse_args(argv)))


if __name__ == '__main__':
    main()
