"""Pseudo labels of an unlabelled set: DBSCAN, centroids, diagnostics.

The clustering half of pseudo-label domain adaptation as Cluster Contrast
(Dai et al., "Cluster Contrast for Unsupervised Person Re-Identification",
2021, Sec. 3) does it: DBSCAN (Ester et al., KDD 1996) on the k-reciprocal
Jaccard distances of the features
(:func:`~mmreidgen.evaluation.functional.k_reciprocal_jaccard`), images
that DBSCAN marks as noise left out of training, and each cluster's
initial memory entry the mean of its members' L2-normalised features.

The diagnostics compare a labelling with the true identities where they
are known (a synthetic target): the number of clusters, the share of
outliers, pairwise precision and recall, and the NMI.
"""
from typing import Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

OUTLIER = -1


class PseudoLabelError(ValueError):
    """The clustering gives nothing to train on; the message names the
    cause and the setting to change."""


def dbscan_pseudo_labels(dist: np.ndarray, eps: float,
                         min_samples: int) -> np.ndarray:
    """DBSCAN on a precomputed distance matrix; outliers labelled -1.

    A point is a core point when at least ``min_samples`` points (itself
    included) lie within ``eps``; clusters are the connected core points
    with the points they reach (Ester et al., 1996, Def. 1-5). scikit-learn
    visits the points in index order, so the labels are deterministic.

    Args:
        dist (np.ndarray): ``N x N`` symmetric distances (e.g. Jaccard).
        eps (float): The neighbourhood radius.
        min_samples (int): Points within ``eps`` that make a core point.

    Returns:
        np.ndarray: ``N`` int64 labels ``0..C-1``, ``-1`` for outliers.
    """
    from sklearn.cluster import DBSCAN
    dist = np.asarray(dist)
    if dist.ndim != 2 or dist.shape[0] != dist.shape[1]:
        raise ValueError(f'dist must be a square N x N matrix, got shape '
                         f'{dist.shape}.')
    if not eps > 0:
        raise ValueError(f'eps must be positive, got {eps}.')
    if int(min_samples) != min_samples or min_samples < 1:
        raise ValueError(
            f'min_samples must be a positive int, got {min_samples}.')
    labels = DBSCAN(eps=eps, min_samples=int(min_samples),
                    metric='precomputed', n_jobs=1).fit_predict(dist)
    return labels.astype(np.int64)


def check_pseudo_labels(labels: np.ndarray, eps: float,
                        min_samples: int, min_clusters: int = 2) -> None:
    """Refuse a labelling that gives a contrastive loss nothing to learn.

    Args:
        labels (np.ndarray): Labels with ``-1`` for outliers.
        eps (float): The DBSCAN radius that gave them (for the message).
        min_samples (int): The DBSCAN ``min_samples`` (for the message).
        min_clusters (int): Fewest clusters to train on: with one cluster
            the softmax over the memory is 1 whatever the features.
            Defaults to 2.

    Raises:
        PseudoLabelError: No cluster (all outliers), or fewer than
            ``min_clusters`` (the features collapsed into one cluster).
    """
    labels = np.asarray(labels)
    num = len(labels)
    clusters = len(set(labels.tolist()) - {OUTLIER})
    if num == 0:
        raise PseudoLabelError('There is no target image to cluster; check '
                               'the target data_root.')
    if clusters == 0:
        raise PseudoLabelError(
            f'DBSCAN left all {num} target images as outliers (eps={eps}, '
            f'min_samples={min_samples}): no pseudo label to train on. '
            'Raise eps or lower min_samples (the stage\'s cluster.eps and '
            'cluster.min_samples), or raise k1 so that more neighbours are '
            'k-reciprocal.')
    if clusters < min_clusters:
        kept = int((labels != OUTLIER).sum())
        raise PseudoLabelError(
            f'DBSCAN put {kept} of {num} target images into {clusters} '
            f'cluster (eps={eps}, min_samples={min_samples}): the features '
            'collapsed, and a contrastive loss over fewer than '
            f'{min_clusters} clusters teaches nothing. Lower eps (the '
            "stage's cluster.eps) or raise min_samples; if the features "
            'themselves are constant, check the starting checkpoint.')


def cluster_centroids(feats: torch.Tensor, labels: torch.Tensor,
                      num_clusters: int) -> torch.Tensor:
    """L2-normalised mean of the L2-normalised features of each cluster.

    The initial cluster memory of Cluster Contrast (Sec. 3.2); outliers
    (label -1) are ignored.

    Args:
        feats (Tensor): ``N x D`` features.
        labels (Tensor): ``N`` labels, ``-1`` for outliers.
        num_clusters (int): ``C``; every label below it must occur.

    Returns:
        Tensor: ``C x D`` unit-norm centroids.
    """
    labels = torch.as_tensor(labels, dtype=torch.long)
    keep = labels >= 0
    feats = F.normalize(torch.as_tensor(feats).float()[keep], dim=1)
    labels = labels[keep]
    sums = torch.zeros(num_clusters, feats.shape[1], dtype=feats.dtype)
    sums.index_add_(0, labels, feats)
    counts = torch.bincount(labels, minlength=num_clusters)
    if (counts == 0).any():
        raise ValueError(
            f'cluster {int((counts == 0).nonzero()[0])} of {num_clusters} '
            'has no member.')
    return F.normalize(sums / counts[:, None].to(feats.dtype), dim=1)


def _pairs(counts: np.ndarray) -> int:
    counts = counts.astype(np.int64)
    return int((counts * (counts - 1) // 2).sum())


def clustering_diagnostics(labels: Sequence[int],
                           pids: Optional[Sequence[int]] = None
                           ) -> Dict[str, float]:
    """How a labelling with outliers compares with the true identities.

    Pairs count unordered pairs of distinct images. A pair is predicted
    positive when both images are in the same cluster (an outlier is in
    no cluster); it is a true positive when they also share an identity.
    NMI (arithmetic normalisation, scikit-learn) is computed over all
    images with each outlier its own singleton cluster, so leaving an
    image out neither helps nor hides.

    Args:
        labels (Sequence[int]): Cluster of each image, ``-1`` outliers.
        pids (Sequence[int], optional): True identity of each image.
            Defaults to None: only the label-free numbers.

    Returns:
        dict: ``num_images``, ``num_clusters``, ``num_outliers``,
        ``outlier_share``, ``mean_cluster_size``; with ``pids`` also
        ``num_identities``, ``pairwise_precision``, ``pairwise_recall``,
        ``pairwise_f1`` and ``nmi``.
    """
    labels = np.asarray(labels, dtype=np.int64)
    num = len(labels)
    clustered = labels[labels != OUTLIER]
    sizes = np.bincount(clustered) if len(clustered) else np.zeros(0, int)
    sizes = sizes[sizes > 0]
    out = dict(
        num_images=num,
        num_clusters=int(len(sizes)),
        num_outliers=int(num - len(clustered)),
        outlier_share=float((num - len(clustered)) / num) if num else 0.0,
        mean_cluster_size=float(sizes.mean()) if len(sizes) else 0.0)
    if pids is None:
        return out
    from sklearn.metrics import normalized_mutual_info_score
    pids = np.asarray(pids, dtype=np.int64)
    if len(pids) != num:
        raise ValueError(f'labels and pids must have one entry per image, '
                         f'got {num} and {len(pids)}.')
    keep = labels != OUTLIER
    joint = np.unique(np.stack([labels[keep], pids[keep]]), axis=1,
                      return_counts=True)[1] if keep.any() else sizes
    true_pos = _pairs(joint)
    predicted = _pairs(sizes)
    actual = _pairs(np.unique(pids, return_counts=True)[1])
    precision = true_pos / predicted if predicted else 0.0
    recall = true_pos / actual if actual else 0.0
    singletons = labels.copy()
    singletons[~keep] = labels.max(initial=-1) + 1 + np.arange((~keep).sum())
    out.update(
        num_identities=int(len(np.unique(pids))),
        pairwise_precision=float(precision),
        pairwise_recall=float(recall),
        pairwise_f1=float(2 * precision * recall / (precision + recall))
        if precision + recall else 0.0,
        nmi=float(normalized_mutual_info_score(pids, singletons)))
    return out
