"""Mean ± sd over the random splits of CUHK03 classic (20) or VIPeR (10).

Each split is trained on its own identities, so each has its own
checkpoint; give them as a pattern with ``{split}``, or ``--train`` to
train (and resume) every split first in ``<work-dir>/split<k>``::

    python tools/analysis_tools/eval_splits.py configs/slsr/slsr_r50_viper.py \
        'work_dirs/slsr_r50_viper_split{split}/stage5_finetune/final.pth' \
        --out work_dirs/slsr_r50_viper_splits.json
    python tools/analysis_tools/eval_splits.py CONFIG --train --splits 0 1 2

The split is the config's top-level variable ``viper_split_id`` or
``cuhk03_split_id`` (``--split-var`` for another).
"""
from mmreidgen.apis.cli import run_tool, tool_parser
from mmreidgen.evaluation.functional import format_split_metrics
from mmreidgen.stages import evaluate_splits
from mmreidgen.utils import register_all_modules

STATE = {}


def parse_args(argv=None):
    parser = tool_parser(
        'Evaluate every split of a protocol; mean ± sd')
    parser.add_argument(
        'checkpoint', nargs='?',
        help="checkpoint pattern with {split}, e.g. 'work_dirs/x_split"
        "{split}/final.pth' (not needed with --train)")
    parser.add_argument('--train', action='store_true',
                        help='train every split first (resumes)')
    parser.add_argument('--splits', type=int, nargs='+',
                        help='splits to run (default: all of the protocol)')
    parser.add_argument('--split-var',
                        help='top-level variable that selects the split')
    parser.add_argument('--work-dir',
                        help='split k runs in <work-dir>/split<k>')
    parser.add_argument('--out', help='write every split and the summary '
                        'to this JSON file')
    parser.add_argument('--digits', type=int, default=2)
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules()
    STATE['work_dir'] = args.work_dir
    result = evaluate_splits(
        args.config, args.checkpoint, splits=args.splits,
        split_var=args.split_var, cfg_options=args.cfg_options,
        work_dir=args.work_dir, train=args.train, out_file=args.out)
    rows = format_split_metrics(result, digits=args.digits)
    print(f"{result['split_variable']}: {result['num_splits']} splits "
          f"({', '.join(str(s['split']) for s in result['splits'])})")
    print('| metric | mean ± sd |\n|---|---|')
    for name, text in rows.items():
        print(f'| {name} | {text} |')
    return result


if __name__ == '__main__':
    run_tool(main, lambda: STATE.get('work_dir'))
