"""Losses of DG-Net's generative module (Zheng et al., CVPR 2019)."""
from typing import List

import torch
import torch.nn as nn

from mmreidgen.registry import MODELS


@MODELS.register_module()
class DGNetReconLoss(nn.Module):
    """L1 reconstruction with a detached target, Eqs. (1), (2), (4), (5).

    ``loss_weight * mean(|pred - target|)``. The target is detached, so an
    image or code is pulled towards its reconstruction target and not the
    other way round: Eq. (1) ``|x_i - G(a_i, s_i)|``, Eq. (2) ``|x_i -
    G(a_t, s_i)|`` (same identity), Eq. (4) ``|a_i - E_a(G(a_i, s_j))|``
    and Eq. (5) ``|s_j - E_s(G(a_i, s_j))|``.

    Args:
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        if pred.shape != target.shape:
            raise ValueError(
                f'prediction {tuple(pred.shape)} and target '
                f'{tuple(target.shape)} must have the same shape')
        return self.loss_weight * (pred - target.detach()).abs().mean()


@MODELS.register_module()
class DGNetR1Penalty(nn.Module):
    """R1 gradient penalty on real images (Mescheder et al., ICML 2018).

    The "gradient punishment [30]" of DG-Net's D update (Sec. 4.1 (iv)):
    for each scale ``s``, ``loss_weight * mean_b(sum_{c,h,w}
    (d sum D_s(x) / d x)^2)`` with ``x`` the full-resolution real batch,
    summed over the scales (lambda = 0.01 per scale in the reference).

    Args:
        loss_weight (float): Defaults to 0.01.
    """

    def __init__(self, loss_weight: float = 0.01) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, outputs: List[torch.Tensor],
                real: torch.Tensor) -> torch.Tensor:
        """Penalty of ``outputs = D(real)``.

        ``real`` must require grad and ``outputs`` be computed from it.
        """
        if not real.requires_grad:
            raise ValueError(
                'DGNetR1Penalty needs the real batch with requires_grad=True'
                ' before it goes through the discriminator.')
        if isinstance(outputs, torch.Tensor):
            outputs = [outputs]
        penalty = real.new_zeros(())
        for out in outputs:
            (grad, ) = torch.autograd.grad(
                out.sum(), real, create_graph=True, retain_graph=True)
            penalty = penalty + grad.pow(2).flatten(1).sum(1).mean()
        return self.loss_weight * penalty
