"""Ranking metrics (CMC, mAP, mINP) at Market-1501, MSMT17, CUHK03 size.

Measures, in one run, on synthetic features clustered per identity:

1. Market size (3,368 queries x 15,913 gallery, float32 distances):
   ``np.argsort(distmat, axis=1)`` (the baseline) and ``evaluate_rank``
   interleaved, best of ``--repeat``; a straightforward reference (a full
   stable argsort per query, ``mmreidgen.evaluation.functional.reference``) and
   whether the results are identical; the extra peak memory of
   ``evaluate_rank`` in a fresh process.
2. MSMT17 size (11,659 x 82,161): ``evaluate_rank_from_features``
   (distances per query chunk, the matrix never exists) and
   ``evaluate_rank`` on a 3.8 GB float32 matrix built chunk-wise: time and
   extra peak memory (the inputs excluded), each in a fresh process; both
   results identical, and the first ``--msmt-check`` queries identical to
   the reference.
3. CUHK03 767/700 size (1,400 x 5,332, 700 gallery identities): the
   single-gallery-shot protocol (``--sgs-repeats`` draws per query) against
   the market protocol on the same matrix, interleaved, best of
   ``--repeat``, and the extra peak memory of each in a fresh process.

Memory is the peak resident set size above the one after the inputs were
built (sampled every 2 ms and from ``getrusage``). Ratios print last.

Example::

    python tools/analysis_tools/benchmark_eval.py
    python tools/analysis_tools/benchmark_eval.py --sizes market --repeat 5
    python tools/analysis_tools/benchmark_eval.py --sizes cuhk03 --repeat 5
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from mmreidgen.evaluation.functional import (
    ChunkedDistance,
    evaluate_rank,
    evaluate_rank_from_features,
)
from mmreidgen.utils.benchmark import (
    SIZES,
    PeakRSS,
    gib,
    machine,
    run_worker,
)
from mmreidgen.utils.gpu_check import clustered_features

REPO = Path(__file__).resolve().parents[2]

SGS = 'single_gallery_shot'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--sizes',
        nargs='+',
        choices=list(SIZES),
        default=list(SIZES),
        help='which dataset sizes to run')
    parser.add_argument('--dim', type=int, default=128,
                        help='feature dimension of the synthetic data')
    parser.add_argument('--repeat', type=int, default=3,
                        help='timing repeats at Market size (best is kept)')
    parser.add_argument('--msmt-check', type=int, default=300,
                        help='MSMT queries also checked with the reference')
    parser.add_argument('--skip-msmt-distmat', action='store_true',
                        help='do not build the 3.8 GB MSMT17 matrix')
    parser.add_argument('--sgs-repeats', type=int, default=10,
                        help='single-gallery-shot draws per query (CUHK03)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    return parser.parse_args()


def make_synthetic(num_query, num_gallery, num_ids, num_distractors, dim,
                   seed=0):
    """Features clustered per identity, with a per-camera shift (see
    :func:`mmreidgen.utils.gpu_check.clustered_features`)."""
    return clustered_features(num_query, num_gallery, num_ids,
                              num_distractors, dim, seed)


def build_distmat(q_feats, g_feats, chunk_size):
    """Euclidean Q x G float32 matrix, filled a query chunk at a time."""
    chunked = ChunkedDistance(q_feats, g_feats)
    out = np.empty(chunked.shape, dtype=np.float32)
    for start in range(0, len(out), chunk_size):
        out[start:start + chunk_size] = chunked.rows(
            start, start + chunk_size).numpy()
    return out


def load_reference():
    """The literal reference implementations (slow, easy to check)."""
    from mmreidgen.evaluation.functional import reference
    return reference








def same_result(a, b, rel=1e-12):
    """CMC identical and mAP, mINP equal up to summation rounding."""
    return bool(
        np.array_equal(a[0], b[0]) and np.isclose(a[1], b[1], rtol=rel)
        and np.isclose(a[2], b[2], rtol=rel))


def describe(result):
    cmc, mean_ap, mean_inp = result
    return dict(R1=float(cmc[0]), mAP=float(mean_ap), mINP=float(mean_inp))


def market_timing(args):
    q_feats, g_feats, *ids = make_synthetic(*SIZES['market'], args.dim,
                                            args.seed)
    distmat = build_distmat(q_feats, g_feats, 1024)
    tensor = torch.from_numpy(distmat)
    times = dict(argsort=[], evaluate_rank=[], evaluate_rank_torch=[])
    for _ in range(args.repeat):
        start = time.perf_counter()
        order = np.argsort(distmat, axis=1)
        times['argsort'].append(time.perf_counter() - start)
        del order
        start = time.perf_counter()
        ours = evaluate_rank(distmat, *ids)
        times['evaluate_rank'].append(time.perf_counter() - start)
        start = time.perf_counter()
        ours_torch = evaluate_rank(tensor, *ids)
        times['evaluate_rank_torch'].append(time.perf_counter() - start)
    reference = load_reference()
    start = time.perf_counter()
    expected = reference.reference_evaluate_rank(distmat, *ids)
    ref_time = time.perf_counter() - start
    return dict(
        best={k: min(v) for k, v in times.items()},
        all=times,
        reference_time=ref_time,
        identical=same_result(ours, expected)
        and same_result(ours_torch, expected),
        result=describe(ours))


def market_memory(args):
    q_feats, g_feats, *ids = make_synthetic(*SIZES['market'], args.dim,
                                            args.seed)
    distmat = build_distmat(q_feats, g_feats, 1024)
    del q_feats, g_feats
    with PeakRSS() as ours:
        evaluate_rank(distmat, *ids)
    with PeakRSS() as argsort:
        np.argsort(distmat, axis=1)
    return dict(evaluate_rank=ours.extra, argsort=argsort.extra)


def msmt_features(args):
    q_feats, g_feats, *ids = make_synthetic(*SIZES['msmt'], args.dim,
                                            args.seed)
    with PeakRSS() as mem:
        start = time.perf_counter()
        result = evaluate_rank_from_features(q_feats, g_feats, *ids)
        elapsed = time.perf_counter() - start
    # The first queries against the reference (row subsets are exact:
    # the same chunk computes the same rows).
    num = args.msmt_check
    distmat = ChunkedDistance(q_feats[:num], g_feats).rows(0, num).numpy()
    reference = load_reference()
    expected = reference.reference_evaluate_rank(distmat, ids[0][:num],
                                                 *ids[1:2], ids[2][:num],
                                                 ids[3])
    subset = evaluate_rank(distmat, ids[0][:num], ids[1], ids[2][:num],
                           ids[3])
    return dict(
        time=elapsed,
        extra=mem.extra,
        result=describe(result),
        raw=[result[0].tolist(), result[1], result[2]],
        subset_identical=same_result(subset, expected))


def msmt_distmat(args):
    q_feats, g_feats, *ids = make_synthetic(*SIZES['msmt'], args.dim,
                                            args.seed)
    # Same chunks as evaluate_rank_from_features, so identical values.
    chunk = max(1, (1 << 23) // len(g_feats))
    distmat = build_distmat(q_feats, g_feats, chunk)
    del q_feats, g_feats
    with PeakRSS() as mem:
        start = time.perf_counter()
        result = evaluate_rank(distmat, *ids)
        elapsed = time.perf_counter() - start
    return dict(
        time=elapsed,
        extra=mem.extra,
        distmat_bytes=distmat.nbytes,
        raw=[result[0].tolist(), result[1], result[2]])


def cuhk03_timing(args):
    q_feats, g_feats, *ids = make_synthetic(*SIZES['cuhk03'], args.dim,
                                            args.seed)
    distmat = build_distmat(q_feats, g_feats, 1024)
    times = dict(market=[], single_gallery_shot=[])
    for _ in range(args.repeat):
        start = time.perf_counter()
        market = evaluate_rank(distmat, *ids)
        times['market'].append(time.perf_counter() - start)
        start = time.perf_counter()
        shot = evaluate_rank(distmat, *ids, protocol=SGS,
                             num_repeats=args.sgs_repeats)
        times['single_gallery_shot'].append(time.perf_counter() - start)
    return dict(
        best={k: min(v) for k, v in times.items()},
        all=times,
        num_gallery_ids=len(np.unique(ids[1])),
        same_map_minp=market[1:] == shot[1:],
        market=describe(market),
        single_gallery_shot=describe(shot))


def cuhk03_memory(args, protocol):
    q_feats, g_feats, *ids = make_synthetic(*SIZES['cuhk03'], args.dim,
                                            args.seed)
    distmat = build_distmat(q_feats, g_feats, 1024)
    del q_feats, g_feats
    with PeakRSS() as mem:
        evaluate_rank(distmat, *ids, protocol=protocol,
                      num_repeats=args.sgs_repeats)
    return mem.extra


WORKERS = dict(
    market_timing=market_timing,
    market_memory=market_memory,
    msmt_features=msmt_features,
    msmt_distmat=msmt_distmat,
    cuhk03_timing=cuhk03_timing,
    cuhk03_memory_market=lambda args: cuhk03_memory(args, 'market'),
    cuhk03_memory_sgs=lambda args: cuhk03_memory(args, SGS))






def main():
    args = parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        return
    script = Path(__file__).resolve()
    print(f'# benchmark_eval on {machine()}, '
          f'{time.strftime("%Y-%m-%d %H:%M")}')
    ratios = []
    if 'market' in args.sizes:
        print(f'Market size {SIZES["market"][:2]}, dim {args.dim}: timing '
              f'(best of {args.repeat}) ...', flush=True)
        timing = run_worker(script, 'market_timing', args,
                            ['--repeat', str(args.repeat)])
        memory = run_worker(script, 'market_memory', args)
        best = timing['best']
        print('| step | time (s) | extra peak memory |')
        print('|---|---|---|')
        print(f'| np.argsort(distmat, axis=1) | {best["argsort"]:.2f} | '
              f'{gib(memory["argsort"])} |')
        print(f'| evaluate_rank (numpy input) | {best["evaluate_rank"]:.2f} '
              f'| {gib(memory["evaluate_rank"])} |')
        print('| evaluate_rank (torch CPU input) | '
              f'{best["evaluate_rank_torch"]:.2f} | |')
        print(f'| reference (stable argsort per query) | '
              f'{timing["reference_time"]:.2f} | |')
        print(f'all times: {timing["all"]}')
        print(f'result {timing["result"]}; identical to the reference: '
              f'{timing["identical"]}')
        ratios.append(('Market: evaluate_rank / np.argsort',
                       best['evaluate_rank'] / best['argsort'], '<= 1.5'))
        ratios.append(('Market: evaluate_rank / reference',
                       best['evaluate_rank'] / timing['reference_time'], ''))
    if 'msmt' in args.sizes:
        print(f'MSMT17 size {SIZES["msmt"][:2]}, dim {args.dim} ...',
              flush=True)
        feats = run_worker(script, 'msmt_features', args,
                           ['--msmt-check', str(args.msmt_check)])
        print('| input | time (s) | extra peak memory |')
        print('|---|---|---|')
        print(f'| features (evaluate_rank_from_features, incl. distances) '
              f'| {feats["time"]:.2f} | {gib(feats["extra"])} |')
        ratios.append(('MSMT17: from_features extra peak (GiB)',
                       feats['extra'] / 2**30, '< 2 GB'))
        if not args.skip_msmt_distmat:
            dist = run_worker(script, 'msmt_distmat', args)
            print(f'| {gib(dist["distmat_bytes"])} float32 distmat '
                  f'(evaluate_rank) | {dist["time"]:.2f} | '
                  f'{gib(dist["extra"])} |')
            print('features and distmat results identical: '
                  f'{dist["raw"] == feats["raw"]}')
            ratios.append(('MSMT17: evaluate_rank extra peak (GiB)',
                           dist['extra'] / 2**30, '< 2 GB'))
        print(f'result {feats["result"]}; first {args.msmt_check} queries '
              f'identical to the reference: {feats["subset_identical"]}')
    if 'cuhk03' in args.sizes:
        print(f'CUHK03 767/700 size {SIZES["cuhk03"][:2]}, dim {args.dim}: '
              f'market vs single-gallery-shot ({args.sgs_repeats} draws per '
              f'query), best of {args.repeat} ...', flush=True)
        extra = ['--repeat', str(args.repeat), '--sgs-repeats',
                 str(args.sgs_repeats)]
        timing = run_worker(script, 'cuhk03_timing', args, extra)
        # Each in a fresh process: freed pages stay with the process.
        memory = {
            'market': run_worker(script, 'cuhk03_memory_market', args, extra),
            SGS: run_worker(script, 'cuhk03_memory_sgs', args, extra)
        }
        best = timing['best']
        print(f'{timing["num_gallery_ids"]} gallery identities')
        print('| protocol | time (s) | extra peak memory | result |')
        print('|---|---|---|---|')
        for name in ('market', SGS):
            result = ', '.join(f'{k} {v:.4f}' for k, v in timing[name].items())
            print(f'| {name} | {best[name]:.3f} | {gib(memory[name])} | '
                  f'{result} |')
        pairs = np.divide(timing['all'][SGS], timing['all']['market'])
        print(f'all times: {timing["all"]}')
        print('pair by pair, single_gallery_shot / market: '
              + ', '.join(f'{r:.2f}' for r in pairs))
        print(f'mAP and mINP identical: {timing["same_map_minp"]}')
        ratios.append(('CUHK03: single_gallery_shot / market time (best)',
                       best[SGS] / best['market'], ''))
        ratios.append(('CUHK03: single_gallery_shot / market time (median '
                       'pair)', float(np.median(pairs)), ''))
    print('\nRatios')
    for name, value, goal in ratios:
        print(f'  {name}: {value:.4g}' + (f' (goal {goal})' if goal else ''))


if __name__ == '__main__':
    main()
