"""k-reciprocal re-ranking at Market-1501 and MSMT17 size.

Measures, in one run, on synthetic features clustered per identity (the
generator of :mod:`~mmreidgen.benchmarks.eval_speed`), each part in a
fresh process:

1. Market size (N = 3,368 + 15,913 by default; ``num_gallery=19732`` for
   the gallery of the authors' code): ``re_ranking`` (exact, from the three
   distance matrices) time and extra peak memory against the budget of
   2 x N^2 float32; ``re_ranking_knn`` (torch and faiss) time, memory and
   the mAP difference from the exact mode.
2. The reference (``reference_re_ranking_inverted`` of
   ``mmreidgen.evaluation.functional.reference``: dense N x N arrays, full
   argsort, inverted index, as the authors' code) and ``re_ranking`` on the
   same inputs: time, memory, and whether the results agree. The reference
   needs about 6.5 x N^2 x 4 bytes; when that exceeds half the available
   memory (or with ``reference_size``), it runs at a reduced N with the
   same query/gallery proportions, and the output says so.
3. MSMT17 size (N = 11,659 + 82,161 = 93,820): ``re_ranking_knn`` time and
   extra peak memory (the features excluded; the Q x G float32 output,
   3.8 GB, included), and the mAP before and after re-ranking.

Ratios print last.
"""
import argparse
import math
from typing import Dict, Iterator, Optional, Tuple

import numpy as np

from mmreidgen.evaluation.functional import (
    evaluate_rank,
    evaluate_rank_from_features,
    pairwise_distance,
    re_ranking,
    re_ranking_knn,
    reference,
)

from .common import (
    SIZES,
    available_memory,
    clustered_features,
    gib,
    header,
    report_lines,
    run_worker,
    timed_peak,
    worker,
)

# Dense N x N float32 arrays alive at the reference's peak (distances,
# V, the int64 argsort and its int32 copy, expanded V): about 6.5.
REFERENCE_ARRAYS = 6.5
TABLE_HEAD = ('| method | time (s) | extra peak memory | mAP |',
              '|---|---|---|---|')


def market_size(market: tuple, num_gallery: int,
                total: Optional[int] = None) -> tuple:
    """Market ``(num_query, num_gallery, ids, distractors)`` with
    ``num_gallery`` gallery images (the extra ones distractors), scaled
    down to ``total`` images in all when given and smaller."""
    num_q, gallery, num_ids, num_distractors = market
    num_distractors += num_gallery - gallery
    size = (num_q, num_gallery, num_ids, num_distractors)
    if total is None or total >= num_q + num_gallery:
        return size
    scale = total / (num_q + num_gallery)
    return tuple(max(2, int(round(x * scale))) for x in size)


def distances(q_feats: np.ndarray, g_feats: np.ndarray) -> tuple:
    """The three Euclidean matrices of re_ranking, float32 numpy."""
    return (pairwise_distance(q_feats, g_feats).numpy(),
            pairwise_distance(q_feats, q_feats).numpy(),
            pairwise_distance(g_feats, g_feats).numpy())


def mean_ap(dist: np.ndarray, ids: list) -> float:
    return float(evaluate_rank(dist, *ids)[1])


def _market_inputs(args: argparse.Namespace, total=None) -> tuple:
    size = market_size(args.dataset_sizes['market'], args.num_gallery,
                       total)
    return size, clustered_features(*size, args.dim, args.seed)


@worker
def market_ours(args: argparse.Namespace) -> dict:
    """Exact ``re_ranking`` and ``re_ranking_knn`` (torch, faiss unless
    ``args.skip_faiss``) at Market size: time, memory, mAP."""
    size, (q_feats, g_feats, *ids) = _market_inputs(args)
    dists = distances(q_feats, g_feats)
    exact, exact_time, exact_mem = timed_peak(re_ranking, *dists)
    result = dict(
        num_all=size[0] + size[1],
        exact_time=exact_time,
        exact_mem=exact_mem,
        plain_map=mean_ap(dists[0], ids),
        exact_map=mean_ap(exact, ids))
    del dists
    knn, knn_time, knn_mem = timed_peak(re_ranking_knn, q_feats, g_feats)
    result.update(
        knn_time=knn_time,
        knn_mem=knn_mem,
        knn_map=mean_ap(knn, ids),
        knn_max_abs_diff=float(np.abs(knn - exact).max()))
    del knn
    if not args.skip_faiss:
        faiss, faiss_time, faiss_mem = timed_peak(
            re_ranking_knn, q_feats, g_feats, backend='faiss')
        result.update(
            faiss_time=faiss_time,
            faiss_mem=faiss_mem,
            faiss_map=mean_ap(faiss, ids))
    return result


@worker
def reference_run(args: argparse.Namespace) -> dict:
    """``re_ranking`` against the reference at ``args.num`` images."""
    size, (q_feats, g_feats, *ids) = _market_inputs(args, args.num)
    dists = distances(q_feats, g_feats)
    del q_feats, g_feats
    ours, ours_time, ours_mem = timed_peak(re_ranking, *dists)
    expected, ref_time, ref_mem = timed_peak(
        reference.reference_re_ranking_inverted, *dists)
    order = np.argsort(expected, axis=1, kind='stable')
    same_order = (np.argsort(ours, axis=1, kind='stable') == order).all(1)
    # Rows where our distances, in the reference's order, never decrease
    # by more than 1e-6: the orders differ only between near-equal values.
    ranked = np.take_along_axis(ours, order, axis=1)
    consistent = (np.diff(ranked, axis=1) >= -1e-6).all(axis=1)
    return dict(
        size=size,
        num_all=size[0] + size[1],
        ours_time=ours_time,
        ours_mem=ours_mem,
        ref_time=ref_time,
        ref_mem=ref_mem,
        max_abs_diff=float(np.abs(ours - expected).max()),
        rows_same_ranking=float(same_order.mean()),
        rows_consistent=float(consistent.mean()),
        map_ours=mean_ap(ours, ids),
        map_ref=mean_ap(expected, ids))


@worker
def msmt_knn(args: argparse.Namespace) -> dict:
    """``re_ranking_knn`` at MSMT17 size: time, memory, mAP."""
    q_feats, g_feats, *ids = clustered_features(
        *args.dataset_sizes['msmt'], args.dim, args.seed)
    reranked, elapsed, extra = timed_peak(re_ranking_knn, q_feats, g_feats)
    return dict(
        num_all=len(q_feats) + len(g_feats),
        time=elapsed,
        extra=extra,
        output_bytes=reranked.nbytes,
        map_reranked=mean_ap(reranked, ids),
        map_plain=float(
            evaluate_rank_from_features(q_feats, g_feats, *ids)[1]))


def reference_size(option: str, num_all: int,
                   available: Optional[int] = None) -> Tuple[int, str]:
    """N at which the reference runs, and why.

    Args:
        option (str): ``'auto'`` (full size when 6.5 N^2 float32 fit in
            half of the available memory, else the N that fits),
            ``'full'`` or a number.
        num_all (int): N of the full size.
        available (int, optional): Available memory in bytes. Defaults to
            ``MemAvailable`` of ``/proc/meminfo``.
    """
    if option == 'full':
        return num_all, 'full size (--reference-size full)'
    if option != 'auto':
        return int(option), 'set by --reference-size'
    budget = (available_memory() if available is None else available) / 2
    need = REFERENCE_ARRAYS * num_all**2 * 4
    if need <= budget:
        return num_all, (f'full size: needs about {gib(need)}, half of the '
                         'available memory is ' + gib(budget))
    reduced = int(math.sqrt(budget / (REFERENCE_ARRAYS * 4)))
    return reduced, (f'reduced: full size needs about {gib(need)} but half '
                     f'of the available memory is {gib(budget)}')


def _market(args, sizes, size) -> Iterator:
    num_all = size[0] + size[1]
    budget = 2 * num_all**2 * 4
    yield (f'Market size: Q={size[0]}, G={size[1]}, N={num_all}, dim '
           f'{args.dim} ...')
    ours = run_worker(market_ours, args, dataset_sizes=sizes)
    yield from TABLE_HEAD
    yield f'| no re-ranking | | | {ours["plain_map"]:.4f} |'
    yield (f'| re_ranking (exact) | {ours["exact_time"]:.1f} | '
           f'{gib(ours["exact_mem"])} | {ours["exact_map"]:.4f} |')
    yield (f'| re_ranking_knn (torch) | {ours["knn_time"]:.1f} | '
           f'{gib(ours["knn_mem"])} | {ours["knn_map"]:.4f} |')
    if 'faiss_time' in ours:
        yield (f'| re_ranking_knn (faiss) | {ours["faiss_time"]:.1f} | '
               f'{gib(ours["faiss_mem"])} | {ours["faiss_map"]:.4f} |')
    yield (f'memory budget 2 x N^2 x 4 bytes = {gib(budget)}; max |knn - '
           f'exact| distance = {ours["knn_max_abs_diff"]:.2e}')
    yield ('Market: re_ranking extra peak / (2 N^2 float32)',
           ours['exact_mem'] / budget, '<= 1')
    yield ('Market: mAP(knn) - mAP(exact)',
           ours['knn_map'] - ours['exact_map'], '')


def _reference(args, sizes, size) -> Iterator:
    num_ref, why = reference_size(args.reference_size, size[0] + size[1])
    yield f'Reference at N={num_ref} ({why}) ...'
    ref = run_worker(reference_run, args, dataset_sizes=sizes, num=num_ref)
    yield f'inputs Q={ref["size"][0]}, G={ref["size"][1]}'
    yield from TABLE_HEAD
    yield (f'| reference (dense, inverted index) | {ref["ref_time"]:.1f} '
           f'| {gib(ref["ref_mem"])} | {ref["map_ref"]:.4f} |')
    yield (f'| re_ranking | {ref["ours_time"]:.1f} | '
           f'{gib(ref["ours_mem"])} | {ref["map_ours"]:.4f} |')
    same = 100 * ref['rows_same_ranking']
    consistent = 100 * ref['rows_consistent']
    yield (f'max |ours - reference| = {ref["max_abs_diff"]:.2e}; rows '
           f'with an identical ranking: {same:.2f} %, identical up to '
           f'swaps of values within 1e-6: {consistent:.2f} %')
    yield (f'N={ref["num_all"]}: re_ranking / reference time',
           ref['ours_time'] / ref['ref_time'], '< 1')
    yield (f'N={ref["num_all"]}: re_ranking / reference memory',
           ref['ours_mem'] / max(ref['ref_mem'], 1), '')


def _msmt(args, sizes, size) -> Iterator:
    yield (f'MSMT17 size {sizes["msmt"][:2]} (N=93820), dim {args.dim}, '
           're_ranking_knn (torch) ...')
    msmt = run_worker(msmt_knn, args, dataset_sizes=sizes)
    yield from TABLE_HEAD
    yield f'| no re-ranking | | | {msmt["map_plain"]:.4f} |'
    yield (f'| re_ranking_knn (torch) | {msmt["time"]:.1f} | '
           f'{gib(msmt["extra"])} (output {gib(msmt["output_bytes"])}) '
           f'| {msmt["map_reranked"]:.4f} |')
    yield ('MSMT17: re_ranking_knn extra peak (GiB)',
           msmt['extra'] / 2**30, '< 24 GB machine')


def report(args: argparse.Namespace,
           dataset_sizes: Dict[str, tuple] = SIZES) -> Iterator[str]:
    """Run the benchmark; yield the lines to print, as they are known.

    Args:
        args (argparse.Namespace): ``num_gallery``, ``dim``,
            ``reference_size``, ``skip_reference``, ``skip_msmt``,
            ``skip_faiss`` and ``seed``, as
            ``tools/analysis_tools/benchmark_rerank.py`` parses them.
        dataset_sizes (dict): ``(num_query, num_gallery, num_ids,
            num_distractors)`` of ``market`` and ``msmt``. Defaults to
            ``SIZES``, the real datasets'.

    Yields:
        str: Markdown tables and notes, then the ratios.
    """
    yield header('benchmark_rerank')
    size = market_size(dataset_sizes['market'], args.num_gallery)
    parts = [_market]
    if not args.skip_reference:
        parts.append(_reference)
    if not args.skip_msmt:
        parts.append(_msmt)
    yield from report_lines(part(args, dataset_sizes, size)
                            for part in parts)
