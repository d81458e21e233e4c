"""k-reciprocal re-ranking at Market-1501 and MSMT17 size.

What is measured: :mod:`mmreidgen.benchmarks.rerank_speed`; numbers
measured here: ``docs/en/benchmarks.md``.

Example::

    python tools/analysis_tools/benchmark_rerank.py
    python tools/analysis_tools/benchmark_rerank.py --skip-msmt \\
        --reference-size 8000
"""
from mmreidgen.apis.cli import print_lines
from mmreidgen.benchmarks import rerank_speed
from mmreidgen.benchmarks.common import benchmark_parser


def parse_args(argv=None):
    parser = benchmark_parser(__doc__, synthetic_features=True)
    parser.add_argument('--num-gallery', type=int, default=15913,
                        help='Market gallery size (19732 in the authors\' '
                        'evaluation, 15913 without junk images)')
    parser.add_argument('--reference-size', default='auto',
                        help="N for the reference: 'auto', 'full' or a "
                        'number')
    parser.add_argument('--skip-reference', action='store_true')
    parser.add_argument('--skip-msmt', action='store_true')
    parser.add_argument('--skip-faiss', action='store_true')
    return parser.parse_args(argv)


def main(argv=None):
    print_lines(rerank_speed.report(parse_args(argv)))


if __name__ == '__main__':
    main()
