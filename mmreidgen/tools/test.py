"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``, or
``python -m mmreidgen.tools.test CONFIG CHECKPOINT`` from an installed
package.

A config with extra test sets (``extra_test_sets``, or a ``MultiTestLoop``
in ``test_cfg``) prints one row per set; their metrics are prefixed with
the set's name (``market/reid/mAP``). ``--dump-features`` and
``--show-dir`` write the test set's features and rank-list pictures.
"""
import json
import os
import os.path as osp
import shutil

from mmreidgen.apis import load_config
from mmreidgen.apis.cli import (
    add_runner_arguments,
    parse_runner_args,
    run_tool,
    tool_parser,
)
from mmreidgen.engine.runner import (
    enable_extra_test_sets,
    format_table,
    target_rows,
)
from mmreidgen.stages import add_result_dump, test_checkpoint
from mmreidgen.utils import register_all_modules

STATE = {}


def parse_args(argv=None):
    parser = tool_parser('Test a mmreidgen model',
                         checkpoint='checkpoint file')
    add_runner_arguments(parser, 'where to save logs')
    parser.add_argument(
        '--out-metrics', help='write the metrics dict to this JSON file')
    parser.add_argument(
        '--dump-features', metavar='FILE.npz',
        help='write features, pids, camids, img_paths and is_query of the '
        'test set (query and gallery) to this .npz file')
    parser.add_argument(
        '--show-dir', help='write rank-list pictures of the first '
        '--show-num queries to this folder')
    parser.add_argument('--show-num', type=int, default=8,
                        help='queries drawn by --show-dir (default 8)')
    parser.add_argument('--show-topk', type=int, default=10,
                        help='gallery images per rank list (default 10)')
    return parse_runner_args(parser, argv)


def first_missing_folder(path: str):
    """The outermost folder of ``path`` that does not exist yet, or None
    when ``path`` exists."""
    path = osp.abspath(path)
    missing = None
    while not osp.isdir(path):
        missing, path = path, osp.dirname(path)
    return missing


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options, work_dir=args.work_dir)
    STATE['work_dir'] = cfg.work_dir
    names = enable_extra_test_sets(cfg)
    add_result_dump(cfg, args.dump_features, args.show_dir, args.show_num,
                    args.show_topk)
    made = first_missing_folder(cfg.work_dir)
    try:
        metrics = test_checkpoint(cfg, args.checkpoint, args.launcher,
                                  args.channels_last)
    except Exception:
        # A failed test leaves no folder of its own behind (the traceback
        # goes to the temp folder: apis.cli.error_log_path).
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
        raise
    if names:
        print(format_table(target_rows(metrics, names)))
    if args.out_metrics:
        os.makedirs(osp.dirname(osp.abspath(args.out_metrics)), exist_ok=True)
        with open(args.out_metrics, 'w', encoding='utf-8') as f:
            json.dump(metrics, f, indent=2)
    return metrics


def run() -> None:
    """The command line: :func:`main` under :func:`run_tool`."""
    run_tool(main, lambda: STATE.get('work_dir'))


__all__ = ['STATE', 'first_missing_folder', 'main', 'parse_args', 'run']

if __name__ == '__main__':
    run()
