"""Train a model from a config: ``python tools/train.py CONFIG``."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmreidgen.engine import find_resumable_checkpoint
from mmreidgen.engine.dist import setup_cpu_distributed
from mmreidgen.utils import (
    cap_num_workers,
    check_cfg_options,
    enable_amp,
    register_all_modules,
)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a mmreidgen model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint, or, with no value, from the '
        'latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed-precision training: float16 with dynamic loss scaling '
        'on GPU, bfloat16 autocast on CPU (see --amp-dtype)')
    parser.add_argument(
        '--amp-dtype',
        choices=['float16', 'bfloat16'],
        default=None,
        help='autocast dtype of --amp; default float16 on GPU, bfloat16 on '
        'CPU. bfloat16 needs no loss scaling (and is what DG-Net accepts)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. train_cfg.max_iters=100')
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


def add_custom_hook(cfg: Config, hook: dict) -> None:
    """Append ``hook`` to ``cfg.custom_hooks`` unless its type is there."""
    hooks = list(cfg.get('custom_hooks', None) or [])
    if all(h.get('type') != hook['type'] for h in hooks):
        cfg.custom_hooks = hooks + [hook]


def build_config(args) -> Config:
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
    cap_num_workers(cfg)
    if args.amp_dtype is not None and not args.amp:
        raise SystemExit('--amp-dtype only takes effect with --amp; add '
                         '--amp.')
    if args.amp:
        enable_amp(cfg, args.amp_dtype)
    # Resuming from a checkpoint of another model fails with one message.
    add_custom_hook(cfg, dict(type='CheckpointCheckHook', on_resume=True))
    if args.channels_last:
        add_custom_hook(cfg, dict(type='ChannelsLastHook'))
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
        if 'runner_type' not in cfg:
            # Skip an empty or truncated last_checkpoint / iter_*.pth.
            cfg.load_from = find_resumable_checkpoint(cfg.work_dir)
            cfg.resume = cfg.load_from is not None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main():
    args = parse_args()
    register_all_modules()
    cfg = build_config(args)
    setup_cpu_distributed(cfg, args.launcher)
    if 'runner_type' in cfg:
        from mmreidgen.registry import RUNNERS
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
