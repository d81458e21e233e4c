"""The prepared GPU check: one run that measures what researchers will run.

``bash tools/gpu/check.sh [--dry-run] [OUT_DIR]`` calls
``python -m mmreidgen.utils.gpu_check --out OUT_DIR [--dry-run]``, which
writes ``gpu_check.json`` and ``gpu_check.md`` (and ``cuda_tests.log``)
into ``OUT_DIR``. Sections:

1. ``cuda_tests``: the CUDA tests (``pytest -k cuda`` on the test files
   that mention CUDA; they skip without a GPU).
2. ``render``: a synthetic set at Market-1501 size (751 training
   identities per domain, boxes resized to 256x128 by the configs) with
   :func:`mmreidgen.datasets.synthetic.make_synthetic_reid`, rendered on
   the CPUs while the CUDA tests run.
3. ``train``: every full-size config (the r50 baseline, CR-GAN stages
   I-III, DG-Net in both modes, an SLSR cluster DCGAN):

   - ``run``: mmengine's loop through ``ReIDRunner`` on the rendered set
     with the config's batch size and dataloader workers, float32, for up
     to ``--iters`` iterations or its share of the time budget: images per
     second in the steady state, peak GPU memory, and the GPU busy
     fraction (section 5);
   - ``steps``: ``model.train_step`` against a plain PyTorch loop of the
     same computation (the loops of
     :mod:`mmreidgen.benchmarks.train_speed`, which
     ``tools/analysis_tools/benchmark_train.py`` runs for two models),
     interleaved, on one fixed batch of the config's size, in float32,
     float16 AMP and bfloat16 autocast, each with and without
     channels-last: seconds per iteration, images per second, peak GPU
     memory and the ratio ``train_step / plain`` (goal <= 1.05).

4. ``eval``: ``evaluate_rank``, exact ``re_ranking`` and ``re_ranking_knn``
   at Market-1501 and MSMT17 sizes on the device against the CPU, with
   times (synthetic features clustered per identity, as in
   :mod:`mmreidgen.benchmarks.eval_speed`).
5. ``busy``: the GPU busy fraction of each ``run`` in the steady state:
   the share of wall time inside ``train_step`` (CUDA synchronised at the
   end of each iteration) rather than waiting for the dataloader, and the
   mean of ``torch.cuda.utilization()`` sampled every 50 ms where NVML is
   available.

Every section keeps its errors: one failing item is recorded with its
message and the check goes on. A time budget (``--budget``, 440 s by
default) splits the training section between the configs; what does not
fit is recorded as skipped with the reason, never estimated.

``--dry-run`` runs the same code on the CPU at tiny sizes: a tiny render,
the configs' small synthetic-benchmark variants (``*_r18w16_synth*``,
which inherit the full configs and change only sizes), 2 iterations,
batch 4, no dataloader workers, one timed iteration per path and no
warm-up, small evaluation matrices, float32 and bfloat16 channels-last only
(float16 AMP needs CUDA, noted in the output).
"""
import argparse
import copy
import gc
import json
import math
import os
import os.path as osp
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from typing import Callable, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmreidgen.apis import load_config
from mmreidgen.benchmarks.common import (
    SIZES,
    clustered_features,
    rank_summary,
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
    without_pretrained,
)
from mmreidgen.registry import MODELS
from mmreidgen.utils.environment import (
    environment_record,
    format_environment,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PRECISIONS = ('float32', 'float16', 'bfloat16')
# Every precision in both memory formats, the three precisions first (what
# the time budget keeps when it cannot keep all six).
SETTINGS = tuple(f'{p}{cl}' for cl in ('', '_channels_last')
                 for p in PRECISIONS)
DRY_SETTINGS = ('float32', 'bfloat16_channels_last')
# Options whose default depends on --dry-run: (name, type, full-size
# default, dry-run default, help).
SCALED_OPTIONS = (
    ('budget', float, 440.0, 300.0, 'seconds for the whole check'),
    ('iters', int, 300, 2, 'iterations of each run'),
    ('warmup', int, 20, 0, 'run iterations before the steady state'),
    ('step_iters', int, 5, 1, 'iterations per timed block'),
    ('step_warmup', int, 1, 0,
     'untimed iterations per path before the blocks'),
    ('repeats', int, 3, 1, 'timed blocks per path'),
)
GOAL_RATIO = 1.05
GOAL_BUSY = 0.90
GOAL_MARKET_RERANK_S = 2.0
GNN_RERANK_MS = 9.4  # GNN re-ranking (Zhang et al. 2020), K40m, Market

# (num_query, num_gallery, num_ids, num_distractors) of the real datasets,
# the sizes of tools/analysis_tools/benchmark_eval.py.
EVAL_SIZES = {k: SIZES[k] for k in ('market', 'msmt')}
DRY_EVAL_SIZES = dict(market=(60, 300, 20, 30), msmt=(90, 600, 30, 0))


# -- the configs --------------------------------------------------------
# name: (full config, dry-run config, stage, fake-batch pairing).
TRAIN_SPECS = {
    'baseline': ('configs/baseline/baseline_r50_market.py',
                 'configs/baseline/baseline_r18w16_synthmarket.py', None,
                 'plain'),
    'crgan_stage1': ('configs/crgan/crgan_r50_market2duke.py',
                     'configs/crgan/crgan_r18w16_synthmarket2synthduke.py',
                     'stage1_pretrain', 'domains'),
    'crgan_stage2': ('configs/crgan/crgan_r50_market2duke.py',
                     'configs/crgan/crgan_r18w16_synthmarket2synthduke.py',
                     'stage2_gan', 'domains'),
    'crgan_stage3': ('configs/crgan/crgan_r50_market2duke.py',
                     'configs/crgan/crgan_r18w16_synthmarket2synthduke.py',
                     'stage3_finetune', 'domains'),
    'dgnet': ('configs/dgnet/dgnet_r50_market.py',
              'configs/dgnet/dgnet_r18w16_synthmarket.py', 'dgnet',
              'positives'),
    'dgnet_refcode': ('configs/dgnet/dgnet-refcode_r50_market.py',
                      'configs/dgnet/dgnet-refcode_r18w16_synthmarket.py',
                      'dgnet', 'positives'),
    'slsr_dcgan': ('configs/slsr/slsr_r50_market.py',
                   'configs/slsr/slsr_r18w16_synthmarket.py', 'stage3_gan',
                   'plain'),
}
TRAIN_LIST = 'train_list.txt'  # the SLSR DCGAN's "cluster": every image


def load_train_config(name: str, synth_root: str, work_dir: str,
                      dry_run: bool) -> Config:
    """The runnable training config of one entry of ``TRAIN_SPECS``.

    Random initialisation (no ImageNet or teacher file), the rendered set
    as training data, no validation, no checkpoints, no image-grid hooks.

    Args:
        name (str): A key of ``TRAIN_SPECS``.
        synth_root (str): The rendered set (``synthmarket``,
            ``synthduke``).
        work_dir (str): Work folder of the runner.
        dry_run (bool): The small synthetic variant of the config, batch 4
            and no dataloader workers.

    Returns:
        Config: Ready for ``ReIDRunner.from_cfg``.
    """
    full, small, stage, _ = TRAIN_SPECS[name]
    cfg = load_config(osp.join(REPO, small if dry_run else full),
                      stage=stage, work_dir=work_dir)
    cfg.pop('stage', None)
    without_pretrained(cfg)
    cfg.load_from = None
    cfg.resume = False
    cfg.work_dir = work_dir
    cfg.experiment_name = name
    cfg.log_level = 'WARNING'
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.custom_hooks = []
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10**6)
    cfg.default_hooks.pop('visualization', None)
    cfg.visualizer = dict(type='Visualizer', vis_backends=[])
    loader = cfg.train_dataloader
    if name == 'slsr_dcgan':
        loader.dataset.update(data_root=osp.join(synth_root, 'synthmarket'),
                              ann_file=TRAIN_LIST)
    else:
        point_to_synthetic(loader.dataset, synth_root)
    if dry_run:
        loader.update(batch_size=4, num_workers=0, persistent_workers=False)
        if loader.sampler.get('type') == 'IdentityBalancedSampler':
            loader.sampler.num_instances = 2
    return cfg


def point_to_synthetic(node, synth_root: str) -> None:
    """Every dataset of ``node`` reads the rendered set, in place: target
    domains ``synthduke``, the others ``synthmarket`` (both in the
    Market-1501 layout)."""
    if isinstance(node, dict):
        if 'data_root' in node and 'type' in node:
            domain = 'synthduke' if node.get('domain') == 'target' else \
                'synthmarket'
            node.update(type='Market1501',
                        data_root=osp.join(synth_root, domain))
        for value in node.values():
            point_to_synthetic(value, synth_root)
    elif isinstance(node, list):
        for value in node:
            point_to_synthetic(value, synth_root)


def input_size(cfg: Config) -> tuple:
    """(height, width) of the training images: the resize of the training
    pipeline."""

    def find(node):
        if isinstance(node, dict):
            if node.get('type') == 'ReIDResize':
                return node['scale']
            values = node.values()
        elif isinstance(node, (list, tuple)):
            values = node
        else:
            return None
        for value in values:
            found = find(value)
            if found is not None:
                return found
        return None

    scale = find(cfg.train_dataloader.to_dict()) or cfg.get(
        'img_scale', (256, 128))
    if isinstance(scale, int):
        scale = (scale, scale)
    return tuple(int(s) for s in scale)


# -- train_step against a plain loop -----------------------------------
def _peak_memory(device: str) -> Optional[int]:
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
        peak_memory=_peak_memory(device),
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
               peak_memory=_peak_memory(device), **timer.summary(batch_size))
    del runner, timer
    gc.collect()  # ends the persistent dataloader workers
    if device.startswith('cuda'):
        torch.cuda.empty_cache()
    return out


# -- sections ------------------------------------------------------------
def _error(exc: BaseException) -> dict:
    return dict(status='error', error=f'{type(exc).__name__}: {exc}',
                traceback=traceback.format_exc(limit=-3))


def environment(device: str) -> dict:
    env = dict(
        python=platform.python_version(),
        torch=torch.__version__,
        cuda=torch.version.cuda,
        device=device,
        cpu_count=os.cpu_count(),
        numpy=np.__version__,
        date=time.strftime('%Y-%m-%d %H:%M:%S %Z'))
    if device.startswith('cuda'):
        env['gpu'] = torch.cuda.get_device_name()
        env['gpu_memory'] = torch.cuda.get_device_properties(0).total_memory
    for mod in ('mmengine', 'mmcv', 'mmpretrain'):
        try:
            env[mod] = __import__(mod).__version__
        except Exception as exc:  # reported, the check goes on
            env[mod] = f'not importable: {exc}'
    # Versions, CPU model and whether they match requirements/lock.txt.
    env['record'] = environment_record()
    return env


def cuda_test_files() -> List[str]:
    """Test files that mention CUDA (their CUDA tests are named so), this
    check's own test excepted."""
    found = []
    for folder, _, files in os.walk(osp.join(REPO, 'tests')):
        for f in sorted(files):
            if f.startswith('test_') and f.endswith('.py') and \
                    f != 'test_gpu_check.py':
                path = osp.join(folder, f)
                with open(path, encoding='utf-8') as fh:
                    if 'cuda' in fh.read():
                        found.append(osp.relpath(path, REPO))
    return sorted(found)


def start_cuda_tests(out_dir: str) -> subprocess.Popen:
    """``pytest -k cuda`` on the CUDA test files, in the background."""
    junit = osp.join(tempfile.gettempdir(), 'mmreidgen_cuda_tests.xml')
    cmd = [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
           '-k', 'cuda', '-rfEs', f'--junitxml={junit}', *cuda_test_files()]
    log = open(osp.join(out_dir, 'cuda_tests.log'), 'w')
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=log,
                            stderr=subprocess.STDOUT)
    proc.junit, proc.log, proc.cmd = junit, log, cmd
    proc.started = time.perf_counter()
    return proc


def finish_cuda_tests(proc: subprocess.Popen, timeout: float) -> dict:
    try:
        rc = proc.wait(timeout=max(timeout, 1))
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    proc.log.close()
    out = dict(command='python ' + ' '.join(proc.cmd[1:]), returncode=rc,
               seconds=time.perf_counter() - proc.started)
    counts = dict(passed=0, failed=0, errors=0, skipped=0)
    failures = []
    if osp.exists(proc.junit):
        import xml.etree.ElementTree as ET
        for case in ET.parse(proc.junit).getroot().iter('testcase'):
            tags = {child.tag for child in case}
            case_id = f'{case.get("classname")}::{case.get("name")}'
            if 'failure' in tags:
                counts['failed'] += 1
                failures.append(case_id)
            elif 'error' in tags:
                counts['errors'] += 1
                failures.append(case_id)
            elif 'skipped' in tags:
                counts['skipped'] += 1
            else:
                counts['passed'] += 1
    out.update(counts, failures=failures,
               status='ok' if rc in (0, 5) and not failures else 'failed')
    return out


def render(synth_root: str, dry_run: bool, num_test_ids: int) -> dict:
    """The rendered set, and the SLSR DCGAN's list of training images."""
    from mmreidgen.datasets.synthetic import make_synthetic_reid
    num_train = 8 if dry_run else 751
    result = make_synthetic_reid(
        synth_root, seed=0, num_train_ids=num_train,
        num_test_ids=4 if dry_run else num_test_ids, workers=2)
    market = osp.join(synth_root, 'synthmarket')
    names = sorted(os.listdir(osp.join(market, 'bounding_box_train')))
    with open(osp.join(market, TRAIN_LIST), 'w') as f:
        for fname in names:
            pid, cam = re.match(r'(\d+)_c(\d+)', fname).groups()
            f.write(f'bounding_box_train/{fname} {int(pid)} '
                    f'{int(cam) - 1}\n')
    return dict(
        status='ok', seconds=result['seconds'], num_train_ids=num_train,
        num_test_ids=4 if dry_run else num_test_ids, workers=2,
        images={
            dom: {k: v['num_images'] for k, v in d['subsets'].items()}
            for dom, d in result['domains'].items()
        })


def train_section(synth_root: str, work_root: str, device: str,
                  args, deadline: float) -> dict:
    """Section 3 (and the runs that section 5 reads)."""
    settings = [s for s in args.settings
                if device.startswith('cuda') or not s.startswith('float16')]
    notes = []
    if not device.startswith('cuda'):
        notes.append('float16 AMP skipped: mmengine\'s loss-scaled '
                     'AmpOptimWrapper needs CUDA.')
    results = {}
    names = list(TRAIN_SPECS)
    for index, name in enumerate(names):
        slot = (deadline - time.perf_counter()) / (len(names) - index)
        slot_end = time.perf_counter() + slot
        entry = dict(config=TRAIN_SPECS[name][1 if args.dry_run else 0],
                     stage=TRAIN_SPECS[name][2], slot_s=slot)
        results[name] = entry
        if slot <= 1:
            entry['run'] = dict(status='skipped',
                                reason='no time left in the budget')
            entry['steps'] = {}
            continue
        steps, cost = {}, None
        entry['steps'] = steps
        try:
            cfg = load_train_config(name, synth_root,
                                    osp.join(work_root, name), args.dry_run)
        except Exception as exc:  # recorded; the next config runs
            entry['run'] = steps['config'] = _error(exc)
            continue
        try:
            entry['run'] = dict(status='ok', **run_config(
                cfg, device, args.iters, args.warmup, 0.45 * slot))
        except Exception as exc:  # recorded; the next config runs
            entry['run'] = _error(exc)
        for key in settings:
            precision, _, layout = key.partition('_')
            channels_last = layout == 'channels_last'
            left = slot_end - time.perf_counter()
            if cost is not None and cost > left:
                steps[key] = dict(
                    status='skipped',
                    reason=f'time budget: {left:.1f} s left of this '
                    f'config\'s {slot:.0f} s, the last setting took '
                    f'{cost:.1f} s')
                continue
            start = time.perf_counter()
            try:
                steps[key] = dict(status='ok', **measure_steps(
                    name, cfg, device, precision, channels_last,
                    args.step_iters, args.repeats, args.step_warmup))
            except NotImplementedError as exc:
                steps[key] = dict(status='unsupported', error=str(exc))
            except Exception as exc:  # recorded; the next setting runs
                steps[key] = _error(exc)
            if device.startswith('cuda'):
                torch.cuda.empty_cache()
            cost = time.perf_counter() - start
        print_log(f'gpu_check: {name} done', logger='current')
    return dict(settings=settings, notes=notes, goal_ratio=GOAL_RATIO,
                configs=results)


def busy_section(train: dict) -> dict:
    rows = {}
    for name, entry in train['configs'].items():
        run = entry.get('run', {})
        if run.get('status') != 'ok':
            rows[name] = dict(status=run.get('status', 'missing'))
            continue
        rows[name] = dict(
            status='ok', num_workers=run['num_workers'],
            busy_fraction=run['busy_fraction'],
            nvml_utilization=run['nvml_utilization'],
            step_s=run['step_s'], wait_s=run['wait_s'],
            steady_iterations=run['steady_iterations'])
    return dict(goal=GOAL_BUSY, configs=rows)


# -- evaluation and re-ranking -----------------------------------------
def _timed(on: str, fn: Callable, *args, **kwargs):
    sync(on)
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    sync(on)
    return out, time.perf_counter() - start


def eval_section(device: str, dry_run: bool, deadline: float) -> dict:
    """Section 4: the device against the CPU, with times."""
    from mmreidgen.evaluation.functional import (
        evaluate_rank,
        evaluate_rank_from_features,
        pairwise_distance,
        re_ranking,
        re_ranking_knn,
    )
    sizes = DRY_EVAL_SIZES if dry_run else EVAL_SIZES
    out = dict(sizes={k: list(v) for k, v in sizes.items()}, device=device)
    q, g, *ids = clustered_features(*sizes['market'])
    market = dict()
    out['market'] = market
    try:
        dist = pairwise_distance(q, g)
        cpu, cpu_s = _timed('cpu', evaluate_rank, dist, *ids)
        dev_dist = dist.to(device)
        _timed(device, evaluate_rank, dev_dist, *ids)  # warm-up
        dev, dev_s = _timed(device, evaluate_rank, dev_dist, *ids)
        market['evaluate_rank'] = dict(
            status='ok', cpu_s=cpu_s, device_s=dev_s,
            equal=bool(np.array_equal(cpu[0], dev[0]) and
                       cpu[1:] == dev[1:]), result=rank_summary(dev))
    except Exception as exc:  # recorded; the next item runs
        market['evaluate_rank'] = _error(exc)
    try:
        dists = [pairwise_distance(q, g).numpy(),
                 pairwise_distance(q, q).numpy(),
                 pairwise_distance(g, g).numpy()]
        cpu, cpu_s = _timed('cpu', re_ranking, *dists)
        dev, dev_s = _timed(device, re_ranking, *dists, device=device)
        # Exact re-ranking plus evaluation, the "under 2 s" goal,
        # from the distance matrices already on the device.
        on_dev = [torch.from_numpy(d).to(device) for d in dists]
        sync(device)
        start = time.perf_counter()
        reranked = re_ranking(*on_dev)
        result = evaluate_rank(torch.as_tensor(reranked).to(device), *ids)
        sync(device)
        total_s = time.perf_counter() - start
        market['re_ranking_exact'] = dict(
            status='ok', cpu_s=cpu_s, device_s=dev_s,
            equal=bool(np.array_equal(cpu, dev)),
            rerank_plus_eval_s=total_s,
            goal_s=GOAL_MARKET_RERANK_S,
            vs_gnn_9_4_ms=total_s / (GNN_RERANK_MS / 1000),
            result=rank_summary(result))
        del dists, on_dev, cpu, dev
    except Exception as exc:  # recorded; the next item runs
        market['re_ranking_exact'] = _error(exc)
    try:
        cpu, cpu_s = _timed('cpu', re_ranking_knn, q, g)
        dev, dev_s = _timed(device, re_ranking_knn, q, g, device=device)
        map_cpu = float(evaluate_rank(cpu, *ids)[1])
        map_dev = float(evaluate_rank(dev, *ids)[1])
        market['re_ranking_knn'] = dict(
            status='ok', cpu_s=cpu_s, device_s=dev_s,
            max_abs_diff=float(np.abs(cpu - dev).max()),
            map_cpu=map_cpu, map_device=map_dev,
            equal=bool(np.allclose(cpu, dev, atol=1e-5)
                       and abs(map_cpu - map_dev) < 1e-6))
    except Exception as exc:  # recorded; the next item runs
        market['re_ranking_knn'] = _error(exc)

    q, g, *ids = clustered_features(*sizes['msmt'])
    msmt = dict()
    out['msmt'] = msmt
    try:
        qd = torch.from_numpy(q).to(device)
        gd = torch.from_numpy(g).to(device)
        dev, dev_s = _timed(device, evaluate_rank_from_features, qd, gd,
                            *ids)
        # The CPU takes about 100 s at this size on 2 cores
        # (docs/en/benchmarks.md): the device against the CPU on the first
        # queries (rows do not depend on the other queries), the whole set
        # only with time left.
        num = min(len(q), 1500)
        sub = (ids[0][:num], ids[1], ids[2][:num], ids[3])
        cpu, cpu_s = _timed('cpu', evaluate_rank_from_features, q[:num], g,
                            *sub)
        dev_sub = evaluate_rank_from_features(qd[:num], gd, *sub)
        msmt['evaluate_rank_from_features'] = dict(
            status='ok', device_s=dev_s, compared_queries=num,
            cpu_s_compared_queries=cpu_s,
            max_cmc_diff=float(np.abs(cpu[0] - dev_sub[0]).max()),
            map_diff=float(abs(cpu[1] - dev_sub[1])),
            equal=bool(np.allclose(cpu[0], dev_sub[0], atol=2e-3)
                       and abs(cpu[1] - dev_sub[1]) < 1e-3),
            result=rank_summary(dev))
    except Exception as exc:  # recorded; the next item runs
        msmt['evaluate_rank_from_features'] = _error(exc)
    try:
        dev, dev_s = _timed(device, re_ranking_knn, q, g, device=device)
        # Evaluated on the device: about 70 s on 2 CPU cores at this size.
        entry = dict(status='ok', device_s=dev_s, map_device=float(
            evaluate_rank(torch.from_numpy(dev).to(device), *ids)[1]))
        # The CPU run takes minutes at this size (364 s on 2 cores,
        # docs/en/benchmarks.md): only with time left.
        left = deadline - time.perf_counter()
        if left > max(180.0, 8 * dev_s) or dry_run:
            cpu, cpu_s = _timed('cpu', re_ranking_knn, q, g)
            entry.update(
                cpu_s=cpu_s, max_abs_diff=float(np.abs(cpu - dev).max()),
                map_cpu=float(evaluate_rank(
                    torch.from_numpy(cpu).to(device), *ids)[1]))
            entry['equal'] = bool(
                np.allclose(cpu, dev, atol=1e-5)
                and abs(entry['map_cpu'] - entry['map_device']) < 1e-6)
        else:
            entry['cpu'] = (f'not compared: {left:.0f} s left of the '
                            'budget, the CPU run takes minutes')
        msmt['re_ranking_knn'] = entry
    except Exception as exc:  # recorded
        msmt['re_ranking_knn'] = _error(exc)
    return out


# -- report ---------------------------------------------------------------
def _fmt(value, digits=3) -> str:
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 'yes' if value else 'NO'
    if isinstance(value, float):
        return f'{value:.{digits}g}' if abs(value) < 1e4 else f'{value:.0f}'
    return str(value)


def _gib(num) -> str:
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
              f'{rend.get("status")}, {_fmt(rend.get("seconds"))} s: '
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
            f'{entry["stage"] or "-"} | {_fmt(run.get("images_per_s"))} | '
            f'{_fmt(run.get("iterations"))} | '
            f'{_gib(run.get("peak_memory"))} | {run.get("status")} '
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
                f'| {name} | {key} | {_fmt(step.get("batch_size"))} | '
                f'{_fmt(step.get("train_step_s"))} | '
                f'{_fmt(step.get("plain_s"))} | {_fmt(step.get("ratio"))} '
                f'| {_fmt(step.get("images_per_s"))} | '
                f'{_gib(step.get("peak_memory"))} | {step["status"]} '
                f'{reason[:120]} |')
    ev = report['eval']
    lines += ['', f'## 4. Evaluation and re-ranking ({ev.get("device")} '
              'against the CPU)', '', f'sizes (Q, G, ids, distractors): '
              f'{ev.get("sizes")}', '',
              '| size | step | CPU s | device s | equal to the CPU | notes |',
              '|---|---|---|---|---|---|']
    for size in ('market', 'msmt'):
        for step, item in ev.get(size, {}).items():
            notes = {k: _fmt(v) for k, v in item.items() if k not in (
                'status', 'cpu_s', 'device_s', 'equal', 'traceback')}
            lines.append(
                f'| {size} | {step} | {_fmt(item.get("cpu_s"))} | '
                f'{_fmt(item.get("device_s"))} | {_fmt(item.get("equal"))} '
                f'| {notes} |')
    busy = report['busy']
    lines += ['', f'## 5. GPU busy fraction (goal >= {GOAL_BUSY})', '',
              '| config | workers | busy (step / wall) | NVML utilization | '
              'step s | dataloader wait s | steady iters |',
              '|---|---|---|---|---|---|---|']
    for name, row in busy.get('configs', {}).items():
        lines.append(
            f'| {name} | {_fmt(row.get("num_workers"))} | '
            f'{_fmt(row.get("busy_fraction"))} | '
            f'{_fmt(row.get("nvml_utilization"))} | '
            f'{_fmt(row.get("step_s"))} | {_fmt(row.get("wait_s"))} | '
            f'{_fmt(row.get("steady_iterations"))} |')
    return '\n'.join(lines) + '\n'


def _clean(node, path: str = '', bad: Optional[list] = None):
    """JSON-safe: NaN and infinities become None, their paths go to
    ``bad``."""
    if isinstance(node, dict):
        return {str(k): _clean(v, f'{path}.{k}', bad)
                for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_clean(v, f'{path}[{i}]', bad) for i, v in enumerate(node)]
    if isinstance(node, (np.floating, np.integer, np.bool_)):
        node = node.item()
    if isinstance(node, float) and not math.isfinite(node):
        if bad is not None:
            bad.append(path.lstrip('.'))
        return None
    return node


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
        report['render'] = _error(exc)
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
            report['eval'] = _error(exc)
    report['seconds'] = time.perf_counter() - begin
    marks['eval'] = report['seconds']
    report['elapsed_after_s'] = marks
    non_finite: List[str] = []
    report = _clean(report, bad=non_finite)
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
