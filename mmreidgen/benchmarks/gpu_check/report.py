"""The Markdown report of the check, and its JSON made finite."""
import math
import os.path as osp
from typing import Optional

import numpy as np

from mmreidgen.utils.environment import (
    format_environment,
)

from .settings import GOAL_BUSY, GOAL_RATIO


# -- report ---------------------------------------------------------------
def fmt(value, digits=3) -> str:
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 'yes' if value else 'NO'
    if isinstance(value, float):
        return f'{value:.{digits}g}' if abs(value) < 1e4 else f'{value:.0f}'
    return str(value)


def gib(num) -> str:
    return '-' if num is None else f'{num / 2**30:.2f}'


def to_markdown(report: dict) -> str:
    """The report as markdown tables (what docs/en/benchmarks.md takes)."""
    env = report['environment']
    kind = 'dry run, CPU' if report['dry_run'] else 'full'
    lines = [f'# GPU check ({kind})', '',
             f'{env.get("gpu", env["device"])}, torch {env["torch"]}, '
             f'CUDA {env["cuda"]}, Python {env["python"]}, '
             f'{env["cpu_count"]} CPU cores, {env["date"]}; '
             f'total {report["seconds"]:.0f} s (budget '
             f'{report["budget_s"]:.0f} s).', '']
    if env.get('record'):
        lines += [f'Environment: {format_environment(env["record"])}.', '']
    tests = report['cuda_tests']
    lines += ['## 1. CUDA tests', '',
              f'`{tests.get("command", "")}`: {tests.get("passed")} passed, '
              f'{tests.get("failed")} failed, {tests.get("errors")} errors, '
              f'{tests.get("skipped")} skipped ({tests.get("status")}).', '']
    for case in tests.get('failures', []):
        lines.append(f'- failed: `{case}`')
    rend = report['render']
    lines += ['## 2. Synthetic set', '',
              f'{rend.get("num_train_ids")} training identities per domain, '
              f'{rend.get("status")}, {fmt(rend.get("seconds"))} s: '
              f'{rend.get("images", rend.get("error"))}', '']
    train = report['train']
    lines += ['## 3. Training', '']
    lines += [f'- {n}' for n in train.get('notes', [])]
    lines += ['', '| config | stage | run: img/s | run: iters | run: peak '
              'GiB | run status |', '|---|---|---|---|---|---|']
    for name, entry in train.get('configs', {}).items():
        run = entry.get('run', {})
        lines.append(
            f'| {name} (`{osp.basename(entry["config"])}`) | '
            f'{entry["stage"] or "-"} | {fmt(run.get("images_per_s"))} | '
            f'{fmt(run.get("iterations"))} | '
            f'{gib(run.get("peak_memory"))} | {run.get("status")} '
            f'{run.get("error", run.get("reason", ""))} |')
    lines += ['', f'`train_step` against the plain loop (goal ratio <= '
              f'{GOAL_RATIO}), one fixed batch of the config\'s size:', '',
              '| config | setting | batch | train_step s/iter | plain '
              's/iter | ratio | img/s | peak GiB | status |',
              '|---|---|---|---|---|---|---|---|---|']
    for name, entry in train.get('configs', {}).items():
        for key, step in entry.get('steps', {}).items():
            reason = step.get('error', step.get('reason', ''))
            lines.append(
                f'| {name} | {key} | {fmt(step.get("batch_size"))} | '
                f'{fmt(step.get("train_step_s"))} | '
                f'{fmt(step.get("plain_s"))} | {fmt(step.get("ratio"))} '
                f'| {fmt(step.get("images_per_s"))} | '
                f'{gib(step.get("peak_memory"))} | {step["status"]} '
                f'{reason[:120]} |')
    ev = report['eval']
    lines += ['', f'## 4. Evaluation and re-ranking ({ev.get("device")} '
              'against the CPU)', '', f'sizes (Q, G, ids, distractors): '
              f'{ev.get("sizes")}', '',
              '| size | step | CPU s | device s | equal to the CPU | notes |',
              '|---|---|---|---|---|---|']
    for size in ('market', 'msmt'):
        for step, item in ev.get(size, {}).items():
            notes = {k: fmt(v) for k, v in item.items() if k not in (
                'status', 'cpu_s', 'device_s', 'equal', 'traceback')}
            lines.append(
                f'| {size} | {step} | {fmt(item.get("cpu_s"))} | '
                f'{fmt(item.get("device_s"))} | {fmt(item.get("equal"))} '
                f'| {notes} |')
    busy = report['busy']
    lines += ['', f'## 5. GPU busy fraction (goal >= {GOAL_BUSY})', '',
              '| config | workers | busy (step / wall) | NVML utilization | '
              'step s | dataloader wait s | steady iters |',
              '|---|---|---|---|---|---|---|']
    for name, row in busy.get('configs', {}).items():
        lines.append(
            f'| {name} | {fmt(row.get("num_workers"))} | '
            f'{fmt(row.get("busy_fraction"))} | '
            f'{fmt(row.get("nvml_utilization"))} | '
            f'{fmt(row.get("step_s"))} | {fmt(row.get("wait_s"))} | '
            f'{fmt(row.get("steady_iterations"))} |')
    return '\n'.join(lines) + '\n'


def clean_json(node, path: str = '', bad: Optional[list] = None):
    """JSON-safe: NaN and infinities become None, their paths go to
    ``bad``."""
    if isinstance(node, dict):
        return {str(k): clean_json(v, f'{path}.{k}', bad)
                for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [clean_json(v, f'{path}[{i}]', bad) for i, v in enumerate(node)]
    if isinstance(node, (np.floating, np.integer, np.bool_)):
        node = node.item()
    if isinstance(node, float) and not math.isfinite(node):
        if bad is not None:
            bad.append(path.lstrip('.'))
        return None
    return node
