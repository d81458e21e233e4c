"""Ranking metrics (CMC, mAP, mINP) at Market-1501, MSMT17, CUHK03 size.

Measures, in one run, on synthetic features clustered per identity
(:func:`~mmreidgen.benchmarks.common.clustered_features`):

1. Market size (3,368 queries x 15,913 gallery, float32 distances):
   ``np.argsort(distmat, axis=1)`` (the baseline) and ``evaluate_rank``
   interleaved, best of ``repeat``; a straightforward reference (a full
   stable argsort per query, ``mmreidgen.evaluation.functional.reference``)
   and whether the results are identical; the extra peak memory of
   ``evaluate_rank`` in a fresh process.
2. MSMT17 size (11,659 x 82,161): ``evaluate_rank_from_features``
   (distances per query chunk, the matrix never exists) and
   ``evaluate_rank`` on a 3.8 GB float32 matrix built chunk-wise: time and
   extra peak memory (the inputs excluded), each in a fresh process; both
   results identical, and the first ``msmt_check`` queries identical to
   the reference.
3. CUHK03 767/700 size (1,400 x 5,332, 700 gallery identities): the
   single-gallery-shot protocol (``sgs_repeats`` draws per query) against
   the market protocol on the same matrix, interleaved, best of
   ``repeat``, and the extra peak memory of each in a fresh process.

Memory is the peak resident set size above the one after the inputs were
built (sampled every 2 ms and from ``getrusage``). Ratios print last.
"""
import argparse
import time
from typing import Dict, Iterator

import numpy as np
import torch

from mmreidgen.evaluation.functional import (
    ChunkedDistance,
    evaluate_rank,
    evaluate_rank_from_features,
    reference,
)

from .common import (
    SIZES,
    PeakRSS,
    clustered_features,
    gib,
    header,
    rank_summary,
    report_lines,
    run_worker,
    timed_peak,
    worker,
)

SGS = 'single_gallery_shot'


def build_distmat(q_feats: np.ndarray, g_feats: np.ndarray,
                  chunk_size: int) -> np.ndarray:
    """Euclidean Q x G float32 matrix, filled a query chunk at a time."""
    chunked = ChunkedDistance(q_feats, g_feats)
    out = np.empty(chunked.shape, dtype=np.float32)
    for start in range(0, len(out), chunk_size):
        out[start:start + chunk_size] = chunked.rows(
            start, start + chunk_size).numpy()
    return out


def same_result(a: tuple, b: tuple, rel: float = 1e-12) -> bool:
    """CMC identical and mAP, mINP equal up to summation rounding."""
    return bool(
        np.array_equal(a[0], b[0]) and np.isclose(a[1], b[1], rtol=rel)
        and np.isclose(a[2], b[2], rtol=rel))


def _inputs(args: argparse.Namespace, size: str) -> tuple:
    return clustered_features(*args.dataset_sizes[size], args.dim,
                              args.seed)


def _distmat_inputs(args: argparse.Namespace, size: str) -> tuple:
    """The Q x G matrix (chunks of 1024 queries) and the four id arrays."""
    q_feats, g_feats, *ids = _inputs(args, size)
    return build_distmat(q_feats, g_feats, 1024), ids


def _raw(result: tuple) -> list:
    return [result[0].tolist(), result[1], result[2]]


@worker
def market_timing(args: argparse.Namespace) -> dict:
    """``np.argsort`` against ``evaluate_rank`` (numpy and torch input),
    interleaved ``args.repeat`` times, and the reference once."""
    distmat, ids = _distmat_inputs(args, 'market')
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
    start = time.perf_counter()
    expected = reference.reference_evaluate_rank(distmat, *ids)
    ref_time = time.perf_counter() - start
    return dict(
        best={k: min(v) for k, v in times.items()},
        all=times,
        reference_time=ref_time,
        identical=same_result(ours, expected)
        and same_result(ours_torch, expected),
        result=rank_summary(ours))


@worker
def market_memory(args: argparse.Namespace) -> dict:
    """Extra peak memory of ``evaluate_rank`` and of ``np.argsort``."""
    distmat, ids = _distmat_inputs(args, 'market')
    with PeakRSS() as ours:
        evaluate_rank(distmat, *ids)
    with PeakRSS() as argsort:
        np.argsort(distmat, axis=1)
    return dict(evaluate_rank=ours.extra, argsort=argsort.extra)


@worker
def msmt_features(args: argparse.Namespace) -> dict:
    """``evaluate_rank_from_features`` at MSMT17 size, and its first
    ``args.msmt_check`` queries against the reference."""
    q_feats, g_feats, *ids = _inputs(args, 'msmt')
    result, elapsed, extra = timed_peak(evaluate_rank_from_features,
                                        q_feats, g_feats, *ids)
    # The first queries against the reference (row subsets are exact:
    # the same chunk computes the same rows).
    num = args.msmt_check
    distmat = ChunkedDistance(q_feats[:num], g_feats).rows(0, num).numpy()
    subset_ids = (ids[0][:num], ids[1], ids[2][:num], ids[3])
    expected = reference.reference_evaluate_rank(distmat, *subset_ids)
    subset = evaluate_rank(distmat, *subset_ids)
    return dict(
        time=elapsed,
        extra=extra,
        result=rank_summary(result),
        raw=_raw(result),
        subset_identical=same_result(subset, expected))


@worker
def msmt_distmat(args: argparse.Namespace) -> dict:
    """``evaluate_rank`` on the whole MSMT17-size float32 matrix."""
    q_feats, g_feats, *ids = _inputs(args, 'msmt')
    # Same chunks as evaluate_rank_from_features, so identical values.
    chunk = max(1, (1 << 23) // len(g_feats))
    distmat = build_distmat(q_feats, g_feats, chunk)
    del q_feats, g_feats
    result, elapsed, extra = timed_peak(evaluate_rank, distmat, *ids)
    return dict(
        time=elapsed,
        extra=extra,
        distmat_bytes=distmat.nbytes,
        raw=_raw(result))


@worker
def cuhk03_timing(args: argparse.Namespace) -> dict:
    """The market protocol against single-gallery-shot, interleaved."""
    distmat, ids = _distmat_inputs(args, 'cuhk03')
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
        market=rank_summary(market),
        single_gallery_shot=rank_summary(shot))


@worker
def cuhk03_memory(args: argparse.Namespace) -> int:
    """Extra peak memory of ``evaluate_rank`` under ``args.protocol``."""
    distmat, ids = _distmat_inputs(args, 'cuhk03')
    with PeakRSS() as mem:
        evaluate_rank(distmat, *ids, protocol=args.protocol,
                      num_repeats=args.sgs_repeats)
    return mem.extra


def _market(args, sizes) -> Iterator:
    yield (f'Market size {sizes["market"][:2]}, dim {args.dim}: timing '
           f'(best of {args.repeat}) ...')
    timing = run_worker(market_timing, args, dataset_sizes=sizes)
    memory = run_worker(market_memory, args, dataset_sizes=sizes)
    best = timing['best']
    yield '| step | time (s) | extra peak memory |'
    yield '|---|---|---|'
    yield (f'| np.argsort(distmat, axis=1) | {best["argsort"]:.2f} | '
           f'{gib(memory["argsort"])} |')
    yield (f'| evaluate_rank (numpy input) | {best["evaluate_rank"]:.2f} '
           f'| {gib(memory["evaluate_rank"])} |')
    yield ('| evaluate_rank (torch CPU input) | '
           f'{best["evaluate_rank_torch"]:.2f} | |')
    yield (f'| reference (stable argsort per query) | '
           f'{timing["reference_time"]:.2f} | |')
    yield f'all times: {timing["all"]}'
    yield (f'result {timing["result"]}; identical to the reference: '
           f'{timing["identical"]}')
    yield ('Market: evaluate_rank / np.argsort',
           best['evaluate_rank'] / best['argsort'], '<= 1.5')
    yield ('Market: evaluate_rank / reference',
           best['evaluate_rank'] / timing['reference_time'], '')


def _msmt(args, sizes) -> Iterator:
    yield f'MSMT17 size {sizes["msmt"][:2]}, dim {args.dim} ...'
    feats = run_worker(msmt_features, args, dataset_sizes=sizes)
    yield '| input | time (s) | extra peak memory |'
    yield '|---|---|---|'
    yield (f'| features (evaluate_rank_from_features, incl. distances) '
           f'| {feats["time"]:.2f} | {gib(feats["extra"])} |')
    yield ('MSMT17: from_features extra peak (GiB)',
           feats['extra'] / 2**30, '< 2 GB')
    if not args.skip_msmt_distmat:
        dist = run_worker(msmt_distmat, args, dataset_sizes=sizes)
        yield (f'| {gib(dist["distmat_bytes"])} float32 distmat '
               f'(evaluate_rank) | {dist["time"]:.2f} | '
               f'{gib(dist["extra"])} |')
        yield ('features and distmat results identical: '
               f'{dist["raw"] == feats["raw"]}')
        yield ('MSMT17: evaluate_rank extra peak (GiB)',
               dist['extra'] / 2**30, '< 2 GB')
    yield (f'result {feats["result"]}; first {args.msmt_check} queries '
           f'identical to the reference: {feats["subset_identical"]}')


def _cuhk03(args, sizes) -> Iterator:
    yield (f'CUHK03 767/700 size {sizes["cuhk03"][:2]}, dim {args.dim}: '
           f'market vs single-gallery-shot ({args.sgs_repeats} draws per '
           f'query), best of {args.repeat} ...')
    timing = run_worker(cuhk03_timing, args, dataset_sizes=sizes)
    # Each in a fresh process: freed pages stay with the process.
    memory = {
        name: run_worker(cuhk03_memory, args, dataset_sizes=sizes,
                         protocol=name)
        for name in ('market', SGS)
    }
    best = timing['best']
    yield f'{timing["num_gallery_ids"]} gallery identities'
    yield '| protocol | time (s) | extra peak memory | result |'
    yield '|---|---|---|---|'
    for name in ('market', SGS):
        result = ', '.join(f'{k} {v:.4f}' for k, v in timing[name].items())
        yield (f'| {name} | {best[name]:.3f} | {gib(memory[name])} | '
               f'{result} |')
    pairs = np.divide(timing['all'][SGS], timing['all']['market'])
    yield f'all times: {timing["all"]}'
    yield ('pair by pair, single_gallery_shot / market: ' +
           ', '.join(f'{r:.2f}' for r in pairs))
    yield f'mAP and mINP identical: {timing["same_map_minp"]}'
    yield ('CUHK03: single_gallery_shot / market time (best)',
           best[SGS] / best['market'], '')
    yield ('CUHK03: single_gallery_shot / market time (median pair)',
           float(np.median(pairs)), '')


def report(args: argparse.Namespace,
           dataset_sizes: Dict[str, tuple] = SIZES) -> Iterator[str]:
    """Run the benchmark; yield the lines to print, as they are known.

    Args:
        args (argparse.Namespace): ``sizes`` (names of ``SIZES`` to run),
            ``dim``, ``seed``, ``repeat``, ``msmt_check``,
            ``skip_msmt_distmat`` and ``sgs_repeats``, as
            ``tools/analysis_tools/benchmark_eval.py`` parses them.
        dataset_sizes (dict): ``(num_query, num_gallery, num_ids,
            num_distractors)`` by name. Defaults to ``SIZES``, the real
            datasets'.

    Yields:
        str: Markdown tables and notes, then the ratios.
    """
    yield header('benchmark_eval')
    parts = dict(market=_market, msmt=_msmt, cuhk03=_cuhk03)
    yield from report_lines(part(args, dataset_sizes)
                            for name, part in parts.items()
                            if name in args.sizes)
