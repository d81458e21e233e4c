"""Print the fully resolved config: ``_base_`` files merged, overrides
applied, and, for a multi-stage pipeline, one stage's effective config.

Examples::

    python tools/misc/print_config.py configs/baseline/baseline_r50_market.py
    python tools/misc/print_config.py CONFIG \
        --cfg-options model.head.num_classes=702
    python tools/misc/print_config.py configs/crgan/crgan_r50_market2duke.py \
        --stage stage2_gan --out stage2.py
"""
import argparse
import copy
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction

from mmreidgen.utils import check_cfg_options

# Keys that only steer the pipeline; a stage's config does not hold them.
_PIPELINE_KEYS = ('stages', 'runner_type', 'only_stage', 'test_stage')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Print the fully resolved config')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--stage',
        help='for a pipeline config (runner_type=PipelineRunner): print '
        'the config this stage runs with (the top-level config merged with '
        "the stage's cfg)")
    parser.add_argument('--out', help='also write the config to this file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config entries, e.g. train_cfg.max_iters=100')
    return parser.parse_args(argv)


def stage_config(cfg: Config, name: str) -> Config:
    """The config a pipeline stage runs with.

    Args:
        cfg (Config): A pipeline config with ``stages``.
        name (str): The stage name.

    Returns:
        Config: The top-level keys (without the pipeline's own) merged with
        the stage's ``cfg``, as ``PipelineRunner`` merges them.
    """
    stages = cfg.get('stages') or []
    names = [s.get('name') for s in stages]
    if name not in names:
        raise KeyError(
            f'--stage {name!r} is not a stage of this config; choose one of '
            f'{names}' if names else f'--stage {name!r}: this config has no '
            'stages (it is not a pipeline config).')
    stage = stages[names.index(name)]
    base = {k: copy.deepcopy(v) for k, v in cfg.to_dict().items()
            if k not in _PIPELINE_KEYS}
    merged = Config(base)
    merged.merge_from_dict(copy.deepcopy(stage.get('cfg', {})))
    return merged


def main(argv=None) -> str:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise FileNotFoundError(
            f'Config {args.config} does not exist; pass a file under '
            'configs/, e.g. configs/baseline/baseline_r50_market.py.')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    header = f'# Config: {args.config}'
    if args.stage is not None:
        cfg = stage_config(cfg, args.stage)
        header += f' (stage {args.stage})'
    elif cfg.get('stages'):
        names = ', '.join(s.get('name', '?') for s in cfg.stages)
        header += (f'\n# Pipeline stages: {names}; print one with '
                   '--stage NAME.')
    text = f'{header}\n{cfg.pretty_text}'.rstrip('\n') + '\n'
    sys.stdout.write(text)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write(text)
    return text


if __name__ == '__main__':
    main()
