"""Literal, slow reference implementations for the evaluation tests.

Written from the published definitions (the Market-1501 evaluation
protocol; Zhong et al., "Re-ranking Person Re-identification with
k-reciprocal Encoding", CVPR 2017), one query and one neighbour at a time,
so that they are easy to check by eye.
The tests check the fast implementations against these, and
``tools/analysis_tools/benchmark_*.py`` times them against these.
"""
import numpy as np


def reference_evaluate_rank(distmat, q_pids, g_pids, q_camids, g_camids,
                            max_rank=50, ap_mode='standard'):
    """CMC, mAP and mINP from a full sort of each row.

    Equal distances: the entries of other identities first, then those of
    the query's identity in gallery order (ties count against the query).
    """
    distmat = np.asarray(distmat)
    q_pids, g_pids = np.asarray(q_pids), np.asarray(g_pids)
    q_camids, g_camids = np.asarray(q_camids), np.asarray(g_camids)
    cmcs, aps, inps = [], [], []
    for i in range(distmat.shape[0]):
        order = np.lexsort((np.arange(distmat.shape[1]),
                            g_pids == q_pids[i], distmat[i]))
        junk = (g_pids[order] == q_pids[i]) & (g_camids[order] == q_camids[i])
        hits = (g_pids[order] == q_pids[i])[~junk]
        if not hits.any():
            continue  # no valid match: the query is skipped
        hit_ranks = np.flatnonzero(hits) + 1  # 1-based ranks
        cmc = np.zeros(max_rank)
        if hit_ranks[0] <= max_rank:
            cmc[hit_ranks[0] - 1:] = 1
        cmcs.append(cmc)
        ap = 0.0
        for m, r in enumerate(hit_ranks, start=1):
            precision = m / r
            if ap_mode == 'trapezoid':
                old_precision = (m - 1) / (r - 1) if r > 1 else 1.0
                ap += (old_precision + precision) / 2
            else:
                ap += precision
        aps.append(ap / len(hit_ranks))
        inps.append(len(hit_ranks) / hit_ranks[-1])
    return np.mean(cmcs, axis=0), np.mean(aps), np.mean(inps)


def reference_re_ranking(q_g_dist, q_q_dist, g_g_dist, k1=20, k2=6,
                         lambda_value=0.3):
    """k-reciprocal re-ranking, one image at a time, N x N dense arrays."""
    q_g_dist = np.asarray(q_g_dist)
    num_q = q_g_dist.shape[0]
    dist = np.block([[np.asarray(q_q_dist), q_g_dist],
                     [q_g_dist.T, np.asarray(g_g_dist)]])
    dist = np.square(dist).astype(np.float32)
    # Divide every column by its maximum, then transpose.
    dist = (dist / dist.max(axis=0)).T
    num_all = dist.shape[0]
    rank = np.argsort(dist, axis=1, kind='stable')

    def reciprocal(i, k):
        forward = rank[i, :k + 1]
        return [j for j in forward if i in rank[j, :k + 1]]

    weights = np.zeros((num_all, num_all), dtype=np.float32)
    half = int(np.around(k1 / 2.))
    for i in range(num_all):
        r_i = reciprocal(i, k1)
        expanded = set(r_i)
        for candidate in r_i:
            r_c = reciprocal(candidate, half)
            if len(set(r_c) & set(r_i)) > 2. / 3 * len(r_c):
                expanded |= set(r_c)
        cols = np.array(sorted(expanded))
        kernel = np.exp(-dist[i, cols])
        weights[i, cols] = kernel / kernel.sum()
    if k2 != 1:
        weights = np.stack(
            [weights[rank[i, :k2]].mean(axis=0) for i in range(num_all)])

    jaccard = np.zeros((num_q, num_all), dtype=np.float32)
    for i in range(num_q):
        for j in range(num_all):
            shared = np.minimum(weights[i], weights[j]).sum()
            jaccard[i, j] = 1 - shared / (2. - shared)
    final = jaccard * (1 - lambda_value) + dist[:num_q] * lambda_value
    return final[:, num_q:]


def reference_re_ranking_inverted(q_g_dist, q_q_dist, g_g_dist, k1=20, k2=6,
                                  lambda_value=0.3):
    """The same algorithm with the memory layout of the authors' code.

    Dense N x N float32 arrays for the distances, the weights ``V`` and the
    expanded ``V``, a full int64 argsort (kept as int32), and the Jaccard
    sums through an inverted index (the rows where each column of ``V`` is
    non-zero). The argsort is numpy's default (not stable) quicksort, as
    there. The benchmark times this one; tests check it against
    :func:`reference_re_ranking`.
    """
    q_g_dist = np.asarray(q_g_dist)
    num_q = q_g_dist.shape[0]
    top = np.concatenate([np.asarray(q_q_dist), q_g_dist], axis=1)
    bottom = np.concatenate([q_g_dist.T, np.asarray(g_g_dist)], axis=1)
    dist = np.concatenate([top, bottom], axis=0)
    del top, bottom
    dist = np.power(dist, 2).astype(np.float32)
    dist = np.transpose(1. * dist / np.max(dist, axis=0))
    num_all = dist.shape[0]
    weights = np.zeros_like(dist, dtype=np.float32)
    rank = np.argsort(dist, axis=1).astype(np.int32)
    half = int(np.around(k1 / 2.))

    for i in range(num_all):
        r_i = _reciprocal(rank, i, k1)
        expanded = [r_i]
        for candidate in r_i:
            r_c = _reciprocal(rank, candidate, half)
            if len(np.intersect1d(r_c, r_i)) > 2. / 3 * len(r_c):
                expanded.append(r_c)
        cols = np.unique(np.concatenate(expanded))
        kernel = np.exp(-dist[i, cols])
        weights[i, cols] = kernel / np.sum(kernel)
    dist = dist[:num_q]
    if k2 != 1:
        expanded_weights = np.zeros_like(weights)
        for i in range(num_all):
            expanded_weights[i] = np.mean(weights[rank[i, :k2]], axis=0)
        weights = expanded_weights
        del expanded_weights
    del rank
    inverted = [np.flatnonzero(weights[:, k]) for k in range(num_all)]
    jaccard = np.zeros((num_q, num_all), dtype=np.float32)
    for i in range(num_q):
        shared = np.zeros(num_all, dtype=np.float32)
        for k in np.flatnonzero(weights[i]):
            rows = inverted[k]
            shared[rows] += np.minimum(weights[i, k], weights[rows, k])
        jaccard[i] = 1 - shared / (2. - shared)
    final = jaccard * (1 - lambda_value) + dist * lambda_value
    return final[:, num_q:]


def _reciprocal(rank, i, k):
    """Members of the top k+1 of ``i`` that have ``i`` in their top k+1."""
    forward = rank[i, :k + 1]
    return forward[(rank[forward, :k + 1] == i).any(axis=1)]
