"""Metrics averaged over random splits (CUHK03 classic, VIPeR).

Protocols with random train/test splits (20 for CUHK03 classic, 10 for
VIPeR) report each metric as the mean over the splits with its sample
standard deviation (``ddof=1``), e.g. ``R1 62.3 ± 1.2``.
"""
import math
from numbers import Real
from typing import Dict, Mapping, Optional, Sequence, Union

import numpy as np

SplitSummary = Dict[str, Union[int, Dict[str, float]]]


def aggregate_split_metrics(
        split_metrics: Sequence[Mapping[str, float]]) -> SplitSummary:
    """Mean and sample standard deviation of each metric over splits.

    Args:
        split_metrics (Sequence[Mapping[str, float]]): One dict of metrics
            per split, all with the same keys, e.g. the dicts that
            ``ReIDMetric`` returns (``{'reid/mAP': 50.1, 'reid/R1': ...}``).

    Returns:
        dict: ``num_splits`` (int), ``mean`` and ``sd`` (dicts keyed like
        the input, in the first split's key order). ``sd`` is the sample
        standard deviation (``ddof=1``); it is NaN for a single split.

    Example:
        >>> summary = aggregate_split_metrics([dict(R1=60.), dict(R1=64.)])
        >>> summary['mean']['R1'], round(summary['sd']['R1'], 4)
        (62.0, 2.8284)
    """
    if isinstance(split_metrics, Mapping) or not isinstance(
            split_metrics, Sequence):
        raise TypeError('split_metrics must be a sequence of dicts, one per '
                        f'split, got {type(split_metrics).__name__}.')
    if len(split_metrics) == 0:
        raise ValueError('split_metrics is empty: pass the metrics of at '
                         'least one split.')
    keys = list(split_metrics[0])
    for index, metrics in enumerate(split_metrics):
        if not isinstance(metrics, Mapping):
            raise TypeError(f'Split {index} is a {type(metrics).__name__}, '
                            'expected a dict of metrics.')
        if set(metrics) != set(keys):
            missing = sorted(set(keys) - set(metrics))
            extra = sorted(set(metrics) - set(keys))
            raise ValueError(
                f'Split {index} has other metrics than split 0: missing '
                f'{missing}, extra {extra}. Every split must report the '
                'same metrics.')
        for key, value in metrics.items():
            if isinstance(value, bool) or not isinstance(
                    value, (Real, np.number)):
                raise TypeError(f'Metric {key!r} of split {index} is '
                                f'{value!r}, expected a number.')
    values = {
        key: np.array([float(m[key]) for m in split_metrics])
        for key in keys
    }
    num = len(split_metrics)
    return dict(
        num_splits=num,
        mean={key: float(v.mean()) for key, v in values.items()},
        sd={
            key: float(v.std(ddof=1)) if num > 1 else math.nan
            for key, v in values.items()
        })


def format_split_metrics(summary: SplitSummary,
                         digits: int = 2,
                         keys: Optional[Sequence[str]] = None
                         ) -> Dict[str, str]:
    """``'mean ± sd'`` strings of an :func:`aggregate_split_metrics` result.

    Args:
        summary (dict): What :func:`aggregate_split_metrics` returns.
        digits (int): Decimals of the mean and the sd. Defaults to 2.
        keys (Sequence[str], optional): Metrics to format, in this order.
            Defaults to None (all, in the summary's order).

    Returns:
        dict[str, str]: One row per metric, e.g. ``{'R1': '62.00 ± 2.83'}``;
        a single split gives ``'62.00 (1 split)'``.

    Example:
        >>> summary = aggregate_split_metrics([dict(R1=60.), dict(R1=64.)])
        >>> format_split_metrics(summary, digits=1)
        {'R1': '62.0 ± 2.8'}
    """
    if int(digits) != digits or digits < 0:
        raise ValueError(f'digits must be a non-negative int, got {digits}.')
    missing = [k for k in ('num_splits', 'mean', 'sd') if k not in summary]
    if missing:
        raise KeyError(f'summary lacks {missing}; pass the dict returned by '
                       'aggregate_split_metrics.')
    keys = list(summary['mean']) if keys is None else list(keys)
    unknown = [key for key in keys if key not in summary['mean']]
    if unknown:
        raise KeyError(f'Metrics {unknown} are not in the summary; it has '
                       f'{list(summary["mean"])}.')
    rows = {}
    for key in keys:
        mean, sd = summary['mean'][key], summary['sd'][key]
        if summary['num_splits'] == 1:
            rows[key] = f'{mean:.{digits}f} (1 split)'
        else:
            rows[key] = f'{mean:.{digits}f} ± {sd:.{digits}f}'
    return rows
