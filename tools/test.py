"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``."""
import argparse
import json
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmreidgen.engine.dist import setup_cpu_distributed
from mmreidgen.utils import (
    cap_num_workers,
    check_cfg_options,
    register_all_modules,
)


def parse_args():
    parser = argparse.ArgumentParser(description='Test a mmreidgen model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where to save logs')
    parser.add_argument(
        '--out-metrics', help='write the metrics dict to this JSON file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. test_evaluator.rerank=True')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='channels-last memory format for the model and inputs')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'Checkpoint {args.checkpoint} does not exist; pass the path of '
            'a .pth file written by tools/train.py (e.g. '
            f'{cfg.work_dir}/iter_N.pth).')
    cfg.load_from = args.checkpoint
    cap_num_workers(cfg)
    setup_cpu_distributed(cfg, args.launcher)
    # mmengine loads non-strictly; a checkpoint of another model or with
    # another number of classes must fail with one message instead.
    hooks = list(cfg.get('custom_hooks', None) or [])
    if all(h.get('type') != 'CheckpointCheckHook' for h in hooks):
        cfg.custom_hooks = hooks + [
            dict(type='CheckpointCheckHook', on_load=True)]
    if args.channels_last:
        cfg.custom_hooks = list(cfg.custom_hooks) + [
            dict(type='ChannelsLastHook')]
    if 'runner_type' in cfg:
        from mmreidgen.registry import RUNNERS
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out_metrics:
        os.makedirs(osp.dirname(osp.abspath(args.out_metrics)), exist_ok=True)
        with open(args.out_metrics, 'w', encoding='utf-8') as f:
            json.dump({k: float(v) for k, v in metrics.items()}, f, indent=2)


if __name__ == '__main__':
    main()
