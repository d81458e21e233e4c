"""Evaluation math on plain arrays: distances, ranking metrics, re-ranking.

Importing this package has no side effects; every function takes numpy
arrays or torch tensors.
"""
from .distance import ChunkedDistance, pairwise_distance, resolve_device
from .diversity import dssim, l1_distance, ssim
from .fid import fid_from_features, frechet_distance
from .rank import evaluate_rank, evaluate_rank_from_features
from .rerank import k_reciprocal_jaccard, re_ranking, re_ranking_knn
from .splits import aggregate_split_metrics, format_split_metrics

__all__ = [
    'ChunkedDistance', 'pairwise_distance', 'resolve_device', 'evaluate_rank',
    'evaluate_rank_from_features', 're_ranking', 're_ranking_knn',
    'k_reciprocal_jaccard',
    'frechet_distance', 'fid_from_features', 'ssim', 'dssim', 'l1_distance',
    'aggregate_split_metrics', 'format_split_metrics'
]
