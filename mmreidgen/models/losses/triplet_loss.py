"""Batch-hard triplet loss (Hermans et al., 2017)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmreidgen.registry import MODELS


@MODELS.register_module()
class TripletLoss(nn.Module):
    """Batch-hard triplet loss with a margin.

    For each anchor, the hardest positive (largest distance, same label)
    and hardest negative (smallest distance, other label) in the batch give
    ``max(0, d_ap - d_an + margin)``. Needs a P x K sampler
    (``IdentityBalancedSampler``).

    Args:
        margin (float): Defaults to 0.3.
        normalize (bool): L2-normalise features first. Defaults to False.
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self,
                 margin: float = 0.3,
                 normalize: bool = False,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.margin = margin
        self.normalize = normalize
        self.loss_weight = loss_weight

    def forward(self, feats: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        if self.normalize:
            feats = F.normalize(feats, dim=1)
        dist = torch.cdist(feats, feats).clamp(min=1e-12)
        same = labels[:, None] == labels[None, :]
        d_ap = (dist * same).max(dim=1).values
        d_an = dist.masked_fill(same, float('inf')).min(dim=1).values
        valid = torch.isfinite(d_an)
        if not valid.any():
            return feats.sum() * 0
        loss = F.relu(d_ap[valid] - d_an[valid] + self.margin).mean()
        return self.loss_weight * loss
