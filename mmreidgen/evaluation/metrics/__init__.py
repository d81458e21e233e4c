"""Metrics registered in ``mmreidgen.registry.METRICS``."""
from .dump_reid_results import DumpReIDResults, save_features, save_rank_lists
from .reid_metric import ReIDMetric

__all__ = ['ReIDMetric', 'DumpReIDResults', 'save_features', 'save_rank_lists']
