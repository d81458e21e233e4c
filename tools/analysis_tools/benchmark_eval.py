"""Ranking metrics (CMC, mAP, mINP) at Market-1501, MSMT17, CUHK03 size.

What is measured: :mod:`mmreidgen.benchmarks.eval_speed`; numbers
measured here: ``docs/en/benchmarks.md``.

Example::

    python tools/analysis_tools/benchmark_eval.py
    python tools/analysis_tools/benchmark_eval.py --sizes market --repeat 5
    python tools/analysis_tools/benchmark_eval.py --sizes cuhk03 --repeat 5
"""
from mmreidgen.apis.cli import print_lines
from mmreidgen.benchmarks import eval_speed
from mmreidgen.benchmarks.common import SIZES, benchmark_parser


def parse_args(argv=None):
    parser = benchmark_parser(__doc__, synthetic_features=True)
    parser.add_argument(
        '--sizes',
        nargs='+',
        choices=list(SIZES),
        default=list(SIZES),
        help='which dataset sizes to run')
    parser.add_argument('--repeat', type=int, default=3,
                        help='timing repeats at Market size (best is kept)')
    parser.add_argument('--msmt-check', type=int, default=300,
                        help='MSMT queries also checked with the reference')
    parser.add_argument('--skip-msmt-distmat', action='store_true',
                        help='do not build the 3.8 GB MSMT17 matrix')
    parser.add_argument('--sgs-repeats', type=int, default=10,
                        help='single-gallery-shot draws per query (CUHK03)')
    return parser.parse_args(argv)


def main(argv=None):
    print_lines(eval_speed.report(parse_args(argv)))


if __name__ == '__main__':
    main()
