"""The prepared GPU check: one run that measures what researchers will run.

The command line of :mod:`mmreidgen.benchmarks.gpu_check`."""
import argparse
import json
import os
import os.path as osp
import shutil
import tempfile
import time
from typing import List

import torch
from mmengine.logging import print_log

from .cuda_tests import finish_cuda_tests, start_cuda_tests
from .report import clean_json, to_markdown
from .sections import (
    busy_section,
    environment,
    error_record,
    eval_section,
    render,
    train_section,
)
from .settings import (
    DRY_SETTINGS,
    SCALED_OPTIONS,
    SETTINGS,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--dry-run', action='store_true',
                        help='CPU, tiny sizes, under a minute')
    for name, kind, full, small, text in SCALED_OPTIONS:
        parser.add_argument(
            '--' + name.replace('_', '-'), type=kind, default=None,
            help=f'{text} (default {full:g}; {small:g} with --dry-run)')
    parser.add_argument('--settings', nargs='+', choices=SETTINGS,
                        default=None,
                        help='precision and memory format of the step '
                        'timings (default: all six; with --dry-run '
                        f'{" ".join(DRY_SETTINGS)})')
    parser.add_argument('--num-test-ids', type=int, default=100,
                        help='query/gallery identities of the render')
    parser.add_argument('--work-dir', default=None,
                        help='rendered set and runner folders (default: a '
                        'temporary folder)')
    parser.add_argument('--skip', nargs='*', default=[],
                        choices=['cuda_tests', 'train', 'eval'])
    args = parser.parse_args(argv)
    small = args.dry_run
    if args.settings is None:
        args.settings = list(DRY_SETTINGS if small else SETTINGS)
    for name, _, full_value, small_value, _ in SCALED_OPTIONS:
        if getattr(args, name) is None:
            setattr(args, name, small_value if small else full_value)
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    begin = time.perf_counter()
    from mmreidgen.utils import register_all_modules
    register_all_modules()
    device = 'cpu' if args.dry_run or not torch.cuda.is_available() \
        else 'cuda'
    os.makedirs(args.out, exist_ok=True)
    work = args.work_dir or tempfile.mkdtemp(prefix='mmreidgen_gpu_check_')
    report = dict(dry_run=args.dry_run, budget_s=args.budget,
                  environment=environment(device),
                  settings={k: v for k, v in vars(args).items()})
    if device == 'cpu' and not args.dry_run:
        report['environment']['note'] = ('no CUDA device: every figure '
                                          'below is a CPU figure')
    tests = None
    if 'cuda_tests' not in args.skip:
        tests = start_cuda_tests(args.out)
    synth_root = osp.join(work, 'synthreid')
    marks = dict(start=time.perf_counter() - begin)
    try:
        report['render'] = render(synth_root, args.dry_run,
                                  args.num_test_ids)
    except Exception as exc:  # training cannot run without it
        report['render'] = error_record(exc)
    if tests is not None:
        report['cuda_tests'] = finish_cuda_tests(
            tests, begin + args.budget * 0.3 - time.perf_counter())
    else:
        report['cuda_tests'] = dict(status='skipped')
    marks['render_and_tests'] = time.perf_counter() - begin
    # The rest of the budget: about 70 % training, 30 % evaluation.
    left = args.budget - (time.perf_counter() - begin)
    train_deadline = time.perf_counter() + 0.7 * left
    if 'train' in args.skip or report['render']['status'] != 'ok':
        report['train'] = dict(status='skipped', configs={})
    else:
        report['train'] = train_section(synth_root, osp.join(work, 'runs'),
                                        device, args, train_deadline)
    report['busy'] = busy_section(report['train'])
    marks['train'] = time.perf_counter() - begin
    eval_deadline = begin + args.budget
    if 'eval' in args.skip:
        report['eval'] = dict(status='skipped')
    else:
        try:
            report['eval'] = eval_section(device, args.dry_run,
                                          eval_deadline)
        except Exception as exc:  # recorded
            report['eval'] = error_record(exc)
    report['seconds'] = time.perf_counter() - begin
    marks['eval'] = report['seconds']
    report['elapsed_after_s'] = marks
    non_finite: List[str] = []
    report = clean_json(report, bad=non_finite)
    report['non_finite'] = non_finite
    with open(osp.join(args.out, 'gpu_check.json'), 'w') as f:
        json.dump(report, f, indent=1)
    with open(osp.join(args.out, 'gpu_check.md'), 'w') as f:
        f.write(to_markdown(report))
    if args.work_dir is None:  # the rendered set and the runs' folders
        shutil.rmtree(work, ignore_errors=True)
    print_log(f'gpu_check: {report["seconds"]:.1f} s, report in '
              f'{args.out}/gpu_check.md', logger='current')
    return report


if __name__ == '__main__':
    main()
