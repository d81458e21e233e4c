"""k-reciprocal re-ranking (Zhong et al., CVPR 2017).

The algorithm of "Re-ranking Person Re-identification with k-reciprocal
Encoding" (Sec. 3 and Eqs. (4)-(12)), as in the authors' distance-matrix
("ranklist") Python code, with ``N = Q + G``:

1. ``D`` = the block matrix ``[[qq, qg], [qg^T, gg]]`` of the input
   distances, squared, in float32; every column divided by its maximum and
   the result transposed (row ``i`` is column ``i`` of ``D`` over its max).
2. ``R(i, k)``: the ``k + 1`` nearest neighbours ``j`` of ``i`` (``i``
   itself included) whose own ``k + 1`` nearest neighbours contain ``i``.
3. ``R*(i) = R(i, k1)`` united with every ``R(c, round(k1 / 2))``,
   ``c`` in ``R(i, k1)``, that shares more than 2/3 of its members with
   ``R(i, k1)`` (Eq. (6)).
4. ``V[i, j] = exp(-D[i, j]) / sum_{j' in R*(i)} exp(-D[i, j'])`` for
   ``j`` in ``R*(i)`` (Eq. (7)).
5. Local query expansion (``k2 > 1``): ``V[i]`` = mean of ``V`` over the
   ``k2`` nearest neighbours of ``i`` (Eq. (11)).
6. Jaccard distance ``1 - s / (2 - s)``, ``s = sum_k min(V[i, k],
   V[j, k])`` (Eq. (10)); final distance ``(1 - lambda) * Jaccard +
   lambda * D`` (Eq. (12)); the query x gallery block is returned.

Neighbour lists come from a stable argsort (equal distances ordered by
index); the reference's quicksort breaks ties arbitrarily, so results are
identical whenever a row has no equal distances near its ``k1 + 1``-th
neighbour.

How it is fast and small: only the ``k1 + 1`` nearest neighbours of each row
are needed (``torch.topk`` per chunk of rows, not a full N x N argsort), ``V``
has at most a few hundred non-zeros per row and is kept sparse, and the
Jaccard sums are accumulated only over shared non-zeros, a chunk of queries
at a time. No N x N array is allocated: the peak is the ``Q x G`` output
plus chunk buffers, against about five N x N float32 arrays for the
reference. :func:`re_ranking_knn` starts from features instead of distance
matrices, so it also runs at MSMT17 size (N = 93,820), where one N x N
float32 array alone would take 33 GB.
"""
from typing import Optional, Tuple, Union

import numpy as np
import torch
from scipy import sparse
from torch import Tensor

from .distance import (
    ChunkedDistance,
    as_feature_tensor,
    check_metric,
    resolve_device,
)
from .rank import ArrayLike

DeviceLike = Union[str, torch.device]

BACKENDS = ('torch', 'faiss')

# Elements of a row chunk (about 64 MB in float32).
_CHUNK_ELEMENTS = 1 << 24
# (query, gallery) pairs accumulated at once in the Jaccard step.
_PAIR_BUDGET = 1 << 22


def re_ranking(q_g_dist: ArrayLike,
               q_q_dist: ArrayLike,
               g_g_dist: ArrayLike,
               k1: int = 20,
               k2: int = 6,
               lambda_value: float = 0.3,
               chunk_size: Optional[int] = None,
               device: Optional[DeviceLike] = None) -> np.ndarray:
    """k-reciprocal re-ranking of a query x gallery distance matrix.

    Equals the reference ranklist implementation (squared input distances,
    column-max normalisation) up to float rounding, see the module
    docstring. Pass plain (not squared) Euclidean distances, or
    ``sqrt(1 - cos)`` for cosine, so that the internal square is the
    squared Euclidean distance the paper uses.

    Args:
        q_g_dist (np.ndarray | Tensor): ``Q x G`` query-gallery distances.
        q_q_dist (np.ndarray | Tensor): ``Q x Q`` query-query distances.
        g_g_dist (np.ndarray | Tensor): ``G x G`` gallery-gallery distances.
        k1 (int): Size of the k-reciprocal neighbourhood. Defaults to 20.
        k2 (int): Neighbours of the local query expansion; 1 disables it.
            Defaults to 6.
        lambda_value (float): Weight of the original distance in the final
            one. Defaults to 0.3.
        chunk_size (int, optional): Rows per chunk when searching
            neighbours. Defaults to None (about 16M distances per chunk).
        device (str | torch.device, optional): Where the neighbour search
            (``torch.topk`` over every row, the costly step) runs:
            ``'cpu'``, ``'cuda'`` or ``'auto'``. The result does not depend
            on it: the search compares the same float32 values on any
            device. Defaults to None: the device of ``q_g_dist`` when it is
            a tensor, else the CPU.

    Returns:
        np.ndarray: ``Q x G`` float32 re-ranked distances.
    """
    if device is None and isinstance(q_g_dist, Tensor):
        device = q_g_dist.device
    source = _MatrixSource(q_g_dist, q_q_dist, g_g_dist,
                           resolve_device(device))
    return _rerank(source, k1, k2, lambda_value, chunk_size)


def re_ranking_knn(q_feats: ArrayLike,
                   g_feats: ArrayLike,
                   k1: int = 20,
                   k2: int = 6,
                   lambda_value: float = 0.3,
                   metric: str = 'euclidean',
                   backend: str = 'torch',
                   chunk_size: Optional[int] = None,
                   device: Optional[DeviceLike] = None) -> np.ndarray:
    """k-reciprocal re-ranking from features through a k-NN graph.

    The same algorithm as :func:`re_ranking` with ``D`` the squared
    Euclidean distance (``metric='euclidean'``) or ``1 - cos``
    (``metric='cosine'``) between features, i.e. what :func:`re_ranking`
    computes from ``pairwise_distance`` matrices (Euclidean) or from
    ``sqrt(1 - cos)`` matrices (cosine), up to float rounding. Only the
    k-nearest-neighbour graph (``k1 + 1`` neighbours), the row maxima and
    the distances inside the k-reciprocal sets are computed, a chunk of rows
    at a time, so memory is ``O(N k)`` plus the ``Q x G`` float32 output
    (3.8 GB at MSMT17 size). The search is exact brute force.

    Args:
        q_feats (np.ndarray | Tensor): ``Q x D`` query embeddings.
        g_feats (np.ndarray | Tensor): ``G x D`` gallery embeddings.
        k1 (int): Size of the k-reciprocal neighbourhood. Defaults to 20.
        k2 (int): Neighbours of the local query expansion; 1 disables it.
            Defaults to 6.
        lambda_value (float): Weight of the original distance.
            Defaults to 0.3.
        metric (str): ``'euclidean'`` or ``'cosine'``.
            Defaults to 'euclidean'.
        backend (str): ``'torch'`` (chunked matrix products and
            ``torch.topk``, on the features' device; ties by index) or
            ``'faiss'`` (``faiss.IndexFlat`` search on the CPU; needs
            ``faiss-cpu``; ties in faiss order). Defaults to 'torch'.
        chunk_size (int, optional): Rows per chunk of the neighbour search.
            Defaults to None (about 16M distances per chunk).
        device (str | torch.device, optional): Where the distances are
            computed (``'cpu'``, ``'cuda'`` or ``'auto'``). Matrix products
            round differently on each device, so results agree to float
            rounding, and rankings up to near-equal distances. Defaults to
            None: the device of ``q_feats``.

    Returns:
        np.ndarray: ``Q x G`` float32 re-ranked distances.
    """
    if backend not in BACKENDS:
        raise ValueError(f'backend must be one of {BACKENDS}, got '
                         f'{backend!r}.')
    q_feats = as_feature_tensor(q_feats, 'q_feats')
    if device is not None:
        q_feats = q_feats.to(resolve_device(device))
    source_cls = _FaissSource if backend == 'faiss' else _FeatureSource
    source = source_cls(q_feats, g_feats, metric)
    return _rerank(source, k1, k2, lambda_value, chunk_size)


def k_reciprocal_jaccard(feats: ArrayLike,
                         k1: int = 20,
                         k2: int = 6,
                         metric: str = 'euclidean',
                         chunk_size: Optional[int] = None,
                         device: Optional[DeviceLike] = None) -> np.ndarray:
    """Jaccard distances of k-reciprocal encodings among one set of features.

    Steps 1-5 of the module docstring with every feature both probe and
    gallery (the set that pseudo-label methods cluster), then the Jaccard
    distance of Eq. (10) between every two encodings, without the original
    distance (``lambda = 0`` in Eq. (12)): the distance DBSCAN clusters in
    Cluster Contrast (Dai et al., 2021) and SpCL (Ge et al., 2020). The
    diagonal is 0 and the matrix symmetric up to float rounding.

    Args:
        feats (np.ndarray | Tensor): ``N x D`` embeddings.
        k1 (int): Size of the k-reciprocal neighbourhood. Defaults to 20.
        k2 (int): Neighbours of the local query expansion; 1 disables it.
            Defaults to 6.
        metric (str): ``'euclidean'`` (squared, as the paper) or
            ``'cosine'``. Defaults to 'euclidean'.
        chunk_size (int, optional): Rows per chunk of the neighbour search.
            Defaults to None (about 16M distances per chunk).
        device (str | torch.device, optional): Where the distances are
            computed. Defaults to None: the device of ``feats``.

    Returns:
        np.ndarray: ``N x N`` float32 Jaccard distances in [0, 1].
    """
    feats = as_feature_tensor(feats, 'feats')
    if len(feats) == 0:
        raise ValueError('k_reciprocal_jaccard needs at least one feature.')
    if device is not None:
        feats = feats.to(resolve_device(device))
    source = _FeatureSource(feats, feats[:0], metric)
    v, _ = _encode_sets(source, k1, k2, chunk_size)
    num_all = source.num_all
    columns = v.tocsc()
    out = np.empty((num_all, num_all), dtype=np.float32)
    nnz = np.diff(v.indptr)
    col_nnz = np.diff(columns.indptr)
    pairs_per_row = np.bincount(
        np.repeat(np.arange(num_all), nnz), weights=col_nnz[v.indices],
        minlength=num_all)
    max_rows = max(1, _CHUNK_ELEMENTS // num_all)
    start = 0
    while start < num_all:
        stop, budget = start + 1, pairs_per_row[start]
        while (stop < num_all and stop - start < max_rows
               and budget + pairs_per_row[stop] <= _PAIR_BUDGET):
            budget += pairs_per_row[stop]
            stop += 1
        shared = _shared_mass(v[start:stop], columns).astype(np.float32)
        out[start:stop] = 1 - shared / (2. - shared)
        start = stop
    np.clip(out, 0, 1, out=out)
    return out


def _encode_sets(source: '_Source', k1: int, k2: int,
                 chunk_size: Optional[int]) -> Tuple[sparse.csr_matrix,
                                                     np.ndarray]:
    """Steps 2-5 of the module docstring: ``V`` (sparse) and row maxima."""
    for name, value in (('k1', k1), ('k2', k2)):
        if int(value) != value or value < 1:
            raise ValueError(f'{name} must be a positive int, got {value}.')
    num_all = source.num_all
    if chunk_size is None:
        chunk_size = max(1, _CHUNK_ELEMENTS // num_all)
    num_nn = min(max(k1 + 1, k2), num_all)
    neighbours, row_max = source.neighbours(num_nn, chunk_size)
    indptr, indices = _k_reciprocal_sets(neighbours, k1)
    weights = _encode(source, indptr, indices, row_max)
    v = sparse.csr_matrix((weights, indices, indptr),
                          shape=(num_all, num_all))
    k2 = min(k2, num_all)
    if k2 > 1:
        expand = sparse.csr_matrix(
            (np.ones(num_all * k2, np.float32), neighbours[:, :k2].ravel(),
             np.arange(0, num_all * k2 + 1, k2)),
            shape=(num_all, num_all))
        v = expand @ v
        v.data /= np.float32(k2)
    return v.tocsr(), row_max


def _rerank(source: '_Source', k1: int, k2: int, lambda_value: float,
            chunk_size: Optional[int]) -> np.ndarray:
    """Run steps 2-6 of the module docstring on a distance source."""
    if not 0 <= lambda_value <= 1:
        raise ValueError(
            f'lambda_value must be in [0, 1], got {lambda_value}.')
    v, row_max = _encode_sets(source, k1, k2, chunk_size)
    return _final_distance(source, v, row_max, lambda_value)


def _smallest_k(rows: Tensor, row_max: Tensor, k: int) -> Tensor:
    """The ``k`` smallest entries of ``rows / row_max``, by (value, index).

    Division by a positive row constant keeps the order but may round
    neighbouring values to the same float, so the search runs on ``rows``
    and the ties are decided on the divided values, as the reference sorts
    them.
    """
    num_cols = rows.shape[1]
    vals, idx = torch.topk(
        rows, min(k + 1, num_cols), dim=1, largest=False, sorted=True)
    vals = vals / row_max
    # The set is unambiguous unless the (k+1)-th value equals the k-th.
    cut_tie = (vals[:, k] == vals[:, k - 1] if k < num_cols else
               torch.zeros(len(rows), dtype=torch.bool, device=rows.device))
    idx, order = idx[:, :k].sort(dim=1)
    order = torch.sort(vals[:, :k].gather(1, order), dim=1, stable=True)[1]
    idx = idx.gather(1, order)
    for row in cut_tie.nonzero()[:, 0].tolist():
        idx[row] = torch.sort(rows[row] / row_max[row], stable=True)[1][:k]
    return idx


def _k_reciprocal_sets(neighbours: np.ndarray,
                       k1: int,
                       chunk_size: int = 4096) -> Tuple[np.ndarray, ...]:
    """Expanded k-reciprocal sets ``R*(i)`` (Eq. (6)) as CSR arrays.

    Args:
        neighbours (np.ndarray): ``N x K`` nearest neighbours of each row
            in ranking order, ``K >= min(k1 + 1, N)``.
        k1 (int): The k of ``R(i, k1)``.
        chunk_size (int): Rows processed at once. Defaults to 4096.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``indptr`` and ``indices`` (sorted
        within each row) of the sets.
    """
    num_all = len(neighbours)
    top = neighbours[:, :min(k1 + 1, num_all)]
    # np.around rounds half to even, as the reference does (k1=5 -> 2).
    top_half = neighbours[:, :min(int(np.around(k1 / 2.)) + 1, num_all)]
    rows = np.arange(num_all)
    recip = np.empty(top.shape, dtype=bool)
    recip_half = np.empty(top_half.shape, dtype=bool)
    for start in range(0, num_all, chunk_size):
        own = rows[start:start + chunk_size, None, None]
        recip[start:start + chunk_size] = (
            top[top[start:start + chunk_size]] == own).any(2)
        recip_half[start:start + chunk_size] = (
            top_half[top_half[start:start + chunk_size]] == own).any(2)
    half_size = recip_half.sum(1)

    counts, indices = [], []
    for start in range(0, num_all, chunk_size):
        cand = top[start:start + chunk_size]
        in_r = recip[start:start + chunk_size]
        half_sets = top_half[cand]  # c x K1 x Kh
        half_mask = recip_half[cand]
        shared = ((half_sets[..., None] == cand[:, None, None, :])
                  & in_r[:, None, None, :]).any(-1) & half_mask
        accept = in_r & (shared.sum(-1) > 2. / 3 * half_size[cand])
        cols = np.concatenate([
            np.where(in_r, cand, num_all),
            np.where(accept[..., None] & half_mask, half_sets,
                     num_all).reshape(len(cand), -1)
        ],
                              axis=1)
        cols.sort(axis=1)
        keep = cols < num_all
        keep[:, 1:] &= cols[:, 1:] != cols[:, :-1]
        counts.append(keep.sum(1))
        indices.append(cols[keep])
    indptr = np.zeros(num_all + 1, dtype=np.int64)
    np.cumsum(np.concatenate(counts), out=indptr[1:])
    return indptr, np.concatenate(indices)


def _encode(source: '_Source', indptr: np.ndarray, indices: np.ndarray,
            row_max: np.ndarray) -> np.ndarray:
    """Gaussian-kernel weights of Eq. (7), normalised per row."""
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    weights = np.exp(-(source.gather(rows, indices) / row_max[rows]))
    sums = np.bincount(rows, weights=weights, minlength=len(indptr) - 1)
    return (weights / sums[rows]).astype(np.float32)


def _final_distance(source: '_Source', v: sparse.csr_matrix,
                    row_max: np.ndarray, lambda_value: float) -> np.ndarray:
    """Jaccard distance (Eq. (10)) mixed with the original one (Eq. (12))."""
    num_q, num_all = source.num_query, source.num_all
    num_g = num_all - num_q
    gallery = v[num_q:].tocsc()  # column k: the gallery rows using k
    col_nnz = np.diff(gallery.indptr)
    query = v[:num_q]
    query_rows = np.repeat(np.arange(num_q), np.diff(query.indptr))
    pairs_per_row = np.bincount(
        query_rows, weights=col_nnz[query.indices], minlength=num_q)
    out = np.empty((num_q, num_g), dtype=np.float32)
    max_rows = max(1, _CHUNK_ELEMENTS // max(num_g, 1))
    start = 0
    while start < num_q:
        stop = start + 1
        budget = pairs_per_row[start]
        while (stop < num_q and stop - start < max_rows
               and budget + pairs_per_row[stop] <= _PAIR_BUDGET):
            budget += pairs_per_row[stop]
            stop += 1
        shared = _shared_mass(query[start:stop], gallery).astype(np.float32)
        jaccard = 1 - shared / (2. - shared)
        original = source.query_gallery(start, stop) / row_max[start:stop,
                                                               None]
        out[start:stop] = jaccard * (1 - lambda_value) + (original *
                                                          lambda_value)
        start = stop
    return out


def _shared_mass(query: sparse.csr_matrix,
                 gallery: sparse.csc_matrix) -> np.ndarray:
    """``s[i, j] = sum_k min(query[i, k], gallery[j, k])`` (dense, float64).

    Each non-zero ``(i, k)`` of ``query`` is paired with the non-zeros of
    column ``k`` of ``gallery`` (an inverted index), as the reference does
    one query at a time.
    """
    num_rows, num_g = query.shape[0], gallery.shape[0]
    row_of = np.repeat(np.arange(num_rows), np.diff(query.indptr))
    cols = query.indices
    count = np.diff(gallery.indptr)[cols]
    total = int(count.sum())
    source = np.repeat(np.arange(len(cols)), count)
    # Position of each pair in gallery.indices: column start + offset.
    first = np.cumsum(count) - count
    pos = np.arange(total) + np.repeat(gallery.indptr[cols] - first, count)
    mins = np.minimum(query.data[source], gallery.data[pos])
    flat = row_of[source] * num_g + gallery.indices[pos]
    shared = np.bincount(flat, weights=mins, minlength=num_rows * num_g)
    return shared.reshape(num_rows, num_g)


class _Source:
    """Distances ``D`` (step 1, before normalisation) seen by re-ranking.

    Subclasses give ``num_query``, ``num_all``, ``rows`` (a chunk of rows of
    ``D``, float32), ``gather`` (single entries) and ``query_gallery`` (the
    query x gallery block); ``neighbours`` searches the nearest ones.
    """

    num_query: int
    num_all: int

    def rows(self, start: int, stop: int) -> Tensor:
        raise NotImplementedError

    def gather(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def query_gallery(self, start: int, stop: int) -> np.ndarray:
        raise NotImplementedError

    def neighbours(self, k: int,
                   chunk_size: int) -> Tuple[np.ndarray, np.ndarray]:
        """``k`` nearest neighbours of every row of the normalised ``D``.

        Returns:
            tuple[np.ndarray, np.ndarray]: ``N x k`` int64 neighbour indices
            (nearest first, ties by index) and the ``N`` float32 row maxima.
        """
        neighbours = np.empty((self.num_all, k), dtype=np.int64)
        row_max = np.empty(self.num_all, dtype=np.float32)
        for start in range(0, self.num_all, chunk_size):
            stop = min(start + chunk_size, self.num_all)
            rows = self.rows(start, stop)
            maxima = rows.max(dim=1, keepdim=True)[0]
            # All-zero rows (identical features) are left as they are.
            maxima[maxima == 0] = 1
            neighbours[start:stop] = _smallest_k(rows, maxima,
                                                 k).cpu().numpy()
            row_max[start:stop] = maxima[:, 0].cpu().numpy()
        return neighbours, row_max


class _MatrixSource(_Source):
    """``D`` from the three distance matrices of :func:`re_ranking`."""

    def __init__(self, q_g_dist: ArrayLike, q_q_dist: ArrayLike,
                 g_g_dist: ArrayLike, device: torch.device) -> None:
        q_g, q_q, g_g = (_as_array(x, name) for x, name in (
            (q_g_dist, 'q_g_dist'), (q_q_dist, 'q_q_dist'),
            (g_g_dist, 'g_g_dist')))
        num_q, num_g = q_g.shape
        if q_q.shape != (num_q, num_q) or g_g.shape != (num_g, num_g):
            raise ValueError(
                f'Expected q_q_dist of shape {(num_q, num_q)} and g_g_dist '
                f'of shape {(num_g, num_g)} for q_g_dist of shape '
                f'{(num_q, num_g)}, got {q_q.shape} and {g_g.shape}.')
        for x, name in ((q_g, 'q_g_dist'), (q_q, 'q_q_dist'),
                        (g_g, 'g_g_dist')):
            if np.isnan(x).any():
                raise ValueError(f'{name} has NaN distances; replace them '
                                 'first.')
        # The reference squares the concatenated matrix in its dtype.
        self.dtype = np.result_type(q_g, q_q, g_g)
        self.q_g, self.q_q, self.g_g = q_g, q_q, g_g
        self.num_query, self.num_all = num_q, num_q + num_g
        self.device = device

    def _square(self, x: np.ndarray, inplace: bool = False) -> np.ndarray:
        x = x.astype(self.dtype, copy=False)
        x = np.square(x, out=x if inplace else None)
        return x.astype(np.float32, copy=False)

    def rows(self, start: int, stop: int) -> Tensor:
        """Rows of ``[[qq^T, qg], [qg^T, gg^T]]``, the transposed layout."""
        num_q = self.num_query
        out = np.empty((stop - start, self.num_all), dtype=self.dtype)
        split = max(0, min(stop, num_q) - start)  # query rows in the chunk
        if split:
            out[:split, :num_q] = self.q_q[:, start:start + split].T
            out[:split, num_q:] = self.q_g[start:start + split]
        if split < len(out):
            begin, end = start + split - num_q, stop - num_q
            out[split:, :num_q] = self.q_g[:, begin:end].T
            out[split:, num_q:] = self.g_g[:, begin:end].T
        return torch.from_numpy(self._square(out, inplace=True)).to(
            self.device)

    def gather(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        num_q = self.num_query
        out = np.empty(len(rows), dtype=self.dtype)
        row_q, col_q = rows < num_q, cols < num_q
        for mask, block, first, second in (
            (row_q & col_q, self.q_q, cols, rows),
            (row_q & ~col_q, self.q_g, rows, cols - num_q),
            (~row_q & col_q, self.q_g, cols, rows - num_q),
            (~row_q & ~col_q, self.g_g, cols - num_q, rows - num_q),
        ):
            out[mask] = block[first[mask], second[mask]]
        return self._square(out)

    def query_gallery(self, start: int, stop: int) -> np.ndarray:
        return self._square(self.q_g[start:stop])


class _FeatureSource(_Source):
    """``D`` from features: squared Euclidean or ``1 - cos``."""

    def __init__(self, q_feats: ArrayLike, g_feats: ArrayLike,
                 metric: str) -> None:
        check_metric(metric)
        q_feats = as_feature_tensor(q_feats, 'q_feats')
        g_feats = as_feature_tensor(g_feats, 'g_feats').to(q_feats.device)
        feats = torch.cat([q_feats, g_feats]).float()
        if torch.isnan(feats).any():
            raise ValueError('The features have NaN values; check the model '
                             'outputs.')
        self.metric = metric
        self.num_query, self.num_all = len(q_feats), len(feats)
        self.all_pairs = ChunkedDistance(feats, feats, metric, squared=True)
        self.q_g = ChunkedDistance(
            feats[:self.num_query],
            feats[self.num_query:],
            metric,
            squared=True)
        # Prepared (normalised for cosine) features for single entries.
        self.feats = self.all_pairs.y
        self.sq_norms = self.feats.pow(2).sum(1)

    def rows(self, start: int, stop: int) -> Tensor:
        return self.all_pairs.rows(start, stop)

    def gather(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        out = np.empty(len(rows), dtype=np.float32)
        step = max(1, _CHUNK_ELEMENTS // 4 // self.feats.shape[1])
        device = self.feats.device
        for start in range(0, len(rows), step):
            r = torch.from_numpy(rows[start:start + step]).to(device)
            c = torch.from_numpy(cols[start:start + step]).to(device)
            dot = (self.feats[r] * self.feats[c]).sum(1)
            if self.metric == 'cosine':
                dist = 1 - dot
            else:
                dist = (self.sq_norms[r] + self.sq_norms[c] -
                        2 * dot).clamp_(min=0)
            out[start:start + step] = dist.cpu().numpy()
        return out

    def query_gallery(self, start: int, stop: int) -> np.ndarray:
        return self.q_g.rows(start, stop).cpu().numpy()


class _FaissSource(_FeatureSource):
    """:class:`_FeatureSource` whose neighbour search runs in faiss."""

    def neighbours(self, k: int,
                   chunk_size: int) -> Tuple[np.ndarray, np.ndarray]:
        try:
            import faiss
        except ImportError as err:
            raise ImportError(
                "backend='faiss' needs faiss: pip install faiss-cpu, or use "
                "backend='torch'.") from err
        feats = np.ascontiguousarray(self.feats.cpu().numpy(), np.float32)
        sq_norms = np.ascontiguousarray(self.sq_norms.cpu().numpy())
        dim = feats.shape[1]
        if self.metric == 'cosine':
            index = faiss.IndexFlatIP(dim)
            index.add(feats)
            sims, neighbours = index.search(feats, k)
            dist = 1 - sims
            # max (1 - cos) = 1 + max(-cos): one inner-product search.
            row_max = 1 + index.search(-feats, 1)[0][:, 0]
        else:
            index = faiss.IndexFlatL2(dim)
            index.add(feats)
            dist, neighbours = index.search(feats, k)
            # max_y |x - y|^2 = |x|^2 + max_y (-2x, 1).(y, |y|^2).
            far = faiss.IndexFlatIP(dim + 1)
            far.add(np.concatenate([feats, sq_norms[:, None]], axis=1))
            lifted = np.concatenate(
                [-2 * feats, np.ones((len(feats), 1), np.float32)], axis=1)
            row_max = sq_norms + far.search(lifted, 1)[0][:, 0]
        row_max = row_max.astype(np.float32)
        row_max[row_max <= 0] = 1
        dist = dist / row_max[:, None]
        order = np.lexsort((neighbours, dist), axis=1)
        return (np.take_along_axis(neighbours, order,
                                   axis=1).astype(np.int64), row_max)


def _as_array(x: ArrayLike, name: str) -> np.ndarray:
    """A 2-D numpy view of a distance matrix (tensors are moved to CPU)."""
    if isinstance(x, Tensor):
        x = x.detach().cpu().numpy()
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f'{name} must be 2-D, got shape {x.shape}.')
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    return x
