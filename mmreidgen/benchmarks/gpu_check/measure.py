"""Timings of one config: ``train_step`` against a plain loop, and a real
run through mmengine's loop."""
import copy
import gc
import statistics
import threading
import time
from typing import List, Optional

import torch
from mmengine.config import Config
from mmengine.hooks import Hook

from mmreidgen.benchmarks.common import (
    sync,
)
from mmreidgen.benchmarks.train_speed import (
    PLAIN_STEPS,
    PlainContext,
    build_optim_wrappers,
    fake_batch,
    interleaved_times,
    start_iteration_info,
    torch_optimizers,
)
from mmreidgen.registry import MODELS

from .settings import (
    TRAIN_SPECS,
    input_size,
)


# -- train_step against a plain loop -----------------------------------
def peak_memory(device: str) -> Optional[int]:
    if device.startswith('cuda'):
        return int(torch.cuda.max_memory_allocated())
    return None


def measure_steps(name: str, cfg: Config, device: str, precision: str,
                  channels_last: bool, iters: int, repeats: int,
                  warmup: int = 1) -> dict:
    """``train_step`` against the plain loop for one config and setting.

    Both run on one fixed batch of the config's batch size, interleaved
    ``repeats`` times in blocks of ``iters`` iterations after ``warmup``
    iterations each.

    Returns:
        dict: ``train_step_s`` and ``plain_s`` (median seconds per
        iteration), ``ratio``, ``images_per_s`` (of ``train_step``),
        ``peak_memory`` (bytes, CUDA only) and ``batch_size``.
    """
    torch.manual_seed(0)
    model = MODELS.build(copy.deepcopy(cfg.model.to_dict())).to(device)
    model.train()
    optim_wrapper = build_optim_wrappers(model, cfg, precision != 'float32',
                                         precision)
    ctx = PlainContext(torch_optimizers(optim_wrapper), device, precision,
                       channels_last)
    if channels_last:
        model.to(memory_format=torch.channels_last)
        model.data_preprocessor.channels_last = True
    h, w = input_size(cfg)
    batch_size = int(cfg.train_dataloader.batch_size)
    batch = fake_batch(batch_size, h, w, 8, TRAIN_SPECS[name][3])
    start_iteration_info()
    plain = PLAIN_STEPS[name]
    paths = dict(train_step=lambda: model.train_step(batch, optim_wrapper),
                 plain=lambda: plain(model, batch, ctx))
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    times = interleaved_times(paths, iters, repeats, warmup, device)
    med = {k: statistics.median(v) for k, v in times.items()}
    out = dict(
        batch_size=batch_size,
        input_size=[h, w],
        train_step_s=med['train_step'],
        plain_s=med['plain'],
        ratio=med['train_step'] / med['plain'],
        images_per_s=batch_size / med['train_step'],
        peak_memory=peak_memory(device),
        all_s=times)
    return out


# -- a real run through mmengine's loop --------------------------------
class StepTimer(Hook):
    """Times each iteration (CUDA synchronised) and the dataloader wait
    before it; stops the loop at ``time_limit`` seconds.

    Args:
        warmup (int): Iterations left out of the steady state.
        time_limit (float): Seconds after ``before_train``.
        device (str): The model's device.
    """

    priority = 'LOWEST'

    def __init__(self, warmup: int, time_limit: float, device: str):
        self.warmup = warmup
        self.time_limit = time_limit
        self.device = device
        self.steps: List[float] = []
        self.waits: List[float] = []
        self.util: List[float] = []
        self._last = None
        self._begin = None
        self._stop = threading.Event()
        self._sampler = None

    def _sample_utilization(self):
        while not self._stop.wait(0.05):
            try:
                self.util.append(float(torch.cuda.utilization()))
            except Exception:  # no NVML: the hook timings remain
                return

    def before_train(self, runner) -> None:
        self._begin = time.perf_counter()

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        now = time.perf_counter()
        if self._last is not None:
            self.waits.append(now - self._last)
        self._start = now
        if (len(self.steps) == self.warmup and self._sampler is None
                and self.device.startswith('cuda')):
            self._sampler = threading.Thread(
                target=self._sample_utilization, daemon=True)
            self._sampler.start()

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        sync(self.device)
        now = time.perf_counter()
        self.steps.append(now - self._start)
        self._last = now
        if now - self._begin > self.time_limit:
            runner.train_loop.stop_training = True

    def after_train(self, runner) -> None:
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join()

    def summary(self, batch_size: int) -> dict:
        """Steady-state figures: after ``warmup`` iterations, or after the
        first half of a run that stopped before twice that."""
        warmup = min(self.warmup, len(self.steps) // 2)
        steps = self.steps[warmup:]
        # waits[i] is the wait before iteration i + 1.
        waits = self.waits[max(warmup - 1, 0):]
        total = sum(steps) + sum(waits)
        return dict(
            iterations=len(self.steps),
            warmup_iterations=warmup,
            steady_iterations=len(steps),
            images_per_s=batch_size * len(steps) / total if total else None,
            step_s=statistics.median(steps) if steps else None,
            wait_s=statistics.median(waits) if waits else None,
            busy_fraction=sum(steps) / total if total else None,
            nvml_utilization=(statistics.fmean(self.util) / 100
                              if self.util else None),
            nvml_samples=len(self.util))


def run_config(cfg: Config, device: str, max_iters: int, warmup: int,
               time_limit: float) -> dict:
    """Train a config of :func:`load_train_config` through ``ReIDRunner``
    (on a copy)."""
    from mmreidgen.engine.runner import ReIDRunner
    cfg = copy.deepcopy(cfg)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
    if device == 'cpu':
        cfg.env_cfg = dict(cfg.get('env_cfg', {}), cudnn_benchmark=False)
    batch_size = int(cfg.train_dataloader.batch_size)
    workers = int(cfg.train_dataloader.get('num_workers', 0))
    runner = ReIDRunner.from_cfg(cfg)
    timer = StepTimer(warmup, time_limit, device)
    runner.register_hook(timer, priority='LOWEST')
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    runner.train()
    out = dict(batch_size=batch_size, num_workers=workers,
               max_iters=max_iters, wall_s=time.perf_counter() - start,
               peak_memory=peak_memory(device), **timer.summary(batch_size))
    del runner, timer
    gc.collect()  # ends the persistent dataloader workers
    if device.startswith('cuda'):
        torch.cuda.empty_cache()
    return out
