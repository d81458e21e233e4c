"""The cluster-level memory and contrastive loss of Cluster Contrast."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmreidgen.registry import MODELS


@MODELS.register_module()
class ClusterMemoryLoss(nn.Module):
    """Contrastive loss of queries against momentum-updated cluster centroids.

    Dai et al., "Cluster Contrast for Unsupervised Person
    Re-Identification" (2021), Sec. 3.2-3.3. The memory holds one unit
    vector ``phi_k`` per pseudo-label cluster, initialised with the mean of
    the cluster's features (:meth:`reset`, e.g. from
    :func:`~mmreidgen.evaluation.functional.pseudo_labels.
    cluster_centroids`). For an L2-normalised query ``q`` of cluster
    ``k+`` the loss is the InfoNCE of Eq. (2)::

        L_q = -log( exp(q . phi_{k+} / tau) / sum_k exp(q . phi_k / tau) )

    averaged over the batch and times ``loss_weight``. After the gradient
    step, :meth:`update` moves each query's centroid (Eq. (3)), one query
    after another in batch order::

        phi_k <- m * phi_k + (1 - m) * q,   phi_k <- phi_k / |phi_k|

    Args:
        momentum (float): ``m`` of Eq. (3), the share of the old centroid
            that stays. Defaults to 0.1 (Cluster Contrast, Sec. 4.2).
        temperature (float): ``tau`` of Eq. (2). Defaults to 0.05
            (Cluster Contrast, Sec. 4.2).
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self,
                 momentum: float = 0.1,
                 temperature: float = 0.05,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not 0 <= momentum <= 1:
            raise ValueError(f'momentum must be in [0, 1], got {momentum}.')
        if not temperature > 0:
            raise ValueError(
                f'temperature must be positive, got {temperature}.')
        self.momentum = float(momentum)
        self.temperature = float(temperature)
        self.loss_weight = float(loss_weight)
        self.register_buffer('centroids', torch.zeros(0, 0))

    @property
    def num_clusters(self) -> int:
        return int(self.centroids.shape[0])

    @torch.no_grad()
    def reset(self, centroids: torch.Tensor) -> None:
        """Start a new memory: one row per cluster, L2-normalised."""
        if centroids.dim() != 2 or len(centroids) == 0:
            raise ValueError('centroids must be a non-empty C x D matrix, '
                             f'got shape {tuple(centroids.shape)}.')
        self.centroids = F.normalize(centroids.detach().float().clone(),
                                     dim=1).to(self.centroids.device)

    def forward(self, feats: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        """The loss of Eq. (2) for ``B x D`` features and ``B`` labels."""
        if self.num_clusters == 0:
            raise RuntimeError('ClusterMemoryLoss has no cluster yet; call '
                               'reset(centroids) first.')
        if labels.min() < 0 or labels.max() >= self.num_clusters:
            raise ValueError(
                f'labels must be in [0, {self.num_clusters}), got '
                f'[{int(labels.min())}, {int(labels.max())}].')
        queries = F.normalize(feats.float(), dim=1)
        logits = queries @ self.centroids.t() / self.temperature
        return F.cross_entropy(logits, labels) * self.loss_weight

    @torch.no_grad()
    def update(self, feats: torch.Tensor, labels: torch.Tensor) -> None:
        """Eq. (3) for each query of the batch, in order."""
        queries = F.normalize(feats.detach().float(), dim=1)
        for query, label in zip(queries, labels.tolist()):
            moved = self.momentum * self.centroids[label] + (
                1 - self.momentum) * query
            self.centroids[label] = moved / moved.norm().clamp(min=1e-12)
