"""What the benchmarks share: sizes, features, memory, fresh processes.

The benchmark modules and the GPU check (:mod:`mmreidgen.benchmarks.gpu_check`)
import these. Memory figures come from a fresh process each
(:func:`run_worker`): pages a process has freed stay with it, so a second
measure in the same process would see less.
"""
import argparse
import gc
import importlib
import json
import os
import os.path as osp
import platform
import resource
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, Iterable, Iterator, Sequence, Tuple

import numpy as np
import torch

# (num_query, num_gallery, num_ids, num_distractors) of the real datasets.
SIZES = dict(
    market=(3368, 15913, 750, 2793),
    msmt=(11659, 82161, 3060, 0),
    cuhk03=(1400, 5332, 700, 0),
)
# Functions run_worker may call, by '<module>.<name>' (see worker()).
WORKERS: Dict[str, Callable] = {}
PACKAGE_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def benchmark_parser(doc: str, synthetic_features: bool = False
                     ) -> argparse.ArgumentParser:
    """The argument parser a benchmark tool starts from.

    Args:
        doc (str): The tool's docstring; its first line describes it.
        synthetic_features (bool): Add ``--dim`` and ``--seed`` of
            :func:`clustered_features`. Defaults to False.

    Returns:
        argparse.ArgumentParser: Add the tool's own arguments to it.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if synthetic_features:
        parser.add_argument('--dim', type=int, default=128,
                            help='feature dimension of the synthetic data')
        parser.add_argument('--seed', type=int, default=0)
    return parser


def rss_bytes() -> int:
    """Current resident set size of this process."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def available_memory() -> int:
    """``MemAvailable`` of ``/proc/meminfo``, in bytes."""
    with open('/proc/meminfo') as f:
        info = dict(line.split(':', 1) for line in f)
    return int(info['MemAvailable'].split()[0]) * 1024


class PeakRSS:
    """Peak resident memory above the level at ``__enter__``.

    Sampled every 2 ms and, when the process reaches a new lifetime peak
    inside the block, taken exactly from ``getrusage``. After the block,
    ``extra`` holds the peak minus the level at ``__enter__``.
    """

    def __enter__(self):
        gc.collect()
        self.base = rss_bytes()
        self.max_rss_before = resource.getrusage(
            resource.RUSAGE_SELF).ru_maxrss * 1024
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _poll(self):
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        if max_rss > self.max_rss_before:  # a new lifetime peak: exact
            self.peak = max(self.peak, max_rss)
        self.extra = self.peak - self.base
        return False


def timed_peak(fn: Callable, *args, **kwargs) -> Tuple[object, float, int]:
    """Run ``fn(*args, **kwargs)`` once.

    Returns:
        tuple: ``(output, seconds, extra peak memory in bytes)``.
    """
    with PeakRSS() as mem:
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        elapsed = time.perf_counter() - start
    return out, elapsed, mem.extra


def sync(device: str) -> None:
    """Wait for the queued CUDA work (no-op on the CPU)."""
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def worker(fn: Callable) -> Callable:
    """Mark ``fn(args) -> JSON-able`` as runnable by :func:`run_worker`."""
    WORKERS[f'{fn.__module__}.{fn.__name__}'] = fn
    return fn


def run_worker(fn: Callable, args: argparse.Namespace, **overrides):
    """Run the :func:`worker` ``fn`` in a fresh Python process.

    Args:
        fn (Callable): A function decorated with :func:`worker`.
        args (argparse.Namespace): Its arguments (JSON-able values).
        **overrides: Values that replace or add to those of ``args``.

    Returns:
        What ``fn`` returned, through JSON (tuples become lists).
    """
    key = f'{fn.__module__}.{fn.__name__}'
    if WORKERS.get(key) is not fn:
        raise ValueError(f'{key} is not a benchmark worker; decorate it '
                         'with mmreidgen.benchmarks.common.worker.')
    payload = json.dumps(dict(vars(args), **overrides))
    cmd = [sys.executable, '-m', 'mmreidgen.benchmarks', fn.__module__,
           fn.__name__, payload]
    path = os.pathsep.join(
        p for p in (PACKAGE_ROOT, os.environ.get('PYTHONPATH')) if p)
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=path))
    if proc.returncode != 0:
        raise RuntimeError(
            f'benchmark worker {key} failed (exit {proc.returncode}):\n'
            f'{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def worker_main(argv: Sequence[str]) -> None:
    """Entry of ``python -m mmreidgen.benchmarks MODULE NAME ARGS_JSON``:
    write the worker's result as one JSON line on stdout."""
    if len(argv) != 3:
        raise SystemExit('usage: python -m mmreidgen.benchmarks MODULE '
                         'FUNCTION ARGS_JSON')
    module, name, payload = argv
    importlib.import_module(module)
    fn = WORKERS.get(f'{module}.{name}')
    if fn is None:
        raise SystemExit(f'{module}.{name} is not a benchmark worker')
    result = fn(argparse.Namespace(**json.loads(payload)))
    sys.stdout.write(json.dumps(result) + '\n')


def gib(num_bytes: float) -> str:
    """``'1.23 GiB'``."""
    return f'{num_bytes / 2**30:.2f} GiB'


def machine() -> str:
    """Processor, cores, torch (threads) and numpy versions."""
    return (f'{platform.processor() or platform.machine()}, '
            f'{os.cpu_count()} CPU cores, torch {torch.__version__} '
            f'({torch.get_num_threads()} threads), numpy {np.__version__}')


def header(name: str) -> str:
    """``# <name> on <machine>, <date>``: the first line of a report."""
    return f'# {name} on {machine()}, {time.strftime("%Y-%m-%d %H:%M")}'


def report_lines(parts: Iterable[Iterable]) -> Iterator[str]:
    """The lines of ``parts`` as they come, then the ``Ratios`` block.

    Args:
        parts (Iterable[Iterable]): Each yields lines (str) and ratios,
            ``(name, value, goal)`` tuples, which are kept for the end.

    Yields:
        str: The lines, then ``Ratios`` and one line per ratio.
    """
    ratios = []
    for part in parts:
        for item in part:
            if isinstance(item, tuple):
                ratios.append(item)
            else:
                yield item
    yield '\nRatios'
    for name, value, goal in ratios:
        yield f'  {name}: {value:.4g}' + (f' (goal {goal})' if goal else '')


def rank_summary(result: tuple) -> dict:
    """``R1``, ``mAP`` and ``mINP`` of an ``evaluate_rank`` result."""
    cmc, mean_ap, mean_inp = result
    return dict(R1=float(cmc[0]), mAP=float(mean_ap), mINP=float(mean_inp))


def clustered_features(num_query: int, num_gallery: int, num_ids: int,
                       num_distractors: int, dim: int = 128,
                       seed: int = 0) -> tuple:
    """Features clustered per identity with a per-camera shift.

    Gallery pid 0 holds ``num_distractors`` unclustered images, like the
    Market-1501 distractors, and every query pid has gallery images.

    Returns:
        tuple: ``q_feats, g_feats`` (float32), ``q_pids, g_pids,
        q_camids, g_camids``.
    """
    rng = np.random.default_rng(seed)
    num_cams = 6
    centers = rng.normal(size=(num_ids + 1, dim)).astype(np.float32)
    shifts = 0.5 * rng.normal(size=(num_cams, dim)).astype(np.float32)
    people = num_gallery - num_distractors
    g_pids = np.concatenate([
        np.arange(1, num_ids + 1),
        rng.integers(1, num_ids + 1, people - num_ids),
        np.zeros(num_distractors, dtype=np.int64)
    ])
    q_pids = rng.integers(1, num_ids + 1, num_query)
    q_camids = rng.integers(0, num_cams, num_query)
    g_camids = rng.integers(0, num_cams, num_gallery)

    def features(pids, camids):
        feats = centers[pids] + shifts[camids]
        feats += 1.6 / np.sqrt(2) * rng.normal(
            size=feats.shape).astype(np.float32)
        return feats

    g_feats = features(g_pids, g_camids)
    g_feats[people:] = 1.5 * rng.normal(
        size=(num_distractors, dim)).astype(np.float32)
    return (features(q_pids, q_camids), g_feats, q_pids, g_pids, q_camids,
            g_camids)
