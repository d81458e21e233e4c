"""Data loading share of a training, under each loading setting.

Trains the same config for ``--iters`` iterations once per setting
(mmengine's ``Runner`` with 2 workers, ``ReIDRunner`` with 2 workers, with
none, with none and decoded images in memory, the same with mmengine's
one parameter group per parameter) and prints the ``data_time`` share,
loop and wall times and last loss of each; what is measured:
:mod:`mmreidgen.benchmarks.data_speed`.

Example::

    python tools/analysis_tools/benchmark_data.py --iters 300
"""
from mmreidgen.apis.cli import print_lines
from mmreidgen.benchmarks import data_speed
from mmreidgen.benchmarks.common import benchmark_parser


def parse_args(argv=None):
    parser = benchmark_parser(__doc__)
    parser.add_argument('--config', default=data_speed.CONFIG)
    parser.add_argument('--data-root', default='data/synthreid_v2/synthduke')
    parser.add_argument('--iters', type=int, default=300)
    parser.add_argument('--work-dir', default=None,
                        help='default: a temporary folder')
    return parser.parse_args(argv)


def main(argv=None):
    print_lines(data_speed.report(parse_args(argv)))


if __name__ == '__main__':
    main()
