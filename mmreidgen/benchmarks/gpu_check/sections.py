"""The sections of the check: environment, render, train, busy, eval."""
import os
import os.path as osp
import platform
import re
import time
import traceback
from typing import Callable

import numpy as np
import torch
from mmengine.logging import print_log

from mmreidgen.benchmarks.common import (
    clustered_features,
    rank_summary,
    sync,
)
from mmreidgen.utils.environment import (
    environment_record,
)

from .measure import measure_steps, run_config
from .settings import (
    DRY_EVAL_SIZES,
    EVAL_SIZES,
    GNN_RERANK_MS,
    GOAL_BUSY,
    GOAL_MARKET_RERANK_S,
    GOAL_RATIO,
    TRAIN_LIST,
    TRAIN_SPECS,
    load_train_config,
)


# -- sections ------------------------------------------------------------
def error_record(exc: BaseException) -> dict:
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
            entry['run'] = steps['config'] = error_record(exc)
            continue
        try:
            entry['run'] = dict(status='ok', **run_config(
                cfg, device, args.iters, args.warmup, 0.45 * slot))
        except Exception as exc:  # recorded; the next config runs
            entry['run'] = error_record(exc)
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
                steps[key] = error_record(exc)
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
def timed(on: str, fn: Callable, *args, **kwargs):
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
        cpu, cpu_s = timed('cpu', evaluate_rank, dist, *ids)
        dev_dist = dist.to(device)
        timed(device, evaluate_rank, dev_dist, *ids)  # warm-up
        dev, dev_s = timed(device, evaluate_rank, dev_dist, *ids)
        market['evaluate_rank'] = dict(
            status='ok', cpu_s=cpu_s, device_s=dev_s,
            equal=bool(np.array_equal(cpu[0], dev[0]) and
                       cpu[1:] == dev[1:]), result=rank_summary(dev))
    except Exception as exc:  # recorded; the next item runs
        market['evaluate_rank'] = error_record(exc)
    try:
        dists = [pairwise_distance(q, g).numpy(),
                 pairwise_distance(q, q).numpy(),
                 pairwise_distance(g, g).numpy()]
        cpu, cpu_s = timed('cpu', re_ranking, *dists)
        dev, dev_s = timed(device, re_ranking, *dists, device=device)
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
        market['re_ranking_exact'] = error_record(exc)
    try:
        cpu, cpu_s = timed('cpu', re_ranking_knn, q, g)
        dev, dev_s = timed(device, re_ranking_knn, q, g, device=device)
        map_cpu = float(evaluate_rank(cpu, *ids)[1])
        map_dev = float(evaluate_rank(dev, *ids)[1])
        market['re_ranking_knn'] = dict(
            status='ok', cpu_s=cpu_s, device_s=dev_s,
            max_abs_diff=float(np.abs(cpu - dev).max()),
            map_cpu=map_cpu, map_device=map_dev,
            equal=bool(np.allclose(cpu, dev, atol=1e-5)
                       and abs(map_cpu - map_dev) < 1e-6))
    except Exception as exc:  # recorded; the next item runs
        market['re_ranking_knn'] = error_record(exc)

    q, g, *ids = clustered_features(*sizes['msmt'])
    msmt = dict()
    out['msmt'] = msmt
    try:
        qd = torch.from_numpy(q).to(device)
        gd = torch.from_numpy(g).to(device)
        dev, dev_s = timed(device, evaluate_rank_from_features, qd, gd,
                            *ids)
        # The CPU takes about 100 s at this size on 2 cores
        # (docs/en/benchmarks.md): the device against the CPU on the first
        # queries (rows do not depend on the other queries), the whole set
        # only with time left.
        num = min(len(q), 1500)
        sub = (ids[0][:num], ids[1], ids[2][:num], ids[3])
        cpu, cpu_s = timed('cpu', evaluate_rank_from_features, q[:num], g,
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
        msmt['evaluate_rank_from_features'] = error_record(exc)
    try:
        dev, dev_s = timed(device, re_ranking_knn, q, g, device=device)
        # Evaluated on the device: about 70 s on 2 CPU cores at this size.
        entry = dict(status='ok', device_s=dev_s, map_device=float(
            evaluate_rank(torch.from_numpy(dev).to(device), *ids)[1]))
        # The CPU run takes minutes at this size (364 s on 2 cores,
        # docs/en/benchmarks.md): only with time left.
        left = deadline - time.perf_counter()
        if left > max(180.0, 8 * dev_s) or dry_run:
            cpu, cpu_s = timed('cpu', re_ranking_knn, q, g)
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
        msmt['re_ranking_knn'] = error_record(exc)
    return out
