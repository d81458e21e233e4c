import math

import numpy as np
import pytest

from mmreidgen.evaluation.functional import (
    aggregate_split_metrics,
    format_split_metrics,
)


def test_hand_values():
    splits = [
        {'reid/R1': 60.0, 'reid/mAP': 40.0},
        {'reid/mAP': 44.0, 'reid/R1': 64.0},
        {'reid/R1': np.float32(62.0), 'reid/mAP': 45.0},
    ]
    summary = aggregate_split_metrics(splits)
    assert summary['num_splits'] == 3
    assert list(summary['mean']) == ['reid/R1', 'reid/mAP']
    # R1: mean 62, deviations -2, 2, 0: sample variance 8 / 2 = 4.
    # mAP: mean 43, deviations -3, 1, 2: sample variance 14 / 2 = 7.
    assert summary['mean'] == pytest.approx({'reid/R1': 62, 'reid/mAP': 43})
    assert summary['sd'] == pytest.approx({
        'reid/R1': 2.0,
        'reid/mAP': math.sqrt(7)
    })
    assert format_split_metrics(summary) == {
        'reid/R1': '62.00 ± 2.00',
        'reid/mAP': '43.00 ± 2.65'
    }
    assert format_split_metrics(summary, digits=1, keys=['reid/mAP']) == {
        'reid/mAP': '43.0 ± 2.6'
    }


def test_single_split():
    summary = aggregate_split_metrics([dict(R1=61.25)])
    assert summary['num_splits'] == 1
    assert summary['mean'] == {'R1': 61.25}
    assert math.isnan(summary['sd']['R1'])
    assert format_split_metrics(summary, digits=1) == {
        'R1': '61.2 (1 split)'
    }


@pytest.mark.parametrize('splits, error, match', [
    ([], ValueError, 'empty'),
    (dict(R1=1.0), TypeError, 'sequence of dicts'),
    ([dict(R1=1.0), [1.0]], TypeError, 'Split 1 is a list'),
    ([dict(R1=1.0), dict(R1=2.0, R5=3.0)], ValueError,
     r"missing \[\], extra \['R5'\]"),
    ([dict(R1='62')], TypeError, "Metric 'R1' of split 0"),
    ([dict(R1=True)], TypeError, 'expected a number'),
])
def test_errors(splits, error, match):
    with pytest.raises(error, match=match):
        aggregate_split_metrics(splits)


def test_format_errors():
    summary = aggregate_split_metrics([dict(R1=1.0), dict(R1=2.0)])
    with pytest.raises(KeyError, match='not in the summary'):
        format_split_metrics(summary, keys=['mAP'])
    with pytest.raises(KeyError, match='aggregate_split_metrics'):
        format_split_metrics(dict(mean={}))
    with pytest.raises(ValueError, match='digits'):
        format_split_metrics(summary, digits=-1)
