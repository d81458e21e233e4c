"""CMC, mAP and mINP of a re-id ranking.

Two protocols, see ``docs/en/evaluation.md``: ``'market'`` (Market-1501,
DukeMTMC-reID, MSMT17, CUHK03 767/700) and ``'single_gallery_shot'``
(CUHK03 classic, VIPeR; torchreid's ``eval_cuhk03``). Definitions of the
market protocol (as in torchreid and fast-reid):

* For each query, gallery entries with the same pid **and** the same camid
  are junk and are removed from its ranking; same pid, other camid are the
  positives (good matches). Queries without a positive are skipped.
* The ranking is ascending distance. At equal distances the entries that
  are not matches come first, then the matches in gallery order: ties count
  against the query, so they can never raise a score. (torchreid and
  fast-reid sort with ``np.argsort(distmat, axis=1)``, numpy's unstable
  quicksort, whose order of equal distances is unspecified; a stable sort,
  over a gallery listed by file name and so by identity, can favour the
  matches.) With distinct distances all three rankings are the same.
* Degenerate features: when the distances of some query do not vary at all,
  when those of at least half of the queries vary by at most 1e-4 of their
  size (so float rounding, not the features, orders them), or when the
  positives of at least half of the queries tie with other entries, a
  warning says so (constant features from a zeroed BN-neck, an
  infinite ``running_var`` or a wrong checkpoint); the metrics are then the
  lowest the ties allow, not a number that looks like a result.
* CMC[k] = 1 from the rank of the first positive onwards.
* ``ap_mode='standard'``: AP = mean over positives of the precision at each
  positive, ``m / r_m`` (``r_m`` the 1-based rank of the m-th positive).
* ``ap_mode='trapezoid'``: the Market-1501 MATLAB code (also DG-Net and
  SLS_ReID), ``AP = mean_m (p_{m-1} + p_m) / 2`` with ``p_m = m / r_m`` and
  ``p_{m-1} = (m - 1) / (r_m - 1)`` (1 when ``r_m = 1``).
* mINP (Ye et al., TPAMI 2021): ``n / r_n``, the rank of the hardest
  positive. All three are averaged over the queries that were not skipped.

How it is fast: only the ranks of the positives are needed, not a full
sort. Per chunk of queries the positives' distances are sorted (a few per
row), each followed by the next float above it, and every gallery distance
is placed among them with one batched ``torch.searchsorted``; a histogram
of those buckets, minus the junk entries, gives for each positive the
number of entries closer (its rank) and the number at exactly its distance.
The rare rows with such ties are recomputed exactly with the tie rule
above. The work is O(G log n) per query
instead of O(G log G), and memory grows with the chunk, not with Q x G.

Single-gallery-shot CMC: for each query, after the junk is removed, one
gallery entry per identity is drawn uniformly (for the query's own identity,
one of its positives), the CMC of that reduced gallery is computed, and the
CMC is averaged over ``num_repeats`` draws and over the queries; mAP and
mINP are those of the market protocol on the full gallery. The rank of the
drawn positive is one plus the number of other identities whose drawn entry
precedes it (smaller or equal distance: ties count against the query),
so no sort is needed: O(R x J) comparisons per query for R repeats and J
gallery identities, in blocks of about 1M draws (about 50 MB).

Draws: ``u = numpy.random.default_rng(seed).random((Q, R, J))``, made one
block of queries at a time in query order, which consumes the stream
exactly as one call would, so the result does not depend on the chunk size
or the device. Identities are the distinct gallery pids in ascending order.
For query ``i``, repeat ``r`` and identity ``j`` with ``n`` eligible entries
(all its entries, or the query's positives for its own identity), the drawn
entry is the ``floor(u[i, r, j] * n)``-th of them in gallery order. Draws
are uniform and independent per query (as torchreid's), so the averaged
CMC is an unbiased estimate of its expectation over the reduced galleries,
and the queries' errors average out (draws shared by all queries would
correlate them).
"""
import logging
import warnings
from typing import Callable, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.logging import print_log
from torch import Tensor

from .distance import ChunkedDistance

ArrayLike = Union[np.ndarray, Tensor]
IdsLike = Union[np.ndarray, Tensor, Sequence[int]]

AP_MODES = ('standard', 'trapezoid')
PROTOCOLS = ('market', 'single_gallery_shot')

# A query's distances count as nearly equal when their spread is at most
# this share of the largest (float32 rounding is about 1e-7 of a value),
# or at most _NEARLY_EQUAL * _NEARLY_ZERO when all are about zero.
_NEARLY_EQUAL = 1e-4
_NEARLY_ZERO = 1e-2
# Elements of a distance chunk processed at once; about 100 MB of buffers.
_CHUNK_ELEMENTS = 1 << 23
# Single-gallery-shot draws processed at once; about 50 MB of buffers.
_DRAW_ELEMENTS = 1 << 20


def evaluate_rank(distmat: ArrayLike,
                  q_pids: IdsLike,
                  g_pids: IdsLike,
                  q_camids: IdsLike,
                  g_camids: IdsLike,
                  max_rank: int = 50,
                  ap_mode: str = 'standard',
                  chunk_size: Optional[int] = None,
                  protocol: str = 'market',
                  num_repeats: int = 10,
                  seed: int = 0) -> Tuple[np.ndarray, float, float]:
    """CMC, mAP and mINP of a query x gallery distance matrix.

    A torch tensor is processed with torch on its own device (a CUDA
    distance matrix stays on the GPU); a numpy array is wrapped without a
    copy and processed with torch on the CPU. Both give identical results.

    With ``protocol='single_gallery_shot'`` (CUHK03 classic, VIPeR) the CMC
    is averaged over ``num_repeats`` random reduced galleries of one entry
    per identity, drawn per query as described in the module docstring;
    mAP and mINP are those of the market protocol, on the full gallery.
    With one gallery entry per identity both protocols give the same CMC.

    Args:
        distmat (np.ndarray | Tensor): ``Q x G`` distances, smaller is more
            similar. Must not contain NaN.
        q_pids (array-like): ``Q`` query person ids.
        g_pids (array-like): ``G`` gallery person ids.
        q_camids (array-like): ``Q`` query camera ids.
        g_camids (array-like): ``G`` gallery camera ids.
        max_rank (int): Length of the returned CMC curve. Defaults to 50.
        ap_mode (str): ``'standard'`` (torchreid, fast-reid) or
            ``'trapezoid'`` (Market-1501 MATLAB, DG-Net, SLS_ReID).
            Defaults to 'standard'.
        chunk_size (int, optional): Queries per chunk. Defaults to None,
            which picks about 8M distances per chunk.
        protocol (str): ``'market'`` (every gallery entry ranked) or
            ``'single_gallery_shot'``. Defaults to 'market'.
        num_repeats (int): Draws of the reduced gallery per query for
            ``'single_gallery_shot'``; ignored by ``'market'``.
            Defaults to 10 (torchreid's ``eval_cuhk03``).
        seed (int): Seed of ``numpy.random.default_rng`` for the draws;
            ignored by ``'market'``. Defaults to 0.

    Returns:
        tuple[np.ndarray, float, float]: ``cmc`` (float64 array of length
        ``max_rank``, fractions in [0, 1]), ``mAP`` and ``mINP`` (in
        [0, 1]).
    """
    dist = _as_distance_tensor(distmat)
    num_q, num_g = dist.shape
    return _evaluate(lambda start, stop: dist[start:stop], num_q, num_g,
                     dist.device, q_pids, g_pids, q_camids, g_camids,
                     max_rank, ap_mode, chunk_size, protocol, num_repeats,
                     seed)


def evaluate_rank_from_features(q_feats: ArrayLike,
                                g_feats: ArrayLike,
                                q_pids: IdsLike,
                                g_pids: IdsLike,
                                q_camids: IdsLike,
                                g_camids: IdsLike,
                                metric: str = 'euclidean',
                                max_rank: int = 50,
                                ap_mode: str = 'standard',
                                chunk_size: Optional[int] = None,
                                protocol: str = 'market',
                                num_repeats: int = 10,
                                seed: int = 0
                                ) -> Tuple[np.ndarray, float, float]:
    """:func:`evaluate_rank` of the distances between two feature sets.

    The distances are computed one query chunk at a time, so the ``Q x G``
    matrix never exists: at MSMT17 size (11,659 x 82,161) it would take
    3.8 GB in float32, while a chunk takes a few hundred MB.

    Args:
        q_feats (np.ndarray | Tensor): ``Q x D`` query embeddings.
        g_feats (np.ndarray | Tensor): ``G x D`` gallery embeddings.
        q_pids, g_pids, q_camids, g_camids (array-like): See
            :func:`evaluate_rank`.
        metric (str): ``'euclidean'`` or ``'cosine'`` (``1 - cos``), see
            :func:`pairwise_distance`. Defaults to 'euclidean'.
        max_rank (int): Length of the CMC curve. Defaults to 50.
        ap_mode (str): ``'standard'`` or ``'trapezoid'``.
            Defaults to 'standard'.
        chunk_size (int, optional): Queries per chunk. Defaults to None
            (about 8M distances per chunk).
        protocol (str): ``'market'`` or ``'single_gallery_shot'``, see
            :func:`evaluate_rank`. Defaults to 'market'.
        num_repeats (int): Draws per query for ``'single_gallery_shot'``.
            Defaults to 10.
        seed (int): Seed of the draws. Defaults to 0.

    Returns:
        tuple[np.ndarray, float, float]: ``cmc``, ``mAP`` and ``mINP`` as
        in :func:`evaluate_rank`.
    """
    chunked = ChunkedDistance(q_feats, g_feats, metric)
    num_q, num_g = chunked.shape
    return _evaluate(chunked.rows, num_q, num_g, chunked.device, q_pids,
                     g_pids, q_camids, g_camids, max_rank, ap_mode,
                     chunk_size, protocol, num_repeats, seed)


def check_protocol(protocol: str, num_repeats: int, seed: int) -> None:
    """Raise a ``ValueError`` naming the bad protocol argument.

    Args:
        protocol (str): One of :data:`PROTOCOLS`.
        num_repeats (int): A positive int.
        seed (int): A non-negative int (``numpy.random.default_rng``).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f'protocol must be one of {PROTOCOLS}, got '
                         f'{protocol!r}.')
    if (isinstance(num_repeats, bool)
            or not isinstance(num_repeats, (int, np.integer))
            or num_repeats < 1):
        raise ValueError(
            f'num_repeats must be a positive int, got {num_repeats!r}.')
    if (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
            or seed < 0):
        raise ValueError(
            f'seed must be a non-negative int, got {seed!r}.')


def _as_distance_tensor(distmat: ArrayLike) -> Tensor:
    """Wrap a distance matrix as a tensor without copying it."""
    if isinstance(distmat, np.ndarray):
        with warnings.catch_warnings():
            # Read-only arrays (e.g. memory maps) are never written to.
            warnings.simplefilter('ignore', UserWarning)
            distmat = torch.from_numpy(distmat)
    elif not isinstance(distmat, Tensor):
        raise TypeError('distmat must be a numpy array or a torch tensor, '
                        f'got {type(distmat).__name__}.')
    if distmat.dim() != 2:
        raise ValueError('distmat must be 2-D (num_query x num_gallery), got '
                         f'shape {tuple(distmat.shape)}.')
    if distmat.dtype == torch.bool or distmat.is_complex():
        raise TypeError(f'distmat must hold real distances, got dtype '
                        f'{distmat.dtype}.')
    return distmat.detach()


def _as_ids(ids: IdsLike, length: int, name: str,
            device: torch.device) -> Tensor:
    """Convert person or camera ids to an int64 tensor on ``device``."""
    if isinstance(ids, Tensor):
        ids = ids.detach().to(device=device, dtype=torch.int64)
    else:
        ids = torch.as_tensor(np.asarray(ids, dtype=np.int64), device=device)
    ids = ids.reshape(-1)
    if ids.numel() != length:
        raise ValueError(f'{name} has {ids.numel()} entries but the distance '
                         f'matrix needs {length}.')
    return ids


def _evaluate(get_rows: Callable[[int, int], Tensor], num_q: int, num_g: int,
              device: torch.device, q_pids: IdsLike, g_pids: IdsLike,
              q_camids: IdsLike, g_camids: IdsLike, max_rank: int,
              ap_mode: str, chunk_size: Optional[int], protocol: str,
              num_repeats: int,
              seed: int) -> Tuple[np.ndarray, float, float]:
    """Evaluate rows ``get_rows(start, stop)`` of a ``Q x G`` matrix."""
    if ap_mode not in AP_MODES:
        raise ValueError(f'ap_mode must be one of {AP_MODES}, got '
                         f'{ap_mode!r}.')
    check_protocol(protocol, num_repeats, seed)
    if int(max_rank) != max_rank or max_rank < 1:
        raise ValueError(f'max_rank must be a positive int, got {max_rank}.')
    if chunk_size is None:
        chunk_size = max(1, _CHUNK_ELEMENTS // max(num_g, 1))
    elif int(chunk_size) != chunk_size or chunk_size < 1:
        raise ValueError(
            f'chunk_size must be a positive int, got {chunk_size}.')
    q_pids = _as_ids(q_pids, num_q, 'q_pids', device)
    q_camids = _as_ids(q_camids, num_q, 'q_camids', device)
    g_pids = _as_ids(g_pids, num_g, 'g_pids', device)
    g_camids = _as_ids(g_camids, num_g, 'g_camids', device)
    if num_q == 0 or num_g == 0:
        raise ValueError(f'Cannot rank {num_q} queries against {num_g} '
                         'gallery entries: both must be non-empty.')
    # Gallery grouped by pid; stable, so indices ascend within a pid.
    g_order = torch.argsort(g_pids, stable=True)
    g_sorted_pids = g_pids[g_order]
    sampler = None
    if protocol == 'single_gallery_shot':
        sampler = _SingleShotSampler(g_sorted_pids, num_repeats, seed)

    first_hist = np.zeros(max_rank + 1, dtype=np.int64)
    aps, inps = [], []
    num_constant = num_nearly = num_tied = 0
    for start in range(0, num_q, chunk_size):
        stop = min(start + chunk_size, num_q)
        dist = _prepare_chunk(get_rows(start, stop), start)
        if num_g > 1:
            spread = dist.amax(1) - dist.amin(1)
            num_constant += int((spread == 0).sum())
            num_nearly += int(((spread > 0) & spread.isfinite() & (
                spread <= _NEARLY_EQUAL * dist.abs().amax(1).clamp(
                    min=_NEARLY_ZERO))).sum())
        ranks, num_pos, tied = _positive_ranks(dist, q_pids[start:stop],
                                               q_camids[start:stop],
                                               g_camids, g_order,
                                               g_sorted_pids)
        num_tied += int((tied & (num_pos > 0)).sum())
        if sampler is not None:
            # Ranks of the drawn positives, (queries with one) x repeats.
            first = sampler.first_ranks(dist, q_pids[start:stop],
                                        q_camids[start:stop], g_camids,
                                        g_order, num_pos)
        ranks, num_pos = ranks.cpu().numpy(), num_pos.cpu().numpy()
        first_market, ap, inp = _metrics_from_ranks(ranks, num_pos, ap_mode)
        first = first_market if sampler is None else first.reshape(-1)
        first_hist += np.bincount(
            np.minimum(first - 1, max_rank), minlength=max_rank + 1)
        aps.append(ap)
        inps.append(inp)

    num_valid = int(sum(len(ap) for ap in aps))
    if num_valid == 0:
        raise ValueError(
            f'None of the {num_q} queries has a match: no query pid is '
            'present in the gallery under another camid. Check that query '
            'and gallery pids use the same labelling (test subsets must not '
            'be relabelled), that the gallery holds the query identities, '
            'and that the camids are right.')
    if num_valid < num_q:
        print_log(
            f'{num_q - num_valid} of {num_q} queries have no match in the '
            'gallery (same pid, different camid) and were skipped.',
            logger='current',
            level=logging.WARNING)
    _warn_degenerate(num_constant, num_nearly, num_tied, num_q, num_valid)
    # first_hist[max_rank] counts first matches beyond max_rank; with
    # sampling it counts every (query, repeat) pair.
    num_draws = 1 if sampler is None else num_repeats
    cmc = np.cumsum(first_hist[:max_rank]) / (num_valid * num_draws)
    mean_ap = float(np.mean(np.concatenate(aps)))
    mean_inp = float(np.mean(np.concatenate(inps)))
    return cmc, mean_ap, mean_inp


def _warn_degenerate(num_constant: int, num_nearly: int, num_tied: int,
                     num_q: int, num_valid: int) -> None:
    """Warn when ties or rounding, not the features, decide the ranking."""
    if num_constant == 0 and 2 * num_nearly < num_q \
            and 2 * num_tied < num_valid:
        return
    if num_constant:
        what = (f'the distances of {num_constant} of {num_q} queries to '
                'every gallery entry are all equal')
    elif 2 * num_nearly >= num_q:
        what = (f'the distances of {num_nearly} of {num_q} queries to '
                'every gallery entry are equal to within '
                f'{_NEARLY_EQUAL:g} of their size, so rounding orders them')
    else:
        what = (f'the matches of {num_tied} of {num_valid} queries tie with '
                'other gallery entries at equal distances')
    print_log(
        f'Degenerate features: {what}, so the features barely vary or do '
        'not vary at all. Ties count against the matches, so the metrics '
        'are the lowest these distances allow, not a result. Check the '
        'model and the checkpoint: a zeroed or untrained BN-neck, '
        'infinite or NaN running_var, a checkpoint of another model.',
        logger='current',
        level=logging.WARNING)


def _make_generator(seed: int) -> np.random.Generator:
    """The generator of the single-gallery-shot draws."""
    return np.random.default_rng(seed)


class _SingleShotSampler:
    """Ranks of drawn positives in reduced galleries of one per identity.

    Args:
        g_sorted_pids (Tensor): Gallery pids sorted (stably) ascending.
        num_repeats (int): Reduced galleries drawn per query.
        seed (int): Seed of the generator; its stream is consumed query
            after query, ``num_repeats x J`` doubles each.
    """

    def __init__(self, g_sorted_pids: Tensor, num_repeats: int,
                 seed: int) -> None:
        self.id_pids, counts = torch.unique_consecutive(
            g_sorted_pids, return_counts=True)
        # Position of each identity's first entry in the pid-sorted order.
        self.id_start = counts.cumsum(0) - counts
        self.id_count = counts
        self.num_repeats = num_repeats
        self.rng = _make_generator(seed)

    def first_ranks(self, dist: Tensor, q_pids: Tensor, q_camids: Tensor,
                    g_camids: Tensor, g_order: Tensor,
                    num_pos: Tensor) -> np.ndarray:
        """Draw for a chunk of queries and rank the drawn positives.

        Args:
            dist (Tensor): ``c x G`` distances of the chunk.
            q_pids, q_camids (Tensor): The chunk's ids.
            g_camids (Tensor): All gallery camids.
            g_order (Tensor): Stable argsort of the gallery pids.
            num_pos (Tensor): Positives of each query of the chunk.

        Returns:
            np.ndarray: ``n x R`` int64 1-based ranks for the ``n`` queries
            of the chunk that have a positive, in order.
        """
        num_ids = len(self.id_pids)
        block = max(1, _DRAW_ELEMENTS // (self.num_repeats * num_ids))
        out = []
        for start in range(0, len(dist), block):
            stop = min(start + block, len(dist))
            # Drawn for every query, matched or not, so that query i
            # always reads the same part of the stream.
            u = self.rng.random((stop - start, self.num_repeats, num_ids))
            u = torch.from_numpy(u).to(dist.device)
            valid = num_pos[start:stop] > 0
            if bool(valid.all()):
                rows = slice(start, stop)
            elif bool(valid.any()):
                u = u[valid]
                rows = valid.nonzero()[:, 0] + start
            else:
                continue
            out.append(
                self._ranks(dist[rows], q_pids[rows], q_camids[rows],
                            g_camids, g_order, num_pos[rows],
                            u).cpu().numpy())
        if not out:
            return np.zeros((0, self.num_repeats), dtype=np.int64)
        return np.concatenate(out)

    def _ranks(self, dist: Tensor, q_pids: Tensor, q_camids: Tensor,
               g_camids: Tensor, g_order: Tensor, num_pos: Tensor,
               u: Tensor) -> Tensor:
        """``b x R`` ranks from the ``b x R x J`` uniforms ``u``."""
        num_rows = len(dist)
        device = dist.device
        own = torch.searchsorted(self.id_pids, q_pids)  # query has a match
        lo, size = self.id_start[own], self.id_count[own]
        # The query's positives in gallery order, within its pid group.
        arange = torch.arange(int(size.max()), device=device)
        in_group = arange < size[:, None]
        gidx = g_order[(lo[:, None] + arange).clamp_(max=len(g_order) - 1)]
        pos = in_group & (g_camids[gidx] != q_camids[:, None])
        pos_cum = pos.cumsum(1)

        def draw(uniform: Tensor, count: Tensor) -> Tensor:
            """floor(u * n), kept below n against rounding up."""
            pick = (uniform * count.to(uniform.dtype)).long()
            return torch.minimum(pick, count - 1)

        # The drawn positive: the k-th (0-based) True of `pos`.
        u_own = u.gather(2, own.view(-1, 1, 1).expand(-1, u.shape[1], 1))
        k = draw(u_own[..., 0], num_pos[:, None])
        slot = torch.searchsorted(pos_cum, k + 1)
        p_idx = gidx.gather(1, slot)
        p_val = dist.gather(1, p_idx)
        # One entry of every identity; the own identity's is masked out.
        s_idx = g_order[self.id_start + draw(u, self.id_count)]
        s_val = dist.gather(1, s_idx.view(num_rows, -1)).view(s_idx.shape)
        # Ties count against the query: an equal distance precedes.
        before = s_val <= p_val[..., None]
        ids = torch.arange(len(self.id_pids), device=device)
        before &= (ids != own[:, None])[:, None, :]
        return before.sum(2) + 1


def _prepare_chunk(dist: Tensor, start: int) -> Tensor:
    """Make a chunk contiguous, floating point and NaN-free."""
    if dist.dtype in (torch.float16, torch.bfloat16):
        dist = dist.float()
    elif not dist.is_floating_point():
        dist = dist.double()
    dist = dist.contiguous()
    # A NaN makes the sum NaN; the exact test runs only then.
    if torch.isnan(dist.sum()) and torch.isnan(dist).any():
        row = int(torch.isnan(dist).any(1).nonzero()[0]) + start
        raise ValueError(
            f'The distances hold NaN (first in query row {row}). From a '
            "model's features: the features hold NaN or inf, so the model "
            'or its checkpoint is broken (a diverged run, a BN layer with '
            'an infinite running_var); test another checkpoint, and check '
            'the training log for the iteration the loss diverged. From '
            'distances of your own: replace NaN, e.g. with inf.')
    return dist


def _positive_ranks(dist: Tensor, q_pids: Tensor, q_camids: Tensor,
                    g_camids: Tensor, g_order: Tensor,
                    g_sorted_pids: Tensor) -> Tuple[Tensor, Tensor]:
    """1-based ranks of each query's positives among its non-junk entries.

    Args:
        dist (Tensor): ``c x G`` distances of a chunk of queries.
        q_pids, q_camids (Tensor): The chunk's ids.
        g_camids (Tensor): All gallery camids.
        g_order (Tensor): Stable argsort of the gallery pids.
        g_sorted_pids (Tensor): The gallery pids in that order.

    Returns:
        tuple[Tensor, Tensor, Tensor]: ``c x M`` int64 ranks, ascending per
        row, with ``num_pos[i]`` valid entries in row ``i`` (the rest are
        0), ``num_pos``, and whether a positive of the row ties with another
        non-junk entry (its rank then comes from the tie rule).
    """
    num_rows, num_g = dist.shape
    device = dist.device
    lo = torch.searchsorted(g_sorted_pids, q_pids)
    hi = torch.searchsorted(g_sorted_pids, q_pids, right=True)
    group_size = hi - lo
    max_group = int(group_size.max())
    if max_group == 0:
        empty = torch.zeros(num_rows, 0, dtype=torch.int64, device=device)
        no = torch.zeros(num_rows, dtype=torch.bool, device=device)
        return empty, torch.zeros_like(q_pids), no

    # Same-pid gallery entries of each query, padded to max_group.
    arange = torch.arange(max_group, device=device)
    in_group = arange < group_size[:, None]
    gidx = g_order[(lo[:, None] + arange).clamp_(max=num_g - 1)]
    same_cam = g_camids[gidx] == q_camids[:, None]
    pos = in_group & ~same_cam
    junk = in_group & same_cam
    vals = dist.gather(1, gidx)
    inf = torch.full((), float('inf'), dtype=dist.dtype, device=device)
    # Positives by (distance, gallery index), padding last.
    order = torch.sort(torch.where(pos, vals, inf), dim=1, stable=True)[1]
    pad_last = torch.sort((~pos).gather(1, order).to(torch.int32),
                          dim=1,
                          stable=True)[1]
    order = order.gather(1, pad_last)
    num_pos = pos.sum(1)
    is_real = arange < num_pos[:, None]
    table = torch.where(is_real, vals.gather(1, order), inf)

    # Each positive value p is followed by nextafter(p): the bucket of d
    # (the number of bounds <= d) then tells both d < p and d <= p.
    bounds = torch.stack([table, torch.nextafter(table, inf)], dim=2)
    bounds = bounds.view(num_rows, 2 * max_group)
    width = 2 * max_group + 1
    bucket = torch.searchsorted(bounds, dist, right=True, out_int32=True)
    bucket += torch.arange(
        num_rows, dtype=torch.int32, device=device)[:, None] * width
    hist = torch.bincount(bucket.view(-1), minlength=num_rows * width)
    del bucket
    hist = hist.view(num_rows, width)
    # Junk entries are not ranked.
    junk_bucket = torch.searchsorted(bounds, vals, right=True)
    hist.scatter_add_(1, junk_bucket, -junk.to(hist.dtype))
    cum = hist.cumsum(1)
    closer = cum[:, 0:-1:2]  # entries with d < p_m
    closer_or_equal = cum[:, 1::2]  # entries with d <= p_m
    ranks = closer + 1
    # Another entry at exactly p_m (or infinite distances, where nextafter
    # cannot separate) needs the tie rule.
    tied = ((closer_or_equal - closer > 1) & is_real).any(1)
    exact = tied | (torch.isinf(table) & is_real).any(1)
    if max_group > 1:
        # Equal positives also leave the bounds unsorted.
        equal_pos = ((table[:, 1:] == table[:, :-1]) & is_real[:, 1:]).any(1)
        tied |= equal_pos
        exact |= equal_pos
    for row in exact.nonzero()[:, 0].tolist():
        n = int(num_pos[row])
        ranks[row, :n] = _ranks_with_ties(dist[row], gidx[row, junk[row]],
                                          table[row, :n],
                                          gidx[row].gather(0, order[row])[:n])
    ranks.masked_fill_(~is_real, 0)
    return ranks, num_pos, tied


def _ranks_with_ties(dist: Tensor, junk_idx: Tensor, pos_vals: Tensor,
                     pos_idx: Tensor) -> Tensor:
    """Exact ranks of one query's positives.

    At equal distances the other entries precede the positives, and the
    positives keep gallery order among themselves.
    """
    valid = torch.ones_like(dist, dtype=torch.bool)
    valid[junk_idx] = False
    other = valid.clone()
    other[pos_idx] = False
    index = torch.arange(dist.numel(), device=dist.device)[valid]
    other = other[valid]
    dist = dist[valid]
    closer = dist[None, :] < pos_vals[:, None]
    closer |= (dist[None, :] == pos_vals[:, None]) & (
        other[None, :] | (index[None, :] < pos_idx[:, None]))
    return closer.sum(1) + 1


def _metrics_from_ranks(
        ranks: np.ndarray, num_pos: np.ndarray,
        ap_mode: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First-match ranks, AP and INP of the queries that have positives."""
    valid = num_pos > 0
    ranks, num_pos = ranks[valid], num_pos[valid]
    if len(num_pos) == 0:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty
    m = np.arange(1, ranks.shape[1] + 1, dtype=np.float64)[None, :]
    is_real = m <= num_pos[:, None]
    r = np.where(is_real, ranks, 1).astype(np.float64)
    precision = m / r
    if ap_mode == 'trapezoid':
        previous = np.where(r > 1, (m - 1) / np.maximum(r - 1, 1), 1.0)
        precision = (previous + precision) / 2
    # Summed left to right, so that the zero padding (which depends on the
    # chunk's largest group) cannot change the rounding.
    ap = np.cumsum(np.where(is_real, precision, 0), axis=1)[:, -1] / num_pos
    last = ranks[np.arange(len(num_pos)), num_pos - 1]
    inp = num_pos / last
    return ranks[:, 0], ap, inp
