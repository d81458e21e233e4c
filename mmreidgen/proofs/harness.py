"""Run a proof grid (rows x seeds), resumably, and summarise it.

Every run is a ``python -m mmreidgen.tools.train`` subprocess (the command
of ``tools/train.py``) in its own folder
``<work_dir>/<row>/seed<k>/`` with ``randomness.seed=<k>`` added to the
row's ``--cfg-options``, so each seed re-runs every stochastic stage
(initialisation, sampling, clustering, GAN training, generated images);
no seed reuses another seed's files. A row with ``test`` is then
evaluated with ``python -m mmreidgen.tools.test`` into
``<run>/proof_test/metrics.json``.

Resuming. ``<run>/proof_run.json`` records the run's config key when the
run starts and its CPU and wall time when it finishes. A finished run is
skipped; an unfinished one is started again with the same command, which
resumes it (``tools/train.py --resume`` for a single-stage config; a
pipeline resumes each stage and skips finished ones by itself). A run
whose recorded key differs from the grid's stops with a message: the grid
changed, so use a new work dir or remove that folder.

Sharing. Before a run starts, finished work of another row of the same
seed is reused when its config is the same:

- single-stage configs: when the resolved training config (work dir
  aside) is equal, the finished run folder is copied;
- pipelines: :class:`~mmreidgen.stages.PipelineRunner` records each
  stage's chained config hash in ``<stage>/stage_config.json`` (stage
  ``k``'s hash covers stages ``1..k``); every leading stage whose hash
  equals this row's is copied into this row's folder, with its ``done``
  marker, so the pipeline skips it and its later stages load their inputs
  (e.g. ``{work_dir}/stage1_pretrain/final.pth``) from the copy.

Copies are hard links where the file system allows (no disk, no time), so
a shared stage I of CR-GAN is trained once per seed. A grid that names
other grids in ``share_with`` also shares the finished runs of those
grids' work dirs (``<work_dir>/../<grid>/<row>/seed<k>/``). Rows run seed by
seed in grid order, so the first row that needs a stage trains it.

Parallel runs. ``jobs`` runs (row, seed) pairs side by side, each in its
own subprocess with one thread. A run whose leading stages (or whole
training) equal those of a run before it in grid order waits until that
run has finished them, then shares them as above; every other run starts
as soon as a job is free. So stage sharing and resume behave as in a
serial grid, and the metrics are the same (each subprocess is
deterministic). Every run's CPU time is its own subprocess's (``wait4``).
While a training subprocess runs, its CPU time so far is written to the
run's record every half minute (``attempt``), so a run whose process is
killed (a machine's session ends) keeps all but the last half minute of
it: the next attempt adds it to the run's CPU and wall time.

Rows and seeds. A row may list its own ``seeds`` (a subset of the
grid's); ``rows`` runs only the named rows (and shares what they can).

Each finished run rewrites ``<work_dir>/results.json`` and
``results.md`` (:mod:`mmreidgen.proofs.summary`), with the commit, the
device and the environment (:func:`mmreidgen.utils.environment.
environment_record`) they ran with.
"""
import argparse
import fcntl
import glob
import hashlib
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Callable, Dict, List, Optional, Sequence

from mmengine.logging import print_log

from mmreidgen.apis import load_config
from mmreidgen.apis.cli import ConfigOptionAction
from mmreidgen.config import (
    RUNNER_KEYS,
    ConfigError,
    find_config,
    is_pipeline,
    to_plain,
)
from mmreidgen.engine.checkpoint import find_resumable_checkpoint
from mmreidgen.stages import PipelineRunner
from mmreidgen.stages.base_stage import read_json, write_json
from mmreidgen.stages.pipeline_runner import CONFIG_COPY, MARKER, canonical
from mmreidgen.utils.environment import environment_record

from .summary import read_metrics, write_results

RUN_RECORD = 'proof_run.json'
# The training and test commands of every run: the package's entry points
# (tools/train.py and tools/test.py run the same), so a grid runs from an
# installed package too.
TRAIN = ('-m', 'mmreidgen.tools.train')
TEST = ('-m', 'mmreidgen.tools.test')
# The package's folder: git_commit asks git there.
PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEST_DIR = 'proof_test'
# Harness files of a run folder; never copied into another row's folder.
_OWN_FILES = (RUN_RECORD, TEST_DIR, 'proof_train.log', 'proof_test.log')


class ProofError(RuntimeError):
    """A grid cannot run as asked; the message names the fix."""


def _literal(value) -> str:
    if isinstance(value, dict):
        inner = ', '.join(f'{k}={_literal(v)}' for k, v in value.items())
        return f'dict({inner})'
    return repr(value)


def format_options(options: dict) -> List[str]:
    """``--cfg-options`` words of ``options`` (``key=value``; a dict value
    as ``dict(...)``, which :class:`ConfigOptionAction` reads)."""
    words = []
    for key, value in options.items():
        text = value if isinstance(value, str) else _literal(value)
        words.append(f'{key}={text}')
    return words


def parse_options(words: Sequence[str]) -> dict:
    """What ``tools/train.py`` makes of ``words`` (its own parser)."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionAction)
    if not words:
        return {}
    return dict(parser.parse_args(['--cfg-options', *words]).cfg_options)


def train_options(row: dict, seed: int) -> dict:
    """The training ``--cfg-options`` of ``row`` for ``seed``."""
    options = dict(row.get('cfg_options') or {})
    options['randomness.seed'] = seed
    return options


def test_options(row: dict, seed: int) -> dict:
    """The ``tools/test.py`` ``--cfg-options`` of ``row`` for ``seed``."""
    options = train_options(row, seed)
    test = dict(row.get('test') or {})
    test.pop('checkpoint', None)
    options.update(test)
    return options


def config_path(row: dict) -> str:
    """The config file of ``row``: a path, or a name under ``configs/``
    of the checkout or the installed package (:func:`find_config`)."""
    return find_config(row['config'])


def run_keys(row: dict, seed: int, run_dir: str) -> Dict[str, str]:
    """The config key of each unit of work of a run, in order.

    A pipeline: ``{stage name: the hash PipelineRunner records}``. A
    single-stage config: ``{'train': hash of the resolved config}``, the
    keys a runner reads, without the settings that do not change results
    (those PipelineRunner leaves out: workers, logging, visualizer). The
    work dir is left out of both, so equal configs of two rows match.
    """
    options = parse_options(format_options(train_options(row, seed)))
    cfg = load_config(config_path(row), options, work_dir=run_dir)
    if is_pipeline(cfg):
        keys = PipelineRunner(cfg)._keys()
        return {name: key['hash'] for name, key in keys.items()}
    # Only what a runner reads: a top-level variable matters where it is
    # referenced, and references are resolved (a new unused variable, or a
    # change of one, e.g. vis_backends, does not change what is trained).
    plain = {k: v for k, v in to_plain(cfg._cfg_dict).items()
             if k in RUNNER_KEYS}
    canon = canonical(plain, osp.abspath(run_dir))
    text = json.dumps(canon, sort_keys=True, default=str)
    return {'train': hashlib.sha256(text.encode()).hexdigest()}


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def copy_tree(src: str, dst: str) -> None:
    """Copy a finished folder (hard links where possible)."""
    tmp = f'{dst}.tmp-{os.getpid()}'
    if osp.exists(tmp):
        shutil.rmtree(tmp)
    shutil.copytree(src, tmp, copy_function=_link_or_copy,
                    ignore=shutil.ignore_patterns(*_OWN_FILES))
    os.replace(tmp, dst)


def share_stages(keys: Dict[str, str], run_dir: str,
                 others: Sequence[str]) -> Dict[str, str]:
    """Copy finished leading pipeline stages of equal hash into run_dir.

    Args:
        keys (dict): This run's ``{stage: hash}`` in stage order.
        run_dir (str): This run's pipeline work dir.
        others (Sequence[str]): Run dirs of other rows (same seed).

    Returns:
        dict: ``{stage: the run dir it was copied from}``.
    """
    shared = {}
    for name, digest in keys.items():
        mine = osp.join(run_dir, name)
        if osp.exists(mine):
            if stage_done(mine, digest):
                continue  # copied or run before
            break
        source = next((d for d in others
                       if stage_done(osp.join(d, name), digest)), None)
        if source is None:
            break
        os.makedirs(run_dir, exist_ok=True)
        copy_tree(osp.join(source, name), mine)
        shared[name] = source
    return shared


def stage_done(stage_dir: str, digest: str) -> bool:
    record = read_json(osp.join(stage_dir, CONFIG_COPY))
    return bool(record) and record.get('hash') == digest and osp.exists(
        osp.join(stage_dir, MARKER))


def subprocess_env(device: str = 'cpu') -> dict:
    """The environment of a grid's subprocesses: one intra-op thread (as
    tools/demo.py: oversubscribed threads are several times slower on
    small shared machines) and, on the CPU, no visible GPU."""
    env = dict(os.environ)
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        env.setdefault(var, '1')
    if device == 'cpu':
        env['CUDA_VISIBLE_DEVICES'] = ''
    return env


def cpu_seconds_so_far(pid: int) -> Optional[float]:
    """CPU seconds of a running process and of its children that have
    ended (``/proc/<pid>/stat``); None where that cannot be read."""
    try:
        with open(f'/proc/{pid}/stat', encoding='ascii') as f:
            # After the command name (in parentheses, may hold spaces):
            # utime, stime, cutime and cstime are fields 14 to 17.
            fields = f.read().rsplit(')', 1)[1].split()
        ticks = sum(int(v) for v in fields[11:15])
        return ticks / os.sysconf('SC_CLK_TCK')
    except (OSError, ValueError, IndexError):
        return None


def call_logged(cmd: List[str], log_path: str, device: str = 'cpu',
                progress: Optional[Callable[[float, float], None]] = None,
                every: float = 30.0) -> tuple:
    """Run ``cmd`` in the current folder, appending its output to
    ``log_path``; return (CPU s, wall s) of that subprocess alone.

    Args:
        progress (callable, optional): Called as ``progress(cpu_s,
            wall_s)`` every ``every`` seconds while the subprocess runs,
            with its CPU time so far (:func:`cpu_seconds_so_far`).

    Raises:
        ProofError: When it fails, with the log's last lines.
    """
    start = time.time()
    with open(log_path, 'a', encoding='utf-8') as log:
        log.write(f'$ {" ".join(cmd)}\n')
        log.flush()
        proc = subprocess.Popen(cmd, env=subprocess_env(device),
                                stdout=log, stderr=subprocess.STDOUT)
        # wait4: this child's own resource use, even with other children
        # running (RUSAGE_CHILDREN would mix them).
        last = start
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.5)
            now = time.time()
            if progress is not None and now - last >= every:
                last = now
                so_far = cpu_seconds_so_far(proc.pid)
                if so_far is not None:
                    progress(so_far, now - start)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.time() - start
    cpu = usage.ru_utime + usage.ru_stime
    if proc.returncode != 0:
        with open(log_path, encoding='utf-8') as f:
            tail = ''.join(f.readlines()[-15:])
        raise ProofError(
            f'Command failed ({proc.returncode}): {" ".join(cmd)}\n'
            f'Last lines of {log_path}:\n{tail}\nFix the cause and run '
            'the same run_proofs.py command again: finished runs are '
            'kept, this one resumes.')
    return cpu, wall


def git_commit() -> Optional[str]:
    """The repository's commit, with ``+dirty`` when tracked files differ
    from it; None outside a git checkout."""
    try:
        head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=PACKAGE_DIR,
                              capture_output=True, text=True, check=True)
        dirty = subprocess.run(
            ['git', 'status', '--porcelain', '--untracked-files=no'],
            cwd=PACKAGE_DIR, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ('+dirty' if dirty.stdout.strip() else '')


class ProofHarness:
    """Run a grid's rows for some seeds in ``work_dir`` and summarise.

    Args:
        grid (dict): A grid (see :mod:`mmreidgen.proofs.grids`).
        seeds (Sequence[int]): The seeds (columns). A row with its own
            ``seeds`` runs those of them only.
        work_dir (str): Where the runs and results go.
        name (str): The grid's name, for the results. Defaults to 'grid'.
        python (str): The interpreter of the subprocesses. Defaults to
            this one.
        jobs (int): Runs side by side, one thread each. Defaults to 1.
        rows (Sequence[str], optional): Run only these rows. Defaults to
            all.
        device (str): ``'cpu'`` (CUDA hidden from the subprocesses) or
            ``'cuda'``. A grid runs on one device type; ``results.json``
            says which. Defaults to 'cpu'.
    """

    def __init__(self, grid: dict, seeds: Sequence[int], work_dir: str,
                 name: str = 'grid', python: str = sys.executable,
                 jobs: int = 1, rows: Optional[Sequence[str]] = None,
                 device: str = 'cpu') -> None:
        self.grid = grid
        self.rows = list(grid['rows'])
        self.seeds = [int(s) for s in seeds]
        self.work_dir = osp.abspath(work_dir)
        self.name = name
        self.python = python
        self.jobs = max(1, int(jobs))
        self.selected = None if rows is None else list(rows)
        if device not in ('cpu', 'cuda'):
            raise ProofError(f"--device {device!r}: use 'cpu' or 'cuda'.")
        self.device = device
        self._lock = threading.Lock()
        self._check_grid()

    def _check_grid(self) -> None:
        names = [row['name'] for row in self.rows]
        if len(set(names)) != len(names):
            raise ProofError(f'Row names repeat in the grid: {names}.')
        unknown = [r for r in self.selected or () if r not in names]
        if unknown:
            raise ProofError(f'--rows {" ".join(unknown)}: no such row; the '
                             f'grid has {", ".join(names)}.')
        for row in self.rows:
            beats = row.get('beats')
            if beats is not None and beats not in names:
                raise ProofError(
                    f'Row {row["name"]!r} claims to beat {beats!r}, which '
                    f'is not a row of the grid ({names}).')
            try:
                config_path(row)
            except FileNotFoundError as err:
                raise ProofError(f'Row {row["name"]!r}: {err}') from None
            if row.get('test') is not None and row.get('metrics'):
                raise ProofError(f'Row {row["name"]!r} gives both `test` '
                                 'and `metrics`; keep one.')
            extra = set(row.get('seeds') or ()) - set(range(10**6))
            if extra:
                raise ProofError(f'Row {row["name"]!r}: seeds must be '
                                 f'non-negative integers, not {extra}.')

    def row_seeds(self, row: dict) -> List[int]:
        """The grid's seeds this row runs (its own ``seeds`` if any)."""
        own = row.get('seeds')
        return [s for s in self.seeds if own is None or s in own]

    def units(self) -> List[tuple]:
        """``(row, seed)`` pairs to run, seed by seed in grid order."""
        rows = [r for r in self.rows
                if self.selected is None or r['name'] in self.selected]
        return [(row, seed) for seed in self.seeds for row in rows
                if seed in self.row_seeds(row)]

    def run_dir(self, row: dict, seed: int) -> str:
        return osp.join(self.work_dir, row['name'], f'seed{seed}')

    def log(self, message: str) -> None:
        with self._lock:
            print_log(message, logger='current')
            with open(osp.join(self.work_dir, 'harness.log'), 'a',
                      encoding='utf-8') as f:
                f.write(f'{time.strftime("%Y-%m-%d %H:%M:%S")} {message}\n')

    def _take_lock(self):
        os.makedirs(self.work_dir, exist_ok=True)
        lock = open(osp.join(self.work_dir, '.lock'), 'w')
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise ProofError(
                f'Another run_proofs.py is running in {self.work_dir}; wait '
                'for it or use another --work-dir.') from None
        return lock

    def all_keys(self) -> Dict[tuple, Dict[str, str]]:
        """``{(row name, seed): run_keys}`` of every unit, checked against
        what each run folder recorded."""
        out = {}
        for row, seed in self.units():
            run_dir = self.run_dir(row, seed)
            keys = run_keys(row, seed, run_dir)
            record = read_json(osp.join(run_dir, RUN_RECORD))
            if record is not None and record.get('keys') != keys:
                raise ProofError(
                    f'{run_dir} was run with another config than the grid '
                    f'now gives for row {row["name"]!r}, seed {seed}. Use a '
                    f'new --work-dir, or remove {run_dir} to run it again.')
            out[row['name'], seed] = keys
        return out

    def owners(self, keys: Dict[tuple, Dict[str, str]]
               ) -> Dict[tuple, List[tuple]]:
        """Per unit, per leading unit of work: the first unit (in run order)
        with the same key, i.e. the one that trains it.

        Returns:
            dict: ``{unit: [(stage, owner unit), ...]}`` for the stages
            (or ``'train'``) this unit would share, in stage order.
        """
        order = list(keys)
        first: Dict[tuple, tuple] = {}
        out = {}
        for unit in order:
            seed = unit[1]
            shared, owns = [], False
            for stage, digest in keys[unit].items():
                # Every stage is recorded, those this unit trains too, so
                # that a later unit with the same stages waits for them.
                owner = first.setdefault((seed, stage, digest), unit)
                owns = owns or owner == unit
                if not owns:
                    shared.append((stage, owner))
            out[unit] = shared
        return out

    def _ready(self, unit: tuple, owners: Dict[tuple, List[tuple]],
               keys: Dict[tuple, Dict[str, str]], state: dict) -> bool:
        """Whether every unit of work this unit shares is finished (or its
        owner stopped, in which case this unit trains it itself)."""
        for stage, owner in owners[unit]:
            if state.get(owner) in ('done', 'failed'):
                continue
            if state.get(owner) is None and owner not in state:
                return False
            owner_dir = self.run_dir(self._row(owner[0]), owner[1])
            if stage != 'train' and stage_done(
                    osp.join(owner_dir, stage), keys[unit][stage]):
                continue
            return False
        return True

    def _row(self, name: str) -> dict:
        return next(r for r in self.rows if r['name'] == name)

    def run(self) -> dict:
        """Run (or resume) every row and seed; return the summary."""
        lock = self._take_lock()
        try:
            keys = self.all_keys()
            owners = self.owners(keys)
            units = list(keys)
            state: Dict[tuple, Optional[str]] = {u: None for u in units}
            errors = []
            with ThreadPoolExecutor(self.jobs) as pool:
                running = {}
                while True:
                    if not errors:
                        for unit in units:
                            if len(running) >= self.jobs:
                                break
                            if state[unit] is None and self._ready(
                                    unit, owners, keys, state):
                                state[unit] = 'running'
                                running[pool.submit(
                                    self.run_one, self._row(unit[0]),
                                    unit[1], keys[unit])] = unit
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        unit = running.pop(future)
                        try:
                            future.result()
                            state[unit] = 'done'
                        except Exception as err:  # reported after the rest
                            state[unit] = 'failed'
                            errors.append(err)
                        self.summarise()
            if errors:
                raise errors[0]
            return self.summarise()
        finally:
            lock.close()

    def run_one(self, row: dict, seed: int,
                keys: Optional[Dict[str, str]] = None) -> None:
        """Train (or share, or resume) one row for one seed, then test."""
        run_dir = self.run_dir(row, seed)
        keys = keys or run_keys(row, seed, run_dir)
        record_path = osp.join(run_dir, RUN_RECORD)
        record = read_json(record_path)
        if record is not None and record.get('keys') != keys:
            raise ProofError(
                f'{run_dir} was run with another config than the grid now '
                f'gives for row {row["name"]!r}, seed {seed}. Use a new '
                f'--work-dir, or remove {run_dir} to run it again.')
        if record is None or not record.get('finished'):
            record = self._train(row, seed, run_dir, keys, record)
        if row.get('test') is not None:
            self._test(row, seed, run_dir, record)

    def _others(self, row: dict, seed: int) -> List[str]:
        own = [self.run_dir(r, seed) for r in self.rows
               if r['name'] != row['name']]
        return own + self.shared_run_dirs(seed)

    def shared_run_dirs(self, seed: int) -> List[str]:
        """Run dirs of ``seed`` in the grids of ``share_with`` (their work
        dirs beside this grid's), whose finished work runs may share."""
        found = []
        for other in self.grid.get('share_with') or ():
            found += sorted(glob.glob(osp.join(
                osp.dirname(self.work_dir), other, '*', f'seed{seed}')))
        return found

    def _train(self, row: dict, seed: int, run_dir: str,
               keys: Dict[str, str], record: Optional[dict]) -> dict:
        single = list(keys) == ['train']
        resumed = record is not None  # an earlier attempt started
        shared = {}
        if not resumed and single:
            source = self._finished_single(row, seed, keys)
            if source is not None:
                if osp.exists(run_dir):
                    shutil.rmtree(run_dir)
                os.makedirs(osp.dirname(run_dir), exist_ok=True)
                copy_tree(source, run_dir)
                shared = {'train': source}
        elif not single:
            shared = share_stages(keys, run_dir, self._others(row, seed))
        os.makedirs(run_dir, exist_ok=True)
        record = dict(record or {}, row=row['name'], seed=seed, keys=keys,
                      config=row['config'],
                      cfg_options=train_options(row, seed),
                      started=record.get('started') if record else
                      time.strftime('%Y-%m-%d %H:%M:%S'))
        record['shared'] = {
            **record.get('shared', {}),
            **{k: osp.relpath(v, self.work_dir)
               for k, v in shared.items()}
        }
        # An attempt that was killed: its CPU and wall time up to its last
        # progress record count.
        killed = record.pop('attempt', None) or {}
        for key in ('cpu_s', 'wall_s'):
            record[key] = float(record.get(key) or 0.0) + float(
                killed.get(key) or 0.0)
        record_path = osp.join(run_dir, RUN_RECORD)
        write_json(record, record_path)

        def progress(cpu_s: float, wall_s: float) -> None:
            write_json(dict(record, attempt=dict(cpu_s=cpu_s, wall_s=wall_s)),
                       record_path)

        cpu = wall = 0.0
        if 'train' not in shared:
            words = format_options(train_options(row, seed))
            cmd = [self.python, *TRAIN, config_path(row), '--work-dir',
                   run_dir]
            if single and find_resumable_checkpoint(run_dir) is not None:
                cmd.append('--resume')
            cmd += ['--cfg-options', *words]
            what = 'resumes' if resumed else 'trains'
            if shared:
                what += f' (stages {", ".join(shared)} shared)'
            self.log(f'{row["name"]} seed {seed}: {what} in {run_dir}')
            cpu, wall = self._call(cmd, osp.join(run_dir, 'proof_train.log'),
                                   progress)
        else:
            self.log(f'{row["name"]} seed {seed}: training shared with '
                     f'{osp.relpath(shared["train"], self.work_dir)}')
        record['cpu_s'] += cpu
        record['wall_s'] += wall
        if single:
            ckpt = find_resumable_checkpoint(run_dir)
            if ckpt is None:
                raise ProofError(f'{run_dir}: training wrote no checkpoint.')
            record['checkpoint'] = osp.basename(ckpt)
        record['finished'] = time.strftime('%Y-%m-%d %H:%M:%S')
        write_json(record, record_path)
        return record

    def _finished_single(self, row: dict, seed: int,
                         keys: Dict[str, str]) -> Optional[str]:
        for other in self._others(row, seed):
            rec = read_json(osp.join(other, RUN_RECORD))
            if rec and rec.get('finished') and rec.get('keys') == keys:
                return other
        return None

    def _test(self, row: dict, seed: int, run_dir: str,
              record: dict) -> None:
        test_dir = osp.join(run_dir, TEST_DIR)
        options = test_options(row, seed)
        ckpt = (row['test'].get('checkpoint') or record.get('checkpoint'))
        if ckpt is None:
            raise ProofError(
                f'Row {row["name"]!r} tests a pipeline: name the checkpoint '
                "in its test, e.g. test=dict(checkpoint='stage3_finetune/"
                "final.pth', ...), or read a test stage's file with "
                "metrics='test/metrics.json'.")
        done = read_json(osp.join(test_dir, 'proof_test.json'))
        metrics = osp.join(test_dir, 'metrics.json')
        want = dict(options=options, checkpoint=ckpt)
        if done is not None and osp.isfile(metrics) and \
                {k: done.get(k) for k in want} == want:
            return
        os.makedirs(test_dir, exist_ok=True)
        cmd = [self.python, *TEST, config_path(row),
               osp.join(run_dir, ckpt), '--work-dir', test_dir,
               '--out-metrics', metrics, '--cfg-options',
               *format_options(options)]
        self.log(f'{row["name"]} seed {seed}: tests {ckpt} with '
                 f'{row["test"]}')
        cpu, wall = self._call(cmd, osp.join(run_dir, 'proof_test.log'))
        write_json(dict(want, cpu_s=cpu, wall_s=wall,
                         finished=time.strftime('%Y-%m-%d %H:%M:%S')),
                    osp.join(test_dir, 'proof_test.json'))

    def _call(self, cmd: List[str], log_path: str,
              progress: Optional[Callable[[float, float], None]] = None):
        """Run ``cmd``; return (CPU s, wall s)."""
        return call_logged(cmd, log_path, self.device, progress)

    def metrics_of(self, row: dict, seed: int) -> Optional[dict]:
        """The metrics of a finished run, with its CPU and wall time."""
        run_dir = self.run_dir(row, seed)
        record = read_json(osp.join(run_dir, RUN_RECORD))
        if not record or not record.get('finished'):
            return None
        cpu, wall = record.get('cpu_s', 0.0), record.get('wall_s', 0.0)
        if row.get('metrics'):
            path = osp.join(run_dir, row['metrics'])
        else:
            path = osp.join(run_dir, TEST_DIR, 'metrics.json')
            test = read_json(osp.join(run_dir, TEST_DIR, 'proof_test.json'))
            if test is None:
                return None
            cpu += test.get('cpu_s', 0.0)
            wall += test.get('wall_s', 0.0)
        if not osp.isfile(path):
            return None
        out = read_metrics(path)
        out.update(cpu_s=cpu, wall_s=wall, shared=record.get('shared', {}),
                   metrics_file=osp.relpath(path, self.work_dir))
        return out

    def summarise(self) -> dict:
        """Write results.json and results.md from the finished runs."""
        with self._lock:
            runs = {
                row['name']: {
                    seed: m for seed in self.row_seeds(row)
                    if (m := self.metrics_of(row, seed)) is not None
                }
                for row in self.rows
            }
            meta = dict(commit=git_commit(), device=self.device,
                        jobs=self.jobs, environment=environment_record())
            return write_results(self.grid, self.name, self.seeds, runs,
                                 self.work_dir, meta=meta)


def run_proofs(name: str, seeds: Sequence[int] = (0, 1, 2),
               work_dir: Optional[str] = None,
               grid: Optional[dict] = None, **kwargs) -> dict:
    """Run the named grid (or ``grid``) and return its summary.

    Args:
        name (str): A grid of :data:`mmreidgen.proofs.grids.GRIDS`, or the
            name given to ``grid``.
        seeds (Sequence[int]): Seeds. Defaults to (0, 1, 2).
        work_dir (str, optional): Defaults to ``work_dirs/proofs/<name>``.
        grid (dict, optional): A grid that is not in ``GRIDS``.
        **kwargs: ``jobs``, ``rows``, ``device`` of :class:`ProofHarness`.

    Returns:
        dict: What ``results.json`` holds.
    """
    from .grids import get_grid
    if grid is None:
        try:
            grid = get_grid(name)
        except KeyError as err:
            raise ConfigError(err.args[0]) from None
    work_dir = work_dir or osp.join('work_dirs', 'proofs', name)
    return ProofHarness(grid, seeds, work_dir, name=name, **kwargs).run()
