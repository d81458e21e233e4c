"""Render the synthmarket/synthduke re-id benchmark (Market-1501 layout).

The renderer lives in :mod:`mmreidgen.datasets.synthetic`; both versions
are described in ``docs/en/synthetic_benchmark.md``. Examples::

    python tools/dataset_converters/make_synthetic_reid.py
    python tools/dataset_converters/make_synthetic_reid.py --version 1

The default output folder of version 2, ``data/synthreid_v2``, is where
the synthetic configs look for the benchmark (their ``synth_root``);
version 1 goes to ``data/synthreid``.
"""
import argparse
from typing import Optional, Sequence

from mmreidgen.datasets.synthetic import (
    DOMAINS,
    format_stats,
    make_synthetic_reid,
)

# Where the synthetic configs (``synth_root``) and ``make demo`` look.
DEFAULT_ROOTS = {1: 'data/synthreid', 2: 'data/synthreid_v2'}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Render the synthmarket/synthduke re-id benchmark in '
        'the Market-1501 layout.')
    parser.add_argument('--out', default=None,
                        help='output folder (default: the configs\' '
                        'synth_root, data/synthreid_v2; data/synthreid '
                        'with --version 1)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train-ids', type=int, default=100)
    parser.add_argument('--num-test-ids', type=int, default=100)
    parser.add_argument('--num-distractors', type=int, default=None,
                        help='default: max(2, num_test_ids // 2)')
    parser.add_argument('--num-junk', type=int, default=None,
                        help='default: max(1, num_test_ids // 10)')
    parser.add_argument('--domains', nargs='+',
                        default=['synthmarket', 'synthduke'],
                        choices=sorted(DOMAINS))
    parser.add_argument('--no-masks', action='store_true',
                        help='do not write person masks')
    parser.add_argument('--workers', type=int, default=2,
                        help='processes, one domain each (default: 2)')
    parser.add_argument('--version', type=int, default=2, choices=(1, 2),
                        help='renderer version (default: 2; 1 reproduces '
                        'the first benchmark byte for byte)')
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = DEFAULT_ROOTS[args.version]
    return args


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    result = make_synthetic_reid(
        args.out, seed=args.seed, num_train_ids=args.num_train_ids,
        num_test_ids=args.num_test_ids,
        num_distractors=args.num_distractors, num_junk=args.num_junk,
        domains=args.domains, masks=not args.no_masks,
        workers=args.workers, version=args.version)
    print(format_stats(result))


if __name__ == '__main__':
    main()
