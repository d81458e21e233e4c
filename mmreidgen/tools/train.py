"""Train a model from a config: ``python tools/train.py CONFIG``, or
``python -m mmreidgen.tools.train CONFIG`` from an installed package.

A pipeline config (CR-GAN, DG-Net, SLSR) runs all its stages; re-running
the same command resumes it (``--resume`` changes nothing for a pipeline).
"""
import os
import os.path as osp
import shlex
import sys
from typing import Sequence

from mmreidgen.apis import load_config
from mmreidgen.apis.cli import (
    add_runner_arguments,
    parse_runner_args,
    run_tool,
    tool_parser,
)
from mmreidgen.engine import find_resumable_checkpoint
from mmreidgen.engine.checkpoint import check_resume_config
from mmreidgen.engine.dist import setup_cpu_distributed
from mmreidgen.utils import (
    cap_num_workers,
    check_optimizer_types,
    enable_amp,
    register_all_modules,
    work_dir_lock,
)

STATE = {}


def parse_args(argv=None):
    parser = tool_parser('Train a mmreidgen model')
    add_runner_arguments(parser, 'where to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint, or, with no value, from the '
        'newest complete checkpoint in the work dir (a pipeline always '
        'resumes each stage from its own checkpoints)')
    parser.add_argument(
        '--restart-from', metavar='STAGE',
        help='pipelines: re-run this stage and every later one (their old '
        'folders move to <work_dir>/stale/)')
    parser.add_argument(
        '--check-data', action='store_true',
        help='decode every image and mask the config uses before training')
    parser.add_argument(
        '--amp', action='store_true',
        help='mixed-precision training: float16 with dynamic loss scaling '
        'on GPU, bfloat16 autocast on CPU (see --amp-dtype)')
    parser.add_argument(
        '--amp-dtype', choices=['float16', 'bfloat16'], default=None,
        help='autocast dtype of --amp; default float16 on GPU, bfloat16 on '
        'CPU. bfloat16 needs no loss scaling (and is what DG-Net accepts)')
    return parse_runner_args(parser, argv)


def tool_hooks(args) -> list:
    """Hooks the tool adds to every run (they do not change results)."""
    hooks = [dict(type='CheckpointCheckHook', on_resume=True),
             dict(type='RNGStateHook')]
    if args.channels_last:
        hooks.append(dict(type='ChannelsLastHook'))
    return hooks


def main(argv=None):
    STATE.update(argv=list(sys.argv[1:] if argv is None else argv))
    args = parse_args(argv)
    register_all_modules()
    if args.amp_dtype is not None and not args.amp:
        raise ValueError('--amp-dtype only takes effect with --amp; add '
                         '--amp.')
    options = dict(args.cfg_options or {})
    if args.restart_from:
        options['restart_from'] = args.restart_from
    cfg = load_config(args.config, options, work_dir=args.work_dir)
    cfg.launcher = args.launcher
    STATE.update(config=args.config, work_dir=cfg.work_dir)
    with work_dir_lock(cfg.work_dir, 'tools/train.py'):
        train(args, cfg)


def train(args, cfg) -> None:
    """Train ``cfg`` as the command line asks (work dir locked)."""
    setup_cpu_distributed(cfg, args.launcher)
    if args.check_data:
        from mmreidgen.datasets.check import check_config_data
        check_config_data(cfg)
    # '' = the device's default dtype (enable_amp decides).
    amp = (args.amp_dtype or '') if args.amp else None
    if cfg.get('runner_type') == 'PipelineRunner':
        from mmreidgen.stages import PipelineRunner
        if args.resume not in (None, 'auto'):
            raise ValueError(
                '--resume CHECKPOINT is for single-stage configs; a pipeline '
                'resumes every stage from its own checkpoints: run the same '
                'command again (with the same --work-dir).')
        PipelineRunner(cfg, amp_dtype=amp, extra_hooks=tool_hooks(args),
                       cfg_options=args.cfg_options).train()
        return
    from mmreidgen.datasets.check import check_epoch_images
    from mmreidgen.engine.runner import ReIDRunner
    check_epoch_images(cfg, args.config)
    check_optimizer_types(cfg)
    cap_num_workers(cfg)
    if args.amp:
        enable_amp(cfg, args.amp_dtype)
    cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + tool_hooks(args)
    if args.resume == 'auto':
        # Skip an empty or truncated last_checkpoint / iter_*.pth.
        cfg.load_from = find_resumable_checkpoint(cfg.work_dir)
        cfg.resume = cfg.load_from is not None
        if not cfg.resume:
            print(f'--resume: no complete checkpoint in {cfg.work_dir}; '
                  'training starts from the beginning.', flush=True)
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if cfg.get('resume'):
        check_resume_config(cfg, cfg.load_from)
    ReIDRunner.from_cfg(cfg).train()


def interrupted() -> str:
    """The last complete checkpoint and the command that resumes."""
    work_dir = STATE.get('work_dir')
    if not work_dir:
        return ''
    newest, newest_time = None, -1.0
    for root, _, _ in os.walk(work_dir):
        ckpt = find_resumable_checkpoint(root)
        if ckpt and osp.getmtime(ckpt) > newest_time:
            newest, newest_time = ckpt, osp.getmtime(ckpt)
    where = f'Last complete checkpoint: {newest}.' if newest else \
        'No checkpoint was written yet.'
    return f'{where} Resume with: {resume_command()}'


def resume_command() -> str:
    """The command as it was given, which resumes: with ``--resume`` and
    the work dir added when it had none."""
    argv = list(STATE.get('argv') or [STATE['config']])
    if '--work-dir' not in argv:
        argv += ['--work-dir', STATE['work_dir']]
    if '--resume' not in argv:
        argv.append('--resume')
    program = STATE.get('program') or ['tools/train.py']
    return shlex.join(['python', *program, *map(str, argv)])


def run(program: Sequence[str] = ('tools/train.py', )) -> None:
    """The command line: :func:`main` under :func:`run_tool`.

    Args:
        program (Sequence[str]): How the command was started, for the
            resume hint after Ctrl-C. Defaults to ('tools/train.py', ).
    """
    STATE['program'] = list(program)
    run_tool(main, lambda: STATE.get('work_dir'), interrupted)


__all__ = [
    'STATE', 'interrupted', 'main', 'parse_args', 'resume_command', 'run',
    'tool_hooks', 'train'
]

if __name__ == '__main__':
    run(['-m', 'mmreidgen.tools.train'])
