"""The extra noise layer of SLSR: a linear layer on the softmax output."""
import math

import torch
import torch.nn as nn

from mmreidgen.registry import MODELS


@MODELS.register_module()
class SLSRNoiseAdaptation(nn.Module):
    """A learned ``K x K`` transition applied to the softmax of the logits.

    Sec. 3.3 and 4.3 of Ainam et al., "Sparse Label Smoothing for
    Semi-supervised Person Re-Identification" (IEEE Access 2019): an extra
    linear layer on top of the softmax adapts the network's outputs to the
    noisy label distribution of the generated images, its parameters
    learned with the network. The paper does not give its form beyond
    that; here it is the noise adaptation layer of Sukhbaatar et al.
    (ICLR 2015 workshop), ``p_noisy = p Q``, with ``Q`` kept a stochastic
    matrix (each row a distribution) so that ``p_noisy`` stays a
    distribution and its logarithm is defined: ``Q = softmax(W)`` row-wise,
    ``W`` initialised so that ``Q`` starts at ``init_diagonal`` on the
    diagonal and the rest spread evenly (near the identity: the layer
    starts by changing nothing).

    :meth:`forward` maps log-probabilities to log-probabilities, computed
    in the log domain (``logsumexp``) for stability.

    Args:
        num_classes (int): ``K``.
        init_diagonal (float): ``Q[k, k]`` at the start, in ``(1 / K, 1)``.
            Defaults to 0.99.
    """

    def __init__(self, num_classes: int,
                 init_diagonal: float = 0.99) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(
                f'num_classes must be at least 2, got {num_classes}')
        if not 1.0 / num_classes < init_diagonal < 1.0:
            raise ValueError(
                f'init_diagonal must be in (1 / K, 1) = '
                f'({1.0 / num_classes:.4g}, 1), got {init_diagonal}')
        self.num_classes = num_classes
        off = (1.0 - init_diagonal) / (num_classes - 1)
        weight = torch.zeros(num_classes, num_classes)
        weight.fill_diagonal_(math.log(init_diagonal / off))
        self.weight = nn.Parameter(weight)

    def transition(self) -> torch.Tensor:
        """``Q``: ``K x K``, rows summing to 1."""
        return torch.softmax(self.weight, dim=1)

    def forward(self, log_probs: torch.Tensor) -> torch.Tensor:
        """``log(p Q)`` of ``B x K`` log-probabilities ``log p``."""
        if log_probs.dim() != 2 or log_probs.size(1) != self.num_classes:
            raise ValueError(
                f'log_probs must be B x {self.num_classes}, got '
                f'{tuple(log_probs.shape)}')
        log_q = torch.log_softmax(self.weight, dim=1).to(log_probs.dtype)
        return torch.logsumexp(log_probs[:, :, None] + log_q[None], dim=1)
