"""Clustering math of SLSR: k-means, silhouette (Table 1) and NMI.

Ainam et al., "Sparse Label Smoothing for Semi-supervised Person
Re-Identification" (IEEE Access 2019), Algorithm 1, lines 6-10 and
Table 1. Plain functions on arrays (scikit-learn does the work).
"""
from typing import Dict, List, Optional, Sequence

import numpy as np


def kmeans(features: np.ndarray, num_clusters: int,
           seed: int = 0) -> np.ndarray:
    """scikit-learn k-means (10 restarts); the cluster of every row.

    Args:
        features (np.ndarray): ``N x C`` features.
        num_clusters (int): ``k``.
        seed (int): ``random_state``. Defaults to 0.

    Returns:
        np.ndarray: ``N`` cluster indices in ``[0, k)``.
    """
    from sklearn.cluster import KMeans
    return KMeans(
        n_clusters=num_clusters, random_state=seed,
        n_init=10).fit_predict(features)


def silhouette_table(features: np.ndarray,
                     ks: Sequence[int] = (2, 3, 4, 5),
                     seed: int = 0,
                     pca_dim: Optional[int] = 2,
                     sample_size: Optional[int] = None) -> List[dict]:
    """Average silhouette score of k-means for each k (Table 1 of SLSR).

    Two protocols: ``raw`` clusters and scores the features as they are
    (what the clustering stage uses); ``pca`` first projects them on their
    ``pca_dim`` principal components, as the authors' clustering script
    does for its k comparison.

    Args:
        features (np.ndarray): ``N x C`` features.
        ks (Sequence[int]): Cluster numbers. Defaults to (2, 3, 4, 5).
        seed (int): k-means and sampling seed. Defaults to 0.
        pca_dim (int, optional): Components of the ``pca`` protocol; None
            skips it. Defaults to 2.
        sample_size (int, optional): Score a random subset of this size
            (silhouette is O(N^2)). Defaults to None (all).

    Returns:
        list[dict]: ``k``, ``raw`` and (with ``pca_dim``) ``pca`` scores.
    """
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score
    if len(features) <= max(ks):
        raise ValueError(
            f'{len(features)} features cannot form {max(ks)} clusters; '
            'lower the k values.')
    spaces = dict(raw=features)
    if pca_dim:
        spaces['pca'] = PCA(
            n_components=pca_dim, random_state=seed).fit_transform(features)
    size = sample_size if sample_size and sample_size < len(
        features) else None
    rows = []
    for k in ks:
        row = dict(k=int(k))
        for name, space in spaces.items():
            labels = kmeans(space, k, seed)
            row[name] = float(
                silhouette_score(
                    space, labels, sample_size=size, random_state=seed))
        rows.append(row)
    return rows


def format_silhouette_table(rows: List[dict]) -> str:
    """Table 1 of SLSR as markdown (scores in percent)."""
    has_pca = 'pca' in rows[0]
    header = '| Number of clusters | Silhouette (features) |'
    rule = '|---|---|'
    if has_pca:
        header += ' Silhouette (PCA-2, authors\' protocol) |'
        rule += '---|'
    lines = [header, rule]
    for row in rows:
        line = f'| {row["k"]} | {100 * row["raw"]:.2f}% |'
        if has_pca:
            line += f' {100 * row["pca"]:.2f}% |'
        lines.append(line)
    return '\n'.join(lines)


def cluster_identity_nmi(pids: Sequence[int],
                         clusters: Sequence[int]) -> float:
    """Normalised mutual information between identities and clusters.

    1 when every cluster holds whole identities only, 0 when clusters are
    independent of identity.

    Args:
        pids (Sequence[int]): Identity of every image.
        clusters (Sequence[int]): Cluster of every image.

    Returns:
        float: NMI in [0, 1] (arithmetic normalisation).
    """
    from sklearn.metrics import normalized_mutual_info_score
    if len(pids) != len(clusters):
        raise ValueError(
            f'pids and clusters must have one entry per image, got '
            f'{len(pids)} and {len(clusters)}')
    return float(normalized_mutual_info_score(pids, clusters))


def cluster_report(clusters: Sequence[int],
                   labels: Dict[str, Sequence]) -> List[dict]:
    """How much each labelling of the images the clusters follow.

    The premise of SLSR is that a cluster groups identities that look
    alike. For each labelling (identity, camera, a clothing colour, ...)
    this gives the normalised mutual information with the clusters and
    the number of distinct values.

    Args:
        clusters (Sequence[int]): Cluster of every image.
        labels (dict[str, Sequence]): Per name, a label of every image.

    Returns:
        list[dict]: ``label``, ``nmi`` and ``num_values`` per labelling,
        in the order given.
    """
    from sklearn.metrics import normalized_mutual_info_score
    rows = []
    for name, values in labels.items():
        if len(values) != len(clusters):
            raise ValueError(
                f'labelling {name!r} has {len(values)} entries for '
                f'{len(clusters)} images; give one per image.')
        rows.append(dict(
            label=name,
            nmi=float(normalized_mutual_info_score(
                [str(v) for v in values], list(clusters))),
            num_values=len(set(map(str, values)))))
    return rows


def format_cluster_report(rows: List[dict]) -> str:
    """:func:`cluster_report` as a markdown table."""
    lines = ['| Clusters against | Values | NMI |', '|---|---|---|']
    lines += [f'| {r["label"]} | {r["num_values"]} | {r["nmi"]:.3f} |'
              for r in rows]
    return '\n'.join(lines)
