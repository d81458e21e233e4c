"""k-reciprocal re-ranking at Market-1501 and MSMT17 size.

Measures, in one run, on synthetic features clustered per identity (the
generator of ``benchmark_eval.py``), each part in a fresh process:

1. Market size (N = 3,368 + 15,913 by default; ``--num-gallery 19732`` for
   the gallery of the authors' code): ``re_ranking`` (exact, from the three
   distance matrices) time and extra peak memory against the budget of
   2 x N^2 float32; ``re_ranking_knn`` (torch and faiss) time, memory and
   the mAP difference from the exact mode.
2. The reference (``reference_re_ranking_inverted`` of the tests: dense
   N x N arrays, full argsort, inverted index, as the authors' code) and
   ``re_ranking`` on the same inputs: time, memory, and whether the
   results agree. The reference needs about 6.5 x N^2 x 4 bytes; when that
   exceeds half the available memory (or with ``--reference-size``), it
   runs at a reduced N with the same query/gallery proportions, and the
   output says so. ``--skip-reference`` leaves it out.
3. MSMT17 size (N = 11,659 + 82,161 = 93,820): ``re_ranking_knn`` time and
   extra peak memory (the features excluded; the Q x G float32 output,
   3.8 GB, included), and the mAP before and after re-ranking.

Ratios print last.

Example::

    python tools/analysis_tools/benchmark_rerank.py
    python tools/analysis_tools/benchmark_rerank.py --skip-msmt \\
        --reference-size 8000
"""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from mmreidgen.evaluation.functional import (  # noqa: E402
    evaluate_rank,
    evaluate_rank_from_features,
    pairwise_distance,
    re_ranking,
    re_ranking_knn,
)
from mmreidgen.evaluation.functional import reference as _reference
from mmreidgen.utils.benchmark import SIZES, PeakRSS, gib, machine, run_worker
from mmreidgen.utils.gpu_check import clustered_features as make_synthetic

# Dense N x N float32 arrays alive at the reference's peak (distances,
# V, the int64 argsort and its int32 copy, expanded V): about 6.5.
REFERENCE_ARRAYS = 6.5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--num-gallery', type=int, default=15913,
                        help='Market gallery size (19732 in the authors\' '
                        'evaluation, 15913 without junk images)')
    parser.add_argument('--dim', type=int, default=128,
                        help='feature dimension of the synthetic data')
    parser.add_argument('--reference-size', default='auto',
                        help="N for the reference: 'auto', 'full' or a "
                        'number')
    parser.add_argument('--skip-reference', action='store_true')
    parser.add_argument('--skip-msmt', action='store_true')
    parser.add_argument('--skip-faiss', action='store_true')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    parser.add_argument('--num', type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def market_size(num_gallery, total=None):
    """Market (num_query, num_gallery, ids, distractors), scaled to N."""
    num_q, _, num_ids, num_distractors = SIZES['market']
    num_distractors += num_gallery - SIZES['market'][1]
    size = (num_q, num_gallery, num_ids, num_distractors)
    if total is None or total >= num_q + num_gallery:
        return size
    scale = total / (num_q + num_gallery)
    return tuple(max(2, int(round(x * scale))) for x in size)


def distances(q_feats, g_feats):
    """The three Euclidean matrices of re_ranking, float32 numpy."""
    return (pairwise_distance(q_feats, g_feats).numpy(),
            pairwise_distance(q_feats, q_feats).numpy(),
            pairwise_distance(g_feats, g_feats).numpy())


def mean_ap(dist, ids):
    return float(evaluate_rank(dist, *ids)[1])


def timed(fn, *args, **kwargs):
    with PeakRSS() as mem:
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        elapsed = time.perf_counter() - start
    return out, elapsed, mem.extra


def market_ours(args):
    size = market_size(args.num_gallery)
    q_feats, g_feats, *ids = make_synthetic(*size, args.dim, args.seed)
    dists = distances(q_feats, g_feats)
    exact, exact_time, exact_mem = timed(re_ranking, *dists)
    result = dict(
        num_all=size[0] + size[1],
        exact_time=exact_time,
        exact_mem=exact_mem,
        plain_map=mean_ap(dists[0], ids),
        exact_map=mean_ap(exact, ids))
    del dists
    knn, knn_time, knn_mem = timed(re_ranking_knn, q_feats, g_feats)
    result.update(
        knn_time=knn_time,
        knn_mem=knn_mem,
        knn_map=mean_ap(knn, ids),
        knn_max_abs_diff=float(np.abs(knn - exact).max()))
    del knn
    if not args.skip_faiss:
        faiss, faiss_time, faiss_mem = timed(
            re_ranking_knn, q_feats, g_feats, backend='faiss')
        result.update(
            faiss_time=faiss_time,
            faiss_mem=faiss_mem,
            faiss_map=mean_ap(faiss, ids))
    return result


def reference_run(args):
    size = market_size(args.num_gallery, args.num)
    q_feats, g_feats, *ids = make_synthetic(*size, args.dim, args.seed)
    dists = distances(q_feats, g_feats)
    del q_feats, g_feats
    reference = _reference
    ours, ours_time, ours_mem = timed(re_ranking, *dists)
    expected, ref_time, ref_mem = timed(
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


def msmt_knn(args):
    q_feats, g_feats, *ids = make_synthetic(*SIZES['msmt'], args.dim,
                                            args.seed)
    reranked, elapsed, extra = timed(re_ranking_knn, q_feats, g_feats)
    return dict(
        num_all=len(q_feats) + len(g_feats),
        time=elapsed,
        extra=extra,
        output_bytes=reranked.nbytes,
        map_reranked=mean_ap(reranked, ids),
        map_plain=float(
            evaluate_rank_from_features(q_feats, g_feats, *ids)[1]))


WORKERS = dict(
    market_ours=market_ours, reference=reference_run, msmt_knn=msmt_knn)


def available_memory():
    with open('/proc/meminfo') as f:
        info = dict(line.split(':', 1) for line in f)
    return int(info['MemAvailable'].split()[0]) * 1024


def reference_size(args, num_all):
    """N at which the reference runs, and why."""
    if args.reference_size == 'full':
        return num_all, 'full size (--reference-size full)'
    if args.reference_size != 'auto':
        return int(args.reference_size), 'set by --reference-size'
    budget = available_memory() / 2
    need = REFERENCE_ARRAYS * num_all**2 * 4
    if need <= budget:
        return num_all, (f'full size: needs about {gib(need)}, half of the '
                         'available memory is ' + gib(budget))
    reduced = int(math.sqrt(budget / (REFERENCE_ARRAYS * 4)))
    return reduced, (f'reduced: full size needs about {gib(need)} but half '
                     f'of the available memory is {gib(budget)}')


def main():
    args = parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        return
    script = Path(__file__).resolve()
    common = ['--num-gallery', str(args.num_gallery)]
    if args.skip_faiss:
        common.append('--skip-faiss')
    print(f'# benchmark_rerank on {machine()}, '
          f'{time.strftime("%Y-%m-%d %H:%M")}')
    ratios = []
    size = market_size(args.num_gallery)
    num_all = size[0] + size[1]
    budget = 2 * num_all**2 * 4
    print(f'Market size: Q={size[0]}, G={size[1]}, N={num_all}, dim '
          f'{args.dim} ...', flush=True)
    ours = run_worker(script, 'market_ours', args, common)
    print('| method | time (s) | extra peak memory | mAP |')
    print('|---|---|---|---|')
    print(f'| no re-ranking | | | {ours["plain_map"]:.4f} |')
    print(f'| re_ranking (exact) | {ours["exact_time"]:.1f} | '
          f'{gib(ours["exact_mem"])} | {ours["exact_map"]:.4f} |')
    print(f'| re_ranking_knn (torch) | {ours["knn_time"]:.1f} | '
          f'{gib(ours["knn_mem"])} | {ours["knn_map"]:.4f} |')
    if 'faiss_time' in ours:
        print(f'| re_ranking_knn (faiss) | {ours["faiss_time"]:.1f} | '
              f'{gib(ours["faiss_mem"])} | {ours["faiss_map"]:.4f} |')
    print(f'memory budget 2 x N^2 x 4 bytes = {gib(budget)}; max |knn - '
          f'exact| distance = {ours["knn_max_abs_diff"]:.2e}')
    ratios.append(('Market: re_ranking extra peak / (2 N^2 float32)',
                   ours['exact_mem'] / budget, '<= 1'))
    ratios.append(('Market: mAP(knn) - mAP(exact)',
                   ours['knn_map'] - ours['exact_map'], ''))

    if not args.skip_reference:
        num_ref, why = reference_size(args, num_all)
        print(f'Reference at N={num_ref} ({why}) ...', flush=True)
        ref = run_worker(script, 'reference', args,
                         common + ['--num', str(num_ref)])
        print(f'inputs Q={ref["size"][0]}, G={ref["size"][1]}')
        print('| method | time (s) | extra peak memory | mAP |')
        print('|---|---|---|---|')
        print(f'| reference (dense, inverted index) | {ref["ref_time"]:.1f} '
              f'| {gib(ref["ref_mem"])} | {ref["map_ref"]:.4f} |')
        print(f'| re_ranking | {ref["ours_time"]:.1f} | '
              f'{gib(ref["ours_mem"])} | {ref["map_ours"]:.4f} |')
        same = 100 * ref['rows_same_ranking']
        consistent = 100 * ref['rows_consistent']
        print(f'max |ours - reference| = {ref["max_abs_diff"]:.2e}; rows '
              f'with an identical ranking: {same:.2f} %, identical up to '
              f'swaps of values within 1e-6: {consistent:.2f} %')
        ratios.append((f'N={ref["num_all"]}: re_ranking / reference time',
                       ref['ours_time'] / ref['ref_time'], '< 1'))
        ratios.append((f'N={ref["num_all"]}: re_ranking / reference memory',
                       ref['ours_mem'] / max(ref['ref_mem'], 1), ''))
    if not args.skip_msmt:
        print(f'MSMT17 size {SIZES["msmt"][:2]} (N=93820), dim {args.dim}, '
              're_ranking_knn (torch) ...', flush=True)
        msmt = run_worker(script, 'msmt_knn', args)
        print('| method | time (s) | extra peak memory | mAP |')
        print('|---|---|---|---|')
        print(f'| no re-ranking | | | {msmt["map_plain"]:.4f} |')
        print(f'| re_ranking_knn (torch) | {msmt["time"]:.1f} | '
              f'{gib(msmt["extra"])} (output {gib(msmt["output_bytes"])}) '
              f'| {msmt["map_reranked"]:.4f} |')
        ratios.append(('MSMT17: re_ranking_knn extra peak (GiB)',
                       msmt['extra'] / 2**30, '< 24 GB machine'))
    print('\nRatios')
    for name, value, goal in ratios:
        print(f'  {name}: {value:.4g}' + (f' (goal {goal})' if goal else ''))


if __name__ == '__main__':
    main()
