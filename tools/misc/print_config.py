"""Print the config that runs: ``_base_`` files merged, overrides applied,
``${}`` references and schedules resolved; for a pipeline, one stage's.

Examples::

    python tools/misc/print_config.py configs/baseline/baseline_r50_market.py
    python tools/misc/print_config.py CONFIG \
        --cfg-options num_classes=702
    python tools/misc/print_config.py configs/crgan/crgan_r50_market2duke.py \
        --stage stage2_gan --out stage2.py
"""
import os
import os.path as osp
import sys

from mmengine.config import Config

from mmreidgen.apis import load_config
from mmreidgen.apis.cli import run_tool, tool_parser
from mmreidgen.config import (
    RUNNER_KEYS,
    is_pipeline,
    stage_names,
    variables,
)


def parse_args(argv=None):
    parser = tool_parser(
        'Print the config that runs')
    parser.add_argument(
        '--stage', help="for a pipeline config: print what this stage runs "
        "(its type, arguments and resolved config)")
    parser.add_argument('--out', help='also write the text to this file')
    return parser.parse_args(argv)


def main(argv=None) -> str:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options, stage=args.stage)
    header = f'# Config: {args.config}'
    if args.stage is not None:
        stage = dict(cfg.pop('stage'))
        kind = stage.pop('type')
        stage.pop('name')
        header += f'\n# Stage {args.stage}: type {kind!r}'
        if stage:
            header += f', arguments {stage}'
        body = cfg
    else:
        if is_pipeline(cfg):
            header += ('\n# Pipeline stages, in order: '
                       f"{', '.join(stage_names(cfg))}; print what one runs "
                       'with --stage NAME.')
        names = ', '.join(sorted(variables(cfg)))
        if names:
            header += f'\n# Variables (used through ${{name}}): {names}'
        body = Config({k: v for k, v in cfg.to_dict().items()
                       if k in RUNNER_KEYS})
    text = f'{header}\n{body.pretty_text}'.rstrip('\n') + '\n'
    sys.stdout.write(text)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write(text)
    return text


if __name__ == '__main__':
    run_tool(main)
