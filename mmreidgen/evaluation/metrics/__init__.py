"""Metrics registered in ``mmreidgen.registry.METRICS``."""
from .reid_metric import ReIDMetric

__all__ = ['ReIDMetric']
