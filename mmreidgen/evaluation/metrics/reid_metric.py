"""Re-id retrieval metric: CMC ranks, mAP and mINP."""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from mmreidgen.registry import METRICS

from ..functional import (
    evaluate_rank,
    evaluate_rank_from_features,
    pairwise_distance,
    re_ranking,
    re_ranking_knn,
    resolve_device,
)
from ..functional.distance import METRICS as DISTANCES
from ..functional.rank import AP_MODES, check_protocol

_RERANK_KEYS = ('k1', 'k2', 'lambda_value', 'mode', 'backend')


@METRICS.register_module()
class ReIDMetric(BaseMetric):
    """Rank-k accuracy (CMC), mAP and mINP of query-gallery retrieval.

    ``process`` keeps, per sample, a CPU copy of ``pred_feature`` and the
    metainfo ``pid``, ``camid`` and ``is_query``; ``compute_metrics``
    splits queries from gallery entries, ranks the gallery by distance and
    calls :func:`mmreidgen.evaluation.functional.evaluate_rank`: same-pid
    same-camera gallery entries are ignored, queries without a match are
    skipped. ``protocol='market'`` ranks every gallery entry (Market-1501,
    DukeMTMC-reID, MSMT17, CUHK03 767/700); ``'single_gallery_shot'``
    averages the CMC over ``num_repeats`` reduced galleries of one entry per
    identity, drawn per query (CUHK03 classic, VIPeR), with mAP and mINP on
    the full gallery. See ``docs/en/evaluation.md``.

    The returned values are percentages (0-100): ``mAP``, ``mINP`` and
    ``R{k}`` for each k in ``topk``. mmengine prefixes them with
    ``prefix`` (default ``'reid'``), e.g. ``reid/mAP``.

    Args:
        metric (str): ``'euclidean'`` or ``'cosine'`` (``1 - cos``).
            Defaults to 'euclidean'.
        topk (Sequence[int]): Ranks reported as ``R{k}``.
            Defaults to (1, 5, 10, 20).
        ap_mode (str): ``'standard'`` (torchreid, fast-reid) or
            ``'trapezoid'`` (Market-1501 MATLAB, DG-Net, SLS_ReID).
            Defaults to 'standard'.
        protocol (str): ``'market'`` or ``'single_gallery_shot'``, also
            applied to re-ranked distances. Defaults to 'market'.
        num_repeats (int): Reduced galleries drawn per query with
            ``'single_gallery_shot'``. Defaults to 10.
        seed (int): Seed of those draws; the same features and seed give
            the same metrics. Defaults to 0.
        rerank (bool): Apply k-reciprocal re-ranking (Zhong et al., CVPR
            2017) before ranking. Defaults to False.
        rerank_cfg (dict, optional): ``k1``, ``k2``, ``lambda_value`` and
            optionally ``mode``: ``'exact'`` (default;
            :func:`re_ranking` on the Q x G, Q x Q and G x G distance
            matrices, the reference algorithm) or ``'knn'``
            (:func:`re_ranking_knn` on the features, for MSMT17-size
            galleries, with ``backend='torch'`` or ``'faiss'``). Defaults
            to ``dict(k1=20, k2=6, lambda_value=0.3)``.
        device (str): Where distances, ranking and re-ranking run:
            ``'auto'`` (CUDA when torch sees a GPU, else CPU), ``'cpu'`` or
            ``'cuda'``. Given the same distances the metrics are identical
            on every device; from features, GPU matrix products round
            differently, which can only reorder gallery entries whose
            distances differ by float rounding. Defaults to 'auto'.
        collect_device (str): ``'cpu'`` or ``'gpu'``, where results of
            different ranks are gathered. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None, which uses ``'reid'``.
    """

    default_prefix: Optional[str] = 'reid'

    def __init__(self,
                 metric: str = 'euclidean',
                 topk: Sequence[int] = (1, 5, 10, 20),
                 ap_mode: str = 'standard',
                 protocol: str = 'market',
                 num_repeats: int = 10,
                 seed: int = 0,
                 rerank: bool = False,
                 rerank_cfg: Optional[dict] = None,
                 device: str = 'auto',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if metric not in DISTANCES:
            raise ValueError(
                f'metric must be one of {DISTANCES}, got {metric!r}.')
        if ap_mode not in AP_MODES:
            raise ValueError(f'ap_mode must be one of {AP_MODES}, got '
                             f'{ap_mode!r}.')
        check_protocol(protocol, num_repeats, seed)
        topk = (topk, ) if isinstance(topk, int) else tuple(topk)
        if not topk or any(int(k) != k or k < 1 for k in topk):
            raise ValueError(
                f'topk must be positive ints, got {topk}; e.g. (1, 5, 10).')
        rerank_cfg = {
            **dict(k1=20, k2=6, lambda_value=0.3),
            **(rerank_cfg or {})
        }
        unknown = set(rerank_cfg) - set(_RERANK_KEYS)
        if unknown:
            raise ValueError(f'Unknown rerank_cfg keys {sorted(unknown)}; '
                             f'allowed: {_RERANK_KEYS}.')
        if rerank_cfg.get('mode', 'exact') not in ('exact', 'knn'):
            raise ValueError("rerank_cfg['mode'] must be 'exact' or 'knn', "
                             f"got {rerank_cfg['mode']!r}.")
        if 'backend' in rerank_cfg and rerank_cfg.get('mode') != 'knn':
            raise ValueError("rerank_cfg['backend'] needs mode='knn'.")
        self.metric = metric
        self.topk = tuple(int(k) for k in topk)
        self.ap_mode = ap_mode
        self.protocol_cfg = dict(
            protocol=protocol, num_repeats=int(num_repeats), seed=int(seed))
        self.rerank = rerank
        self.rerank_cfg = rerank_cfg
        self.device = resolve_device(device)

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep the feature, pid, camid and is_query of each sample.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict | ReIDDataSample]): Model outputs,
                each with ``pred_feature`` and the metainfo ``pid``,
                ``camid`` and ``is_query``.
        """
        for sample in data_samples:
            if isinstance(sample, BaseDataElement):
                sample = sample.to_dict()
            missing = [
                key for key in ('pred_feature', 'pid', 'camid', 'is_query')
                if key not in sample
            ]
            if missing:
                raise KeyError(
                    f'ReIDMetric needs {missing} in every data sample; '
                    'pred_feature is set by the model\'s predict and the '
                    'others by PackReIDInputs.')
            feature = torch.as_tensor(sample['pred_feature']).detach()
            self.results.append(
                dict(
                    feature=feature.reshape(-1).cpu(),
                    pid=int(sample['pid']),
                    camid=int(sample['camid']),
                    is_query=bool(sample['is_query'])))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Rank the gallery for every query and compute the metrics.

        Args:
            results (list[dict]): What :meth:`process` kept, from all ranks.

        Returns:
            dict[str, float]: ``mAP``, ``mINP`` and ``R{k}``, in percent.
        """
        is_query = np.array([r['is_query'] for r in results], dtype=bool)
        if not is_query.any() or is_query.all():
            kind = 'query' if not is_query.any() else 'gallery'
            raise ValueError(
                f'ReIDMetric got {len(results)} samples and no {kind} '
                'sample. The test dataloader must hold both subsets, e.g. '
                'ConcatDataset of the query and gallery datasets, with '
                "is_query set by PackReIDInputs from subset='query'.")
        feats = torch.stack([r['feature'] for r in results]).float().to(
            self.device)
        pids = np.array([r['pid'] for r in results], dtype=np.int64)
        camids = np.array([r['camid'] for r in results], dtype=np.int64)
        q_feats, g_feats = feats[is_query], feats[~is_query]
        ids = (pids[is_query], pids[~is_query], camids[is_query],
               camids[~is_query])
        max_rank = max(self.topk)
        if self.rerank:
            cmc, mean_ap, mean_inp = evaluate_rank(
                self._reranked_distance(q_feats, g_feats),
                *ids,
                max_rank=max_rank,
                ap_mode=self.ap_mode,
                **self.protocol_cfg)
        else:
            cmc, mean_ap, mean_inp = evaluate_rank_from_features(
                q_feats,
                g_feats,
                *ids,
                metric=self.metric,
                max_rank=max_rank,
                ap_mode=self.ap_mode,
                **self.protocol_cfg)
        metrics = dict(mAP=100 * mean_ap, mINP=100 * mean_inp)
        for k in self.topk:
            metrics[f'R{k}'] = 100 * float(cmc[k - 1])
        return metrics

    def _reranked_distance(self, q_feats: torch.Tensor,
                           g_feats: torch.Tensor) -> np.ndarray:
        """Re-ranked query x gallery distances."""
        cfg = dict(self.rerank_cfg)
        if cfg.pop('mode', 'exact') == 'knn':
            return re_ranking_knn(q_feats, g_feats, metric=self.metric, **cfg)

        def dist(x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
            if self.metric == 'cosine':
                # re_ranking squares its input: pass sqrt(1 - cos).
                return pairwise_distance(
                    x, y, 'cosine').clamp_(min=0).sqrt_().cpu().numpy()
            return pairwise_distance(x, y, 'euclidean').cpu().numpy()

        return re_ranking(
            dist(q_feats, g_feats),
            dist(q_feats, q_feats),
            dist(g_feats, g_feats),
            device=self.device,
            **cfg)
