"""Mean ± sd over seeds and paired differences with a t interval."""
import json
import math
import os
import os.path as osp
import time
from typing import Dict, Optional, Sequence

import numpy as np
from scipy import stats

METRICS = ('mAP', 'R1', 'R5')


def read_metrics(path: str) -> dict:
    """A metrics JSON without the evaluator prefix ('reid/mAP' -> 'mAP').

    A further test set's metrics keep its name ('synthmarket/reid/mAP' ->
    'synthmarket/mAP'), so they never replace the main set's.
    """
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    out = {}
    for key, value in data.items():
        parts = key.split('/')
        name = parts[-1] if len(parts) <= 2 else f'{parts[0]}/{parts[-1]}'
        out[name] = float(value)
    return out


def mean_sd(values: Sequence[float]) -> dict:
    """Mean and sample sd (ddof 1; None for one value) of ``values``."""
    arr = np.asarray(values, dtype=float)
    return dict(mean=float(arr.mean()) if arr.size else None,
                sd=float(arr.std(ddof=1)) if arr.size > 1 else None,
                n=int(arr.size))


def paired_difference(a: Dict[int, float], b: Dict[int, float],
                      level: float = 0.95) -> dict:
    """``a - b`` over the seeds both have, with a t interval of the mean.

    Args:
        a (dict): ``{seed: value}`` of the row that claims to beat ``b``.
        b (dict): ``{seed: value}`` of the row it claims to beat.
        level (float): Confidence level. Defaults to 0.95.

    Returns:
        dict: ``seeds``, per-seed ``diffs``, ``mean``, ``sd``, ``n`` and
        ``ci`` ([low, high]; None below two seeds): the mean plus or minus
        ``t_{(1+level)/2, n-1} * sd / sqrt(n)``.
    """
    seeds = sorted(set(a) & set(b))
    diffs = [a[s] - b[s] for s in seeds]
    out = dict(seeds=seeds, diffs=diffs, **mean_sd(diffs), ci=None)
    if len(diffs) > 1:
        half = stats.t.ppf((1 + level) / 2, len(diffs) - 1) * out['sd'] / \
            math.sqrt(len(diffs))
        out['ci'] = [out['mean'] - half, out['mean'] + half]
    return out


def _pm(stat: dict) -> str:
    if stat['mean'] is None:
        return '–'
    if stat['sd'] is None:
        return f'{stat["mean"]:.1f}'
    return f'{stat["mean"]:.1f} ± {stat["sd"]:.1f}'


def _diff(stat: dict) -> str:
    if stat['mean'] is None:
        return '–'
    text = f'{stat["mean"]:+.1f}'
    if stat['ci'] is not None:
        text += f' [{stat["ci"][0]:+.1f}, {stat["ci"][1]:+.1f}]'
    return text


def summarise(grid: dict, name: str, seeds: Sequence[int],
              runs: Dict[str, Dict[int, dict]],
              meta: Optional[dict] = None) -> dict:
    """The results of a grid from its finished runs.

    Args:
        grid (dict): The grid.
        name (str): Its name.
        seeds (Sequence[int]): The seeds asked for.
        runs (dict): ``{row: {seed: metrics}}`` of the finished runs.
        meta (dict, optional): What made the runs (commit, device, jobs,
            environment), kept as is.

    Returns:
        dict: What ``results.json`` holds.
    """
    rows = []
    for row in grid['rows']:
        per_seed = runs.get(row['name'], {})
        entry = dict(
            name=row['name'], label=row.get('label', row['name']),
            config=row['config'], cfg_options=row.get('cfg_options') or {},
            test=row.get('test'), metrics_from=row.get('metrics'),
            beats=row.get('beats'),
            seeds=[s for s in seeds
                   if row.get('seeds') is None or s in row['seeds']],
            runs={str(s): m for s, m in sorted(per_seed.items())},
            cpu_s=sum(m.get('cpu_s', 0.0) for m in per_seed.values()))
        for metric in METRICS:
            entry[metric] = mean_sd(
                [m[metric] for _, m in sorted(per_seed.items())])
        beats = row.get('beats')
        if beats is not None:
            other = runs.get(beats, {})
            entry['difference'] = {
                metric: paired_difference(
                    {s: m[metric] for s, m in per_seed.items()},
                    {s: m[metric] for s, m in other.items()})
                for metric in METRICS
            }
        rows.append(entry)
    return dict(
        proof=name, description=grid.get('description', ''),
        setting=grid.get('setting'),
        seeds=list(seeds), updated=time.strftime('%Y-%m-%d %H:%M:%S %Z'),
        cpu_s=sum(r['cpu_s'] for r in rows), **(meta or {}), rows=rows)


def format_markdown(results: dict) -> str:
    """``results.md``: one table of means and one of paired differences."""
    lines = [
        f'# Proof `{results["proof"]}`', '', results['description'], '',
        f'Seeds {" ".join(map(str, results["seeds"]))}; mean ± sd over the '
        'finished seeds (n); CPU time of every subprocess of the grid '
        f'(shared work counted once): {results["cpu_s"] / 60:.1f} min. '
        f'Updated {results["updated"]}.', ''
    ]
    if results.get('commit') or results.get('environment'):
        from mmreidgen.utils.environment import format_environment
        env = results.get('environment')
        lines += [
            f'Commit `{results.get("commit")}`, device '
            f'{results.get("device", "cpu")}, {results.get("jobs", 1)} '
            'job(s) side by side, one thread each. Environment: '
            f'{format_environment(env) if env else "not recorded"}.', ''
        ]
    if results.get('setting'):
        lines += [f'Setting: {results["setting"]}', '']
    lines += ['| row | n | mAP | R1 | R5 | CPU min |',
              '|---|---|---|---|---|---|']
    fewer = [r for r in results['rows'] if r.get('seeds') is not None
             and r['seeds'] != results['seeds']]
    for row in results['rows']:
        n = str(row['mAP']['n']) + ('†' if row in fewer else '')
        lines.append(
            f'| {row["label"]} | {n} | {_pm(row["mAP"])} | '
            f'{_pm(row["R1"])} | {_pm(row["R5"])} | '
            f'{row["cpu_s"] / 60:.1f} |')
    if fewer:
        lines += ['', '† The row runs fewer seeds than the grid: ' + '; '.join(
            f'{r["label"]}: seeds {" ".join(map(str, r["seeds"]))}'
            for r in fewer) + '.']
    diffs = [r for r in results['rows'] if r.get('difference')]
    if diffs:
        labels = {r['name']: r['label'] for r in results['rows']}
        lines += [
            '', 'Paired differences (row − the row it claims to beat, same '
            'seed), mean [95 % t interval over seeds]:', '',
            '| row | against | n | ΔmAP | ΔR1 | ΔR5 |',
            '|---|---|---|---|---|---|'
        ]
        for row in diffs:
            d = row['difference']
            lines.append(
                f'| {row["label"]} | {labels[row["beats"]]} | '
                f'{d["mAP"]["n"]} | {_diff(d["mAP"])} | {_diff(d["R1"])} | '
                f'{_diff(d["R5"])} |')
    return '\n'.join(lines) + '\n'


def write_results(grid: dict, name: str, seeds: Sequence[int],
                  runs: Dict[str, Dict[int, dict]],
                  work_dir: str, out: Optional[str] = None,
                  meta: Optional[dict] = None) -> dict:
    """Write ``results.json`` and ``results.md`` into ``work_dir``."""
    results = summarise(grid, name, seeds, runs, meta)
    out = out or work_dir
    for fname, text in (('results.json', json.dumps(results, indent=2)),
                        ('results.md', format_markdown(results))):
        path = osp.join(out, fname)
        tmp = f'{path}.tmp-{os.getpid()}'
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(text + ('' if text.endswith('\n') else '\n'))
        os.replace(tmp, path)
    return results
