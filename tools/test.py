"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``."""
import argparse
import json
import os
import os.path as osp

from mmreidgen.apis import load_config
from mmreidgen.apis.cli import ConfigOptionAction, run_tool
from mmreidgen.engine.dist import setup_cpu_distributed
from mmreidgen.utils import cap_num_workers, register_all_modules

STATE = {}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a mmreidgen model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where to save logs')
    parser.add_argument(
        '--out-metrics', help='write the metrics dict to this JSON file')
    parser.add_argument(
        '--cfg-options', nargs='+', action=ConfigOptionAction,
        help='override config entries, e.g. test_evaluator.rerank=True')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument(
        '--channels-last', action='store_true',
        help='channels-last memory format for the model and inputs')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options, work_dir=args.work_dir)
    STATE['work_dir'] = cfg.work_dir
    cfg.launcher = args.launcher
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'Checkpoint {args.checkpoint} does not exist; pass the path of '
            'a .pth file written by tools/train.py (e.g. '
            f'{cfg.work_dir}/iter_N.pth).')
    cfg.load_from = args.checkpoint
    setup_cpu_distributed(cfg, args.launcher)
    # mmengine loads non-strictly; a checkpoint of another model or with
    # another number of classes must fail with one message instead.
    hooks = [dict(type='CheckpointCheckHook', on_load=True)]
    if args.channels_last:
        hooks.append(dict(type='ChannelsLastHook'))
    if cfg.get('runner_type') == 'PipelineRunner':
        from mmreidgen.stages import PipelineRunner
        # Writes into <work_dir>/test_tool/, not into any stage's folder.
        metrics = PipelineRunner(cfg, extra_hooks=hooks).test()
    else:
        from mmreidgen.engine.runner import ReIDRunner
        cap_num_workers(cfg)
        cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + hooks
        metrics = ReIDRunner.from_cfg(cfg).test()
    if args.out_metrics:
        os.makedirs(osp.dirname(osp.abspath(args.out_metrics)), exist_ok=True)
        with open(args.out_metrics, 'w', encoding='utf-8') as f:
            json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)
    return metrics


if __name__ == '__main__':
    run_tool(main, lambda: STATE.get('work_dir'))
