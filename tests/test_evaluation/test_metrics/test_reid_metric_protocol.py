"""``ReIDMetric(protocol=...)``: single-gallery-shot CMC through the metric."""
import itertools

import numpy as np
import pytest
import torch

from mmreidgen.evaluation import ReIDMetric
from mmreidgen.evaluation.functional import (
    evaluate_rank,
    evaluate_rank_from_features,
)
from mmreidgen.evaluation.functional import rank as rank_module
from mmreidgen.evaluation.metrics import reid_metric
from mmreidgen.registry import METRICS

SGS = 'single_gallery_shot'


def _sample(x, pid, camid, is_query):
    return dict(
        pred_feature=torch.tensor([x, 0.0]),
        pid=pid,
        camid=camid,
        is_query=is_query)


def _hand_samples():
    # Query (pid 0, camera 0) at x = 0; two gallery images per identity on
    # the x axis (distances 0.1 ... 0.7):
    #   x    pid cam
    #   0.1   0   0   junk
    #   0.3   0   1   positive a
    #   0.6   0   1   positive b
    #   0.2   1   0 | 0.5   1   1
    #   0.4   2   0 | 0.7   2   1
    # Over the 8 reduced galleries: R1 = 2/8, R2 = 6/8, R3 = 1 (see
    # test_rank_single_shot.py); full gallery: AP = 0.45, mINP = 0.4.
    gallery = [(0.1, 0, 0), (0.3, 0, 1), (0.6, 0, 1), (0.2, 1, 0),
               (0.5, 1, 1), (0.4, 2, 0), (0.7, 2, 1)]
    return [_sample(0.0, 0, 0, True)] + [
        _sample(x, pid, cam, False) for x, pid, cam in gallery
    ]


class _FixedUniforms:

    def __init__(self, uniforms):
        self.flat = np.asarray(uniforms, dtype=np.float64).reshape(-1)
        self.pos = 0

    def random(self, shape):
        size = int(np.prod(shape))
        out = self.flat[self.pos:self.pos + size].reshape(shape)
        self.pos += size
        return out


def test_hand_computed_expectation(monkeypatch):
    # The 8 repeats enumerate the 8 equally likely reduced galleries.
    combos = np.array(list(itertools.product([0.25, 0.75], repeat=3)))
    monkeypatch.setattr(rank_module, '_make_generator',
                        lambda seed: _FixedUniforms(combos[None]))
    metric = METRICS.build(
        dict(
            type='ReIDMetric',
            protocol=SGS,
            num_repeats=8,
            topk=(1, 2, 3),
            device='cpu'))
    metric.process({}, _hand_samples())
    results = metric.evaluate(size=8)
    assert results == pytest.approx({
        'reid/mAP': 45.0,
        'reid/mINP': 40.0,
        'reid/R1': 25.0,
        'reid/R2': 75.0,
        'reid/R3': 100.0
    })


def _tiny_features(seed=0, num_ids=6, per_id=3):
    rng = np.random.default_rng(seed)
    samples = []
    for pid in range(num_ids):
        center = rng.normal(size=8)
        samples.append(
            dict(
                pred_feature=torch.tensor(
                    center + 0.8 * rng.normal(size=8), dtype=torch.float32),
                pid=pid,
                camid=0,
                is_query=True))
        for _ in range(per_id):
            samples.append(
                dict(
                    pred_feature=torch.tensor(
                        center + 0.8 * rng.normal(size=8),
                        dtype=torch.float32),
                    pid=pid,
                    camid=int(rng.integers(1, 3)),
                    is_query=False))
    return samples


def _split(samples):
    feats = torch.stack([s['pred_feature'] for s in samples])
    is_q = np.array([s['is_query'] for s in samples])
    pids = np.array([s['pid'] for s in samples])
    cams = np.array([s['camid'] for s in samples])
    return (feats[is_q], feats[~is_q], pids[is_q], pids[~is_q], cams[is_q],
            cams[~is_q])


def test_matches_functional_and_seed():
    samples = _tiny_features()
    q, g, *ids = _split(samples)

    def run(**kwargs):
        metric = ReIDMetric(topk=(1, 2, 5), device='cpu', **kwargs)
        metric.process({}, samples)
        return metric.compute_metrics(metric.results)

    shot = run(protocol=SGS, num_repeats=20, seed=4)
    cmc, mean_ap, mean_inp = evaluate_rank_from_features(
        q, g, *ids, max_rank=5, protocol=SGS, num_repeats=20, seed=4)
    assert shot == pytest.approx(
        dict(
            mAP=100 * mean_ap,
            mINP=100 * mean_inp,
            R1=100 * cmc[0],
            R2=100 * cmc[1],
            R5=100 * cmc[4]))
    assert run(protocol=SGS, num_repeats=20, seed=4) == shot
    market = run()
    assert (shot['mAP'], shot['mINP']) == (market['mAP'], market['mINP'])
    assert shot != market


def test_one_image_per_identity_equals_market():
    samples = _tiny_features(per_id=1)
    market = ReIDMetric(device='cpu')
    shot = ReIDMetric(protocol=SGS, num_repeats=3, device='cpu')
    for metric in (market, shot):
        metric.process({}, samples)
    assert shot.compute_metrics(shot.results) == market.compute_metrics(
        market.results)


@pytest.mark.parametrize('mode', ['exact', 'knn'])
def test_rerank_passes_the_protocol(monkeypatch, mode):
    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return evaluate_rank(*args, **kwargs)

    monkeypatch.setattr(reid_metric, 'evaluate_rank', spy)
    samples = _tiny_features(1)
    metric = ReIDMetric(
        protocol=SGS,
        num_repeats=7,
        seed=2,
        rerank=True,
        rerank_cfg=dict(k1=4, k2=2, mode=mode),
        device='cpu')
    metric.process({}, samples)
    results = metric.compute_metrics(metric.results)
    assert len(calls) == 1
    assert {k: calls[0][k] for k in ('protocol', 'num_repeats', 'seed')
            } == dict(protocol=SGS, num_repeats=7, seed=2)
    assert 0 <= results['R1'] <= 100


@pytest.mark.parametrize('kwargs, match', [
    (dict(protocol='viper'), 'protocol must be one of'),
    (dict(num_repeats=0), 'num_repeats must be a positive int'),
    (dict(seed=-3), 'seed must be a non-negative int'),
])
def test_invalid_protocol_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ReIDMetric(**kwargs)
