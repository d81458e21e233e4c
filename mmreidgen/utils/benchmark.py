"""What the benchmark scripts share: sizes, features, memory, workers.

``tools/analysis_tools/benchmark_*.py`` and the GPU check
(:mod:`mmreidgen.utils.gpu_check`) import these; no script imports
another script.
"""
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import threading

import numpy as np
import torch

# (num_query, num_gallery, num_ids, num_distractors) of the real datasets.
SIZES = dict(
    market=(3368, 15913, 750, 2793),
    msmt=(11659, 82161, 3060, 0),
    cuhk03=(1400, 5332, 700, 0),
)


def rss_bytes():
    """Current resident set size of this process."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


class PeakRSS:
    """Peak resident memory above the level at ``__enter__``."""

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

def run_worker(script, name, args, extra=()):
    """Run ``script --worker name`` in a fresh process; return its JSON."""
    cmd = [sys.executable, str(script), '--worker', name, *extra]
    cmd += ['--dim', str(args.dim), '--seed', str(args.seed)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])

def gib(num_bytes):
    return f'{num_bytes / 2**30:.2f} GiB'

def machine():
    return (f'{platform.processor() or platform.machine()}, '
            f'{os.cpu_count()} CPU cores, torch {torch.__version__} '
            f'({torch.get_num_threads()} threads), numpy {np.__version__}')
