"""What a grid will cost, before it runs (``run_proofs.py --estimate``).

For every row the harness would run, a short timed probe runs the row's
own command (first seed) in ``<work_dir>/_probe/<row>/``, with every
training stage cut to ``probe_iters`` iterations (an epoch-based stage to
one epoch) and the logger writing every iteration. From the probe:

- each stage's seconds per iteration (the median of mmengine's logged
  ``time`` after the first two iterations), times the iterations of the
  real stage;
- each stage's fixed cost (building the data and model, testing): its wall
  time in the probe less its logged iterations;
- the cost of starting a subprocess, and of ``tools/test.py`` for rows
  tested that way;
- the share of a core the probe got (its CPU time over its wall time),
  which turns the wall seconds above into CPU seconds.

Rows that train the same command (the same config and options, read for
another metric or paired with another row) are probed once.

Units of work that are finished, or that a run shares with the run before
it that trains them, cost nothing more. The wall time at ``jobs`` comes
from scheduling the remaining runs in the harness's order on ``jobs``
workers, a shared stage's waiters starting only after its owner has
finished it. Probes run ``jobs`` at a time, as the grid would, so their
timings include the contention of a full machine.
"""
import glob
import json
import os
import os.path as osp
import shutil
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional

from mmreidgen.apis import load_config
from mmreidgen.config import is_pipeline
from mmreidgen.stages import PipelineRunner
from mmreidgen.stages.base_stage import read_json
from mmreidgen.stages.pipeline_runner import CONFIG_COPY, MARKER

from .harness import (
    RUN_RECORD,
    TEST,
    TRAIN,
    ProofHarness,
    call_logged,
    config_path,
    format_options,
    parse_options,
    stage_done,
    test_options,
    train_options,
)

PROBE_DIR = '_probe'


def _schedule(train_cfg: dict, top: Optional[dict] = None) -> tuple:
    """``('iters', n)`` or ``('epochs', n)`` of a runner's train_cfg
    (a value that refers to a top-level variable, ``'${name}'``, is read
    from ``top``)."""
    train_cfg = _deref(train_cfg, top) or {}
    for key, kind in (('max_iters', 'iters'), ('max_epochs', 'epochs')):
        value = _deref(train_cfg.get(key), top)
        if value is not None:
            return kind, int(value)
    return None, 0


def _reference(value) -> Optional[str]:
    """``name`` of a ``'${name}'`` reference, else None."""
    if isinstance(value, str) and value.startswith('${') and \
            value.endswith('}'):
        return value[2:-1]
    return None


def _deref(value, top: Optional[dict]):
    name = _reference(value)
    if name is None or top is None:
        return value
    return _deref(top.get(name), top)


def work_units(row: dict, seed: int, run_dir: str) -> Dict[str, dict]:
    """The units of work of a run (stages, or ``train``) with their real
    schedule: ``{name: dict(kind=..., length=...)}``."""
    options = parse_options(format_options(train_options(row, seed)))
    cfg = load_config(config_path(row), options, work_dir=run_dir)
    if is_pipeline(cfg):
        runner = PipelineRunner(cfg)
        out = {}
        for name in runner.names:
            stage_cfg = runner.stage_config(name)
            kind, length = _schedule(stage_cfg.get('train_cfg'))
            if stage_cfg['stage']['type'] not in ('train', 'TrainStage') and \
                    kind is None:
                kind = 'fixed'
            out[name] = dict(kind=kind or 'fixed', length=length)
        return out
    # load_config has resolved the schedule (epochs, fractions) already.
    kind, length = _schedule(cfg.get('train_cfg'))
    return {'train': dict(kind=kind or 'fixed', length=length)}


def probe_options(row: dict, seed: int, run_dir: str,
                  probe_iters: int) -> dict:
    """The row's training options plus what cuts every stage short."""
    options = dict(train_options(row, seed))
    cfg = load_config(config_path(row), parse_options(
        format_options(options)), work_dir=run_dir)
    top = cfg._cfg_dict.to_dict()
    short = {}

    def cut(prefix: str, train_cfg) -> None:
        # A train_cfg that is a reference is cut in the variable it names.
        prefix = _reference(train_cfg) or prefix
        kind, _ = _schedule(train_cfg, top)
        if kind == 'iters':
            short[f'{prefix}.max_iters'] = probe_iters
        elif kind == 'epochs':
            short[f'{prefix}.max_epochs'] = 1
        # Validate once within the probe (a later stage may load the best
        # checkpoint it keeps).
        if (_deref(train_cfg, top) or {}).get('val_interval') is not None \
                and kind == 'iters':
            short[f'{prefix}.val_interval'] = probe_iters

    if is_pipeline(cfg):
        for name, stage in (top.get('stages') or {}).items():
            if not stage:
                continue
            own = (stage.get('cfg') or {})
            if own.get('train_cfg') is not None:
                cut(f'stages.{name}.cfg.train_cfg', own['train_cfg'])
            if (own.get('default_hooks') or {}).get('logger'):
                short[f'stages.{name}.cfg.default_hooks.logger.interval'] = 1
    cut('train_cfg', top.get('train_cfg'))
    if (top.get('default_hooks') or {}).get('logger') is not None:
        short['default_hooks.logger.interval'] = 1
    options.update(short)
    return options


def _iteration_times(stage_dir: str) -> List[float]:
    """mmengine's logged ``time`` of each training iteration of a stage."""
    times = []
    # A stage that trains several models (SLSR's DCGANs) logs each in a
    # sub-folder of its own.
    paths = glob.glob(osp.join(stage_dir, '*', 'vis_data', 'scalars.json'))
    paths += glob.glob(osp.join(stage_dir, '*', '*', 'vis_data',
                                'scalars.json'))
    for path in sorted(paths):
        with open(path, encoding='utf-8') as f:
            for line in f:
                entry = json.loads(line)
                if 'time' in entry and 'iter' in entry and \
                        'data_time' in entry:
                    times.append(float(entry['time']))
    return times


def _stage_wall(stage_dir: str) -> Optional[float]:
    """Seconds from a stage's start (its recorded config) to its marker."""
    start = osp.join(stage_dir, CONFIG_COPY)
    end = osp.join(stage_dir, MARKER)
    if not (osp.isfile(start) and osp.isfile(end)):
        return None
    return max(0.0, osp.getmtime(end) - osp.getmtime(start))


def _cost_model(stage_dir: str, wall: float) -> dict:
    """Seconds per iteration and fixed seconds, from a probe's stage."""
    times = _iteration_times(stage_dir)
    steady = times[2:] or times
    per_iter = statistics.median(steady) if steady else 0.0
    return dict(per_iter=per_iter, fixed=max(0.0, wall - sum(times)),
                probe_iters=len(times))


def probe_plan(harness: ProofHarness, row: dict, seed: int,
               probe_iters: int) -> tuple:
    """(probe dir, options, units of work) of a row's probe; configs are
    loaded here, in one thread."""
    probe_dir = osp.join(harness.work_dir, PROBE_DIR, row['name'])
    return (probe_dir, probe_options(row, seed, probe_dir, probe_iters),
            work_units(row, seed, probe_dir))


def probe_row(harness: ProofHarness, row: dict, seed: int,
              plan: tuple) -> dict:
    """Run the row's probe; return its cost model per unit of work, plus
    ``_process`` (starting a subprocess) and ``_test``."""
    probe_dir, options, units = plan
    if osp.exists(probe_dir):
        shutil.rmtree(probe_dir)
    os.makedirs(probe_dir)
    log = osp.join(probe_dir, 'probe.log')
    cmd = [harness.python, *TRAIN, config_path(row), '--work-dir',
           probe_dir, '--cfg-options', *format_options(options)]
    cpu, wall = call_logged(cmd, log, harness.device)
    model = {}
    if list(units) == ['train']:
        times = _iteration_times(probe_dir)
        steady = times[2:] or times
        model['train'] = dict(
            per_iter=statistics.median(steady) if steady else 0.0,
            fixed=0.0, probe_iters=len(times))
        model['_process'] = dict(fixed=max(0.0, wall - sum(times)))
    else:
        stage_walls = 0.0
        for name in units:
            stage_dir = osp.join(probe_dir, name)
            stage_wall = _stage_wall(stage_dir) or 0.0
            stage_walls += stage_wall
            model[name] = _cost_model(stage_dir, stage_wall)
        model['_process'] = dict(fixed=max(0.0, wall - stage_walls))
    if row.get('test') is not None and list(units) == ['train']:
        from mmreidgen.engine.checkpoint import find_resumable_checkpoint
        ckpt = find_resumable_checkpoint(probe_dir)
        test_dir = osp.join(probe_dir, 'proof_test')
        os.makedirs(test_dir, exist_ok=True)
        cmd = [harness.python, *TEST, config_path(row), ckpt,
               '--work-dir', test_dir, '--cfg-options',
               *format_options(test_options(row, seed))]
        test_cpu, test_wall = call_logged(cmd, log, harness.device)
        model['_test'] = dict(fixed=test_wall)
        cpu, wall = cpu + test_cpu, wall + test_wall
    shutil.rmtree(probe_dir, ignore_errors=True)
    # The timings above are wall seconds; on a busy machine a process gets
    # less than a core, so CPU seconds are wall seconds times this share.
    model['_cpu_share'] = min(1.0, cpu / wall) if wall > 0 else 1.0
    return model


def _unit_cost(model: dict, unit: dict, probe_iters_done: int) -> float:
    if unit['kind'] == 'iters':
        return model['fixed'] + model['per_iter'] * unit['length']
    if unit['kind'] == 'epochs':
        per_epoch = model['per_iter'] * model['probe_iters']
        return model['fixed'] + per_epoch * unit['length']
    return model['fixed'] + model['per_iter'] * model['probe_iters']


def estimate(harness: ProofHarness, probe_iters: int = 24) -> dict:
    """Probe, then the remaining trainings, CPU time and wall time.

    Returns:
        dict: ``runs`` (each remaining run with its seconds and what it
        shares), ``shared`` (units of work trained once and shared),
        ``cpu_s``, ``wall_s`` (at ``harness.jobs``), ``probe_wall_s``.
    """
    start = time.time()
    keys = harness.all_keys()
    owners = harness.owners(keys)
    rows = {}
    for row, seed in harness.units():
        rows.setdefault(row['name'], (row, seed))
    # Rows that train the same command (the same runs read for another
    # metric or pairing) are probed once.
    def command(row: dict, seed: int) -> str:
        return json.dumps([row['config'], train_options(row, seed),
                           row.get('test')], sort_keys=True, default=str)

    probed: Dict[str, str] = {}
    for name, (row, seed) in rows.items():
        probed.setdefault(command(row, seed), name)
    alias = {name: probed[command(row, seed)]
             for name, (row, seed) in rows.items()}
    distinct = sorted(set(alias.values()), key=list(rows).index)
    plans = {name: probe_plan(harness, *rows[name], probe_iters)
             for name in distinct}
    with ThreadPoolExecutor(harness.jobs) as pool:
        futures = {name: pool.submit(probe_row, harness, *rows[name],
                                     plans[name])
                   for name in distinct}
        done = {name: f.result() for name, f in futures.items()}
    models = {name: done[alias[name]] for name in rows}
    shutil.rmtree(osp.join(harness.work_dir, PROBE_DIR), ignore_errors=True)
    probe_wall = time.time() - start
    runs, shared = [], {}
    for (name, seed), unit_keys in keys.items():
        row = harness._row(name)
        run_dir = harness.run_dir(row, seed)
        record = read_json(osp.join(run_dir, RUN_RECORD)) or {}
        if record.get('finished') and (row.get('test') is None or osp.isfile(
                osp.join(run_dir, 'proof_test', 'metrics.json'))):
            continue
        units = work_units(row, seed, run_dir)
        model = models[name]
        taken = {stage: owner for stage, owner in owners[name, seed]}
        seconds, own = model['_process']['fixed'], []
        for stage in units:
            if stage in taken:
                shared.setdefault(f'{stage} of {taken[stage][0]} seed '
                                  f'{seed}', []).append(name)
                continue
            if stage != 'train' and any(
                    stage_done(osp.join(d, stage), unit_keys[stage])
                    for d in [run_dir] + harness.shared_run_dirs(seed)):
                continue
            seconds += _unit_cost(model[stage], units[stage], probe_iters)
            own.append(stage)
        if '_test' in model:
            seconds += model['_test']['fixed']
        if 'train' in taken:
            seconds = model.get('_test', {}).get('fixed', 0.0)
        runs.append(dict(row=name, seed=seed, seconds=seconds,
                         cpu_s=seconds * model['_cpu_share'], trains=own,
                         waits_for=sorted({f'{o[0]} seed {o[1]}'
                                           for o in taken.values()})))
    return dict(runs=runs, shared=shared,
                cpu_s=sum(r['cpu_s'] for r in runs),
                wall_s=simulate(runs, harness.jobs), jobs=harness.jobs,
                probe_iters=probe_iters, probe_wall_s=probe_wall)


def simulate(runs: List[dict], jobs: int) -> float:
    """Wall time of ``runs`` in order on ``jobs`` workers, a run starting
    only after the runs it waits for have ended (the harness waits for a
    shared stage only, so this is an upper bound)."""
    free = [0.0] * max(1, jobs)
    ends: Dict[str, float] = {}
    for run in runs:
        ready = max([ends.get(w, 0.0) for w in run['waits_for']] or [0.0])
        worker = min(range(len(free)), key=lambda i: max(free[i], ready))
        start = max(free[worker], ready)
        free[worker] = start + run['seconds']
        ends[f'{run["row"]} seed {run["seed"]}'] = free[worker]
    return max(free)


def format_estimate(est: dict) -> str:
    """The estimate as text for the terminal."""
    lines = [f'{len(est["runs"])} run(s) to go at --jobs {est["jobs"]} '
             f'(probes of {est["probe_iters"]} iterations took '
             f'{est["probe_wall_s"] / 60:.1f} min):']
    for run in est['runs']:
        what = ', '.join(run['trains']) or 'nothing new'
        wait = (f'; shares with {", ".join(run["waits_for"])}'
                if run['waits_for'] else '')
        lines.append(f'  {run["row"]} seed {run["seed"]}: '
                     f'{run["seconds"] / 60:.1f} min, '
                     f'{run["cpu_s"] / 60:.1f} CPU min ({what}{wait})')
    if est['shared']:
        lines.append('Trained once and shared:')
        for unit, users in est['shared'].items():
            lines.append(f'  {unit} -> {", ".join(users)}')
    lines.append(f'CPU time {est["cpu_s"] / 3600:.2f} h; wall time at '
                 f'--jobs {est["jobs"]}: {est["wall_s"] / 3600:.2f} h.')
    return '\n'.join(lines)
