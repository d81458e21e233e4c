import numpy as np
import pytest
import torch

from mmreidgen.evaluation import ReIDMetric
from mmreidgen.evaluation.functional import evaluate_rank, pairwise_distance
from mmreidgen.registry import METRICS
from mmreidgen.structures import ReIDDataSample


def _sample(feature, pid, camid, is_query, as_dict=True):
    sample = ReIDDataSample(
        metainfo=dict(pid=pid, camid=camid, is_query=is_query))
    sample.pred_feature = torch.as_tensor(feature, dtype=torch.float32)
    return sample.to_dict() if as_dict else sample


def _hand_samples():
    # Query (pid 1, camera 0) at x = 0; gallery on the x axis, so the
    # Euclidean distances are 0.1 ... 0.6:
    #   x    pid cam
    #   0.1   1   0   junk (same pid and camera)
    #   0.2   2   1   rank 1
    #   0.3   1   1   positive, rank 2
    #   0.4   3   0   rank 3
    #   0.5   1   2   positive, rank 4
    #   0.6   2   2   rank 5
    # R1 = 0, R2 = 100, AP = (1/2 + 2/4) / 2 = 50 %, mINP = 2/4 = 50 %,
    # trapezoid AP = ((0 + 1/2)/2 + (1/3 + 1/2)/2) / 2 = 1/3.
    gallery = [(0.1, 1, 0), (0.2, 2, 1), (0.3, 1, 1), (0.4, 3, 0),
               (0.5, 1, 2), (0.6, 2, 2)]
    samples = [_sample([0., 0.], 1, 0, True)]
    samples += [
        _sample([x, 0.], pid, cam, False, as_dict=i % 2 == 0)
        for i, (x, pid, cam) in enumerate(gallery)
    ]
    return samples


def test_registered_and_hand_computed():
    metric = METRICS.build(dict(type='ReIDMetric', topk=(1, 2, 5)))
    assert isinstance(metric, ReIDMetric)
    samples = _hand_samples()
    metric.process({}, samples[:3])
    metric.process({}, samples[3:])
    # Kept results are small CPU copies.
    assert all(r['feature'].device.type == 'cpu' for r in metric.results)
    assert isinstance(metric.results[0]['pid'], int)
    results = metric.compute_metrics(metric.results)
    assert results == pytest.approx(
        dict(mAP=50.0, mINP=50.0, R1=0.0, R2=100.0, R5=100.0))


def test_trapezoid_and_prefix():
    metric = ReIDMetric(topk=1, ap_mode='trapezoid')
    metric.process({}, _hand_samples())
    results = metric.evaluate(size=7)
    assert set(results) == {'reid/mAP', 'reid/mINP', 'reid/R1'}
    assert results['reid/mAP'] == pytest.approx(100 / 3)
    custom = ReIDMetric(prefix='market')
    custom.process({}, _hand_samples())
    assert 'market/R20' in custom.evaluate(size=7)


def _clustered_samples(seed=0, num_q=40, num_g=200, num_ids=20):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(num_ids, 16))
    pids = np.concatenate([
        rng.integers(0, num_ids, num_q),
        np.arange(num_ids),
        rng.integers(0, num_ids, num_g - num_ids)
    ])
    camids = np.concatenate(
        [rng.integers(0, 3, num_q),
         rng.integers(3, 6, num_g)])
    feats = centers[pids] + 0.8 * rng.normal(size=(len(pids), 16))
    samples = [
        _sample(f, int(p), int(c), i < num_q)
        for i, (f, p, c) in enumerate(zip(feats, pids, camids))
    ]
    return samples, feats, pids, camids, num_q


@pytest.mark.parametrize('metric_name', ['euclidean', 'cosine'])
def test_matches_functional(metric_name):
    samples, feats, pids, camids, num_q = _clustered_samples()
    metric = ReIDMetric(metric=metric_name)
    metric.process({}, samples)
    results = metric.compute_metrics(metric.results)
    dist = pairwise_distance(feats[:num_q], feats[num_q:], metric_name)
    cmc, mean_ap, mean_inp = evaluate_rank(dist.float(), pids[:num_q],
                                           pids[num_q:], camids[:num_q],
                                           camids[num_q:])
    assert results['mAP'] == pytest.approx(100 * mean_ap, abs=1e-4)
    assert results['mINP'] == pytest.approx(100 * mean_inp, abs=1e-4)
    assert results['R5'] == pytest.approx(100 * cmc[4])


@pytest.mark.parametrize('metric_name', ['euclidean', 'cosine'])
def test_rerank_modes_agree(metric_name):
    samples, *_ = _clustered_samples(1)
    values = {}
    for mode in ('exact', 'knn'):
        metric = ReIDMetric(
            metric=metric_name,
            rerank=True,
            rerank_cfg=dict(k1=10, k2=4, lambda_value=0.3, mode=mode))
        metric.process({}, samples)
        values[mode] = metric.compute_metrics(metric.results)
    plain = ReIDMetric(metric=metric_name)
    plain.process({}, samples)
    assert values['knn'] == pytest.approx(values['exact'], abs=1e-3)
    assert values['exact']['mAP'] != pytest.approx(
        plain.compute_metrics(plain.results)['mAP'])


def test_errors():
    samples = _hand_samples()
    with pytest.raises(ValueError, match='no query sample'):
        ReIDMetric().compute_metrics(
            [dict(feature=torch.zeros(2), pid=1, camid=0, is_query=False)])
    metric = ReIDMetric()
    metric.process({}, samples[:1])
    with pytest.raises(ValueError, match='no gallery sample'):
        metric.compute_metrics(metric.results)
    metric = ReIDMetric()
    metric.process({}, [_sample([0., 0.], 9, 0, True)] + samples[1:])
    with pytest.raises(ValueError, match='no query pid is present'):
        metric.compute_metrics(metric.results)
    with pytest.raises(KeyError, match='pred_feature'):
        ReIDMetric().process({}, [dict(pid=1, camid=0, is_query=True)])
    with pytest.raises(ValueError, match='metric must be one of'):
        ReIDMetric(metric='l1')
    with pytest.raises(ValueError, match='ap_mode'):
        ReIDMetric(ap_mode='area')
    with pytest.raises(ValueError, match='topk'):
        ReIDMetric(topk=(0, 5))
    with pytest.raises(ValueError, match='Unknown rerank_cfg keys'):
        ReIDMetric(rerank=True, rerank_cfg=dict(k3=1))


def test_device_option():
    samples, feats, pids, camids, num_q = _clustered_samples(2)
    dist = pairwise_distance(feats[:num_q], feats[num_q:]).float()
    mean_ap = evaluate_rank(dist, pids[:num_q], pids[num_q:],
                            camids[:num_q], camids[num_q:])[1]
    expected = ReIDMetric(device=torch.device('cpu'))
    expected.process({}, samples)
    expected = expected.compute_metrics(expected.results)
    assert expected['mAP'] == pytest.approx(100 * mean_ap, abs=1e-4)
    on_cpu = ReIDMetric(device='cpu')
    assert on_cpu.device == torch.device('cpu')
    on_cpu.process({}, samples)
    assert on_cpu.compute_metrics(on_cpu.results) == expected
    auto = ReIDMetric(device='auto')
    assert auto.device.type == ('cuda'
                                if torch.cuda.is_available() else 'cpu')
    with pytest.raises(ValueError, match="device must be 'auto'"):
        ReIDMetric(device='gpu')
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match='no CUDA device'):
            ReIDMetric(device='cuda')


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
@pytest.mark.parametrize('metric_name', ['euclidean', 'cosine'])
@pytest.mark.parametrize('rerank_mode', [None, 'exact', 'knn'])
def test_cuda_equals_cpu(metric_name, rerank_mode):
    samples, *_ = _clustered_samples(3)
    values = {}
    for device in ('cpu', 'cuda'):
        metric = ReIDMetric(
            metric=metric_name,
            rerank=rerank_mode is not None,
            rerank_cfg=dict(mode=rerank_mode or 'exact'),
            device=device)
        metric.process({}, samples)
        values[device] = metric.compute_metrics(metric.results)
    # Only gallery entries whose distances differ by float rounding can
    # swap between devices.
    assert values['cuda'] == pytest.approx(values['cpu'], abs=1e-3)


def test_degenerate_features_warn_and_score_lowest(monkeypatch):
    from mmreidgen.evaluation.functional import rank as rank_module
    logged = []
    monkeypatch.setattr(rank_module, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    # Constant features (a zeroed BN-neck); gallery listed by identity.
    metric = ReIDMetric(topk=(1, 5))
    samples = [_sample([1., 1.], pid, 0, True) for pid in range(4)]
    samples += [_sample([1., 1.], pid, cam, False)
                for pid in range(4) for cam in (1, 2)]
    metric.process({}, samples)
    results = metric.compute_metrics(metric.results)
    assert results['R1'] == 0.0  # 6 negatives precede the 2 matches
    assert results['mAP'] == pytest.approx(100 * (1 / 7 + 2 / 8) / 2)
    assert len(logged) == 1 and 'Degenerate features' in logged[0]
    # NaN features: the message points at the model and the checkpoint.
    metric = ReIDMetric()
    samples[0] = _sample([float('nan'), 0.], 0, 0, True)
    metric.process({}, samples)
    with pytest.raises(ValueError, match='model or its checkpoint'):
        metric.compute_metrics(metric.results)
