"""Data loading share of a training: mmengine's Runner vs ReIDRunner.

Trains the same config (default ``baseline_r18w16_synthduke.py``, the
oracle of ``make demo``) for ``--iters`` iterations twice in one process,
with the same seed: once with mmengine's plain ``Runner``, whose
``IterBasedTrainLoop`` sleeps 2 s at every restart of the dataloader (the
end of every pass over the data), and once with
:class:`~mmreidgen.engine.runner.ReIDRunner`, which restarts without the
pause when the loader has no workers or persistent ones. For each it
prints ``data_time`` (what ``IterTimerHook`` logs: the wait for the next
batch, restarts included) as a share of the iteration time, the mean
iteration time, the loop time (the sum of the iteration times), the wall
time of ``runner.train()`` (which also builds the dataloader and
initialises the model) and the last loss (the two runs see the same
batches, so the losses agree); the wall time and loop time ratios print
last. Validation and all checkpoints but the
last are off.

Example::

    python tools/analysis_tools/benchmark_data.py --iters 300
    python tools/analysis_tools/benchmark_data.py --num-workers 0
"""
import argparse
import gc
import os
import os.path as osp
import tempfile
import time

import numpy as np
import torch
from mmengine.runner import Runner

from mmreidgen.apis import load_config
from mmreidgen.engine.runner import ReIDRunner
from mmreidgen.utils import register_all_modules

CONFIG = 'configs/baseline/baseline_r18w16_synthduke.py'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--data-root', default='data/synthreid_v2/synthduke')
    parser.add_argument('--iters', type=int, default=300)
    parser.add_argument('--num-workers', type=int, default=None,
                        help="default: the config's")
    parser.add_argument('--work-dir', default=None,
                        help='default: a temporary folder')
    return parser.parse_args()


def build_cfg(args, work_dir: str):
    options = {'data_root': args.data_root,
               'train_cfg.max_iters': args.iters,
               'default_hooks.logger.interval': 50}
    if args.num_workers is not None:
        options['num_workers'] = args.num_workers
        if args.num_workers == 0:
            options['train_dataloader.persistent_workers'] = False
    cfg = load_config(args.config, options, work_dir=work_dir)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval', None)
    return cfg


def measure(runner_cls, args, work_dir: str) -> dict:
    cfg = build_cfg(args, work_dir)
    runner = runner_cls.from_cfg(cfg)
    start = time.perf_counter()
    runner.train()
    wall = time.perf_counter() - start
    hub = runner.message_hub
    data = np.asarray(hub.get_scalar('train/data_time').data[0])
    step = np.asarray(hub.get_scalar('train/time').data[0])
    loss = float(hub.get_scalar('train/loss').current())
    loader = cfg.train_dataloader
    # Stop the persistent workers now, outside the timed part: left to the
    # garbage collector, their shutdown (about 10 s here) fell inside the
    # next runner's train().
    iterator = getattr(runner.train_loop, 'dataloader_iterator', None)
    workers = getattr(iterator, '_iterator', None)
    if hasattr(workers, '_shutdown_workers'):
        workers._shutdown_workers()
    del runner, iterator, workers
    gc.collect()
    return dict(name=runner_cls.__name__, wall=wall,
                data_share=float(data.sum() / step.sum()),
                iter_time=float(step.mean()), data_time=float(data.mean()),
                loop=float(step.sum()),
                n=int(step.size), loss=loss,
                workers=loader.num_workers,
                persistent=bool(loader.get('persistent_workers')))


def main():
    args = parse_args()
    register_all_modules()
    root = args.work_dir or tempfile.mkdtemp(prefix='benchmark_data_')
    results = [
        measure(cls, args, osp.join(root, cls.__name__))
        for cls in (Runner, ReIDRunner)
    ]
    print(f'\n{args.config}, {args.iters} iterations, data {args.data_root}'
          f', {results[0]["workers"]} workers (persistent: '
          f'{results[0]["persistent"]}), torch threads '
          f'{torch.get_num_threads()}, OMP_NUM_THREADS='
          f'{os.environ.get("OMP_NUM_THREADS", "unset")}, '
          f'{time.strftime("%Y-%m-%d %H:%M %Z")}')
    print('| runner | data_time / iteration | mean iteration | mean '
          'data_time | loop time | wall time of train() | last loss |')
    print('|---|---|---|---|---|---|---|')
    for r in results:
        print(f'| {r["name"]} | {100 * r["data_share"]:.1f} % | '
              f'{1000 * r["iter_time"]:.0f} ms | '
              f'{1000 * r["data_time"]:.0f} ms | {r["loop"]:.1f} s | '
              f'{r["wall"]:.1f} s | '
              f'{r["loss"]:.4f} |')
    fast, slow = results[1], results[0]
    print(f'ReIDRunner / Runner: wall time of train() '
          f'{fast["wall"] / slow["wall"]:.2f}, loop time '
          f'{fast["loop"] / slow["loop"]:.2f}')


if __name__ == '__main__':
    main()
