"""Data loading share of a training, under each loading setting.

Trains the same config (by default ``baseline_r18w16_synthduke.py``, the
oracle of ``make demo``) for ``iters`` iterations once per loading setting,
in one process, with the same seed:

1. mmengine's plain ``Runner`` with 2 persistent workers and no image cache
   (the small configs before 2026-12-01): its ``IterBasedTrainLoop``
   sleeps 2 s at every restart of the dataloader (each pass over the data);
2. :class:`~mmreidgen.engine.runner.ReIDRunner` (no pause), same loader;
3. ``ReIDRunner`` loading in the main process, no cache;
4. ``ReIDRunner`` loading in the main process from decoded images kept in
   memory (``LoadReIDImage(cache_mb)``), with mmengine's optimizer
   constructor (one parameter group per parameter, as before 2026-12-01);
5. the same with ``ReIDRunner``'s default constructor, equal groups
   merged (:class:`~mmreidgen.engine.optimizers.ReIDOptimWrapperConstructor`):
   the small configs' setting now. Settings 2 and 3 merge too; setting 1
   does not (mmengine's ``Runner``).

For each, :func:`report` gives ``data_time`` (what ``IterTimerHook``
logs: the wait for the next batch plus the hooks that run between
iterations) as a share of the summed iteration times, the mean iteration
and ``data_time``, the loop time (the sum of the iteration times), the
wall time of ``runner.train()`` (which also builds the dataloader and
initialises the model), the last loss and how much of ``data_time`` is
``next()`` of the loop's batch iterator (the rest is mmengine's work
between iterations); then the cost of each transform per sample, without
and with the image cache. Settings 1 and 2 see the same
batches, as do 3, 4 and 5 (the cache changes no pixel, the merged groups
no update), so their losses agree; workers draw other augmentations than
the main process. Validation
and all checkpoints but the last are off.
"""
import argparse
import gc
import os
import os.path as osp
import tempfile
import time
from typing import Dict, Iterator, List, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmreidgen.apis import load_config
from mmreidgen.engine.runner import ReIDRunner
from mmreidgen.registry import DATASETS, TRANSFORMS
from mmreidgen.utils import register_all_modules

CONFIG = 'configs/baseline/baseline_r18w16_synthduke.py'


#: (label, runner, loader workers, image cache MiB, optimizer constructor
#: or None for the runner's default) of each setting.
SETTINGS = (
    ('Runner, 2 workers', Runner, 2, 0, None),
    ('ReIDRunner, 2 workers', ReIDRunner, 2, 0, None),
    ('ReIDRunner, no workers', ReIDRunner, 0, 0, None),
    ('ReIDRunner, no workers, image cache, a group per parameter',
     ReIDRunner, 0, 256, 'DefaultOptimWrapperConstructor'),
    ('ReIDRunner, no workers, image cache', ReIDRunner, 0, 256, None),
)


def build_cfg(args: argparse.Namespace, work_dir: str, num_workers: int = 0,
              cache_mb: float = 0, constructor: Optional[str] = None):
    """The config of ``args.config`` on ``args.data_root`` for
    ``args.iters`` iterations with ``num_workers`` (persistent) workers,
    ``cache_mb`` of decoded images and the optimizer ``constructor`` (None:
    the runner's default), without validation."""
    options = {'data_root': args.data_root,
               'train_cfg.max_iters': args.iters,
               'default_hooks.logger.interval': 50,
               'num_workers': num_workers, 'image_cache_mb': cache_mb,
               'train_dataloader.persistent_workers': num_workers > 0}
    if constructor is not None:
        options['optim_wrapper.constructor'] = constructor
    cfg = load_config(args.config, options, work_dir=work_dir)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval', None)
    return cfg


class _TimedIterator:
    """Time each ``next()`` of the loop's batch iterator."""

    def __init__(self, inner, times: List[float]) -> None:
        self.inner = inner
        self.times = times

    def __iter__(self):
        return self

    def __next__(self):
        start = time.perf_counter()
        batch = next(self.inner)
        self.times.append(time.perf_counter() - start)
        return batch

    def __getattr__(self, name):
        return getattr(self.inner, name)


class _TimeNextHook(Hook):
    """Wrap the loop's iterator once training starts (the runner has built
    and wrapped it by then): ``data_time`` minus these times is what
    mmengine does between two iterations."""

    def __init__(self, times: List[float]) -> None:
        self.times = times

    def before_train(self, runner) -> None:
        loop = runner.train_loop
        loop.dataloader_iterator = _TimedIterator(loop.dataloader_iterator,
                                                  self.times)


def measure(label: str, runner_cls, num_workers: int, cache_mb: float,
            constructor: Optional[str], args: argparse.Namespace,
            work_dir: str) -> dict:
    """Train with ``runner_cls``, the loader setting and the optimizer
    constructor; its times and last loss."""
    cfg = build_cfg(args, work_dir, num_workers, cache_mb, constructor)
    runner = runner_cls.from_cfg(cfg)
    next_times: List[float] = []
    runner.register_hook(_TimeNextHook(next_times), 'VERY_LOW')
    start = time.perf_counter()
    runner.train()
    wall = time.perf_counter() - start
    hub = runner.message_hub
    data = np.asarray(hub.get_scalar('train/data_time').data[0])
    step = np.asarray(hub.get_scalar('train/time').data[0])
    loss = float(hub.get_scalar('train/loss').current())
    # Stop the persistent workers now, outside the timed part: left to the
    # garbage collector, their shutdown (about 10 s here) fell inside the
    # next runner's train().
    iterator = getattr(runner.train_loop, 'dataloader_iterator', None)
    iterator = getattr(iterator, 'inner', iterator)
    workers = getattr(iterator, '_iterator', None)
    if hasattr(workers, '_shutdown_workers'):
        workers._shutdown_workers()
    del runner, iterator, workers
    gc.collect()
    return dict(name=label, wall=wall,
                data_share=float(data.sum() / step.sum()),
                iter_time=float(step.mean()), data_time=float(data.mean()),
                loop=float(step.sum()), n=int(step.size), loss=loss,
                next_time=float(np.mean(next_times)))


def transform_costs(cfg, num_samples: int) -> Dict[str, float]:
    """Mean microseconds per sample of each transform of the config's
    training pipeline (and of ``get_data_info``), over ``num_samples``
    samples taken after one pass over the data (a warm cache, if any)."""
    dataset_cfg = dict(cfg.train_dataloader.dataset)
    pipeline = [TRANSFORMS.build(t) for t in dataset_cfg.pop('pipeline')]
    dataset = DATASETS.build(dict(dataset_cfg, pipeline=[]))
    names = ['get_data_info'] + [type(t).__name__ for t in pipeline]
    totals = dict.fromkeys(names, 0.0)
    for i in range(len(dataset) + num_samples):
        timed = i >= len(dataset)
        start = time.perf_counter()
        results = dataset.get_data_info(i % len(dataset))
        if timed:
            totals['get_data_info'] += time.perf_counter() - start
        for name, transform in zip(names[1:], pipeline):
            start = time.perf_counter()
            results = transform(results)
            if timed:
                totals[name] += time.perf_counter() - start
    return {k: 1e6 * v / num_samples for k, v in totals.items()}


def report(args: argparse.Namespace) -> Iterator[str]:
    """Train once per loading setting; yield the lines to print.

    Args:
        args (argparse.Namespace): ``config``, ``data_root``, ``iters`` and
            ``work_dir`` (None: a temporary folder), as
            ``tools/analysis_tools/benchmark_data.py`` parses them.

    Yields:
        str: The setting, a table row per loading setting and the ratios.
    """
    register_all_modules()
    root = args.work_dir or tempfile.mkdtemp(prefix='benchmark_data_')
    results = [
        measure(*setting, args, osp.join(root, f'setting{i}'))
        for i, setting in enumerate(SETTINGS, 1)
    ]
    yield (f'\n{args.config}, {args.iters} iterations, data '
           f'{args.data_root}, torch threads {torch.get_num_threads()}, '
           f'OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS", "unset")}, '
           f'{os.cpu_count()} cores, {time.strftime("%Y-%m-%d %H:%M %Z")}')
    yield ('| loading | data_time / iteration | mean iteration | mean '
           'data_time | of which next() | loop time | wall time of train() '
           '| last loss |')
    yield '|---|---|---|---|---|---|---|---|'
    for r in results:
        yield (f'| {r["name"]} | {100 * r["data_share"]:.1f} % | '
               f'{1000 * r["iter_time"]:.0f} ms | '
               f'{1000 * r["data_time"]:.1f} ms | '
               f'{1000 * r["next_time"]:.1f} ms | {r["loop"]:.1f} s | '
               f'{r["wall"]:.1f} s | {r["loss"]:.4f} |')
    first, last = results[0], results[-1]
    yield (f'{last["name"]} / {first["name"]}: wall time of train() '
           f'{last["wall"] / first["wall"]:.2f}, loop time '
           f'{last["loop"] / first["loop"]:.2f}')
    grouped = results[-2]
    yield (f'{last["name"]} / {grouped["name"]}: mean iteration '
           f'{last["iter_time"] / grouped["iter_time"]:.2f}, mean data_time '
           f'{last["data_time"] / grouped["data_time"]:.2f}')
    costs = [transform_costs(build_cfg(args, root, 0, cache), 1500)
             for cache in (0, SETTINGS[-1][3])]
    yield ('\nPer sample, in the main process, after one pass over the data '
           '(1,500 samples):')
    yield '| step | µs, no cache | µs, image cache |'
    yield '|---|---|---|'
    for name in costs[0]:
        yield f'| {name} | {costs[0][name]:.1f} | {costs[1][name]:.1f} |'
    yield (f'| total | {sum(costs[0].values()):.1f} | '
           f'{sum(costs[1].values()):.1f} |')
