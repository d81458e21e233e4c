"""The context loss of CR-GAN.

CR-GAN's identity and camera losses (Eqs. (7) and (5)) are cross-entropies
with the source id and the target camera: :class:`CrossEntropyLoss` built
with ``loss_weight`` = lambda; the adversarial loss is :class:`LSGANLoss`.
"""
from typing import Optional

import torch
import torch.nn as nn

from mmreidgen.registry import MODELS


@MODELS.register_module()
class CRGANContextLoss(nn.Module):
    """Masked reconstruction ``L_con`` (Eq. (6) of CR-GAN).

    ``||(X_G - X_S) * M_F||^2 + ||(X_G - X_T) * M_B||^2``: the foreground
    of ``X_S`` (``M_F = M_S``) is kept and the background
    (``M_B = 1 - M_S``) is taken from ``X_T``. Each squared norm is divided
    by the number of image elements (a masked mean squared error), so the
    loss does not grow with the image size and a larger person weighs more,
    as in the squared norm.

    Args:
        loss_weight (float): ``lambda_con``. Defaults to 1.0.
        ignore_target_person (bool): Leave out of the background term the
            pixels where the target's own person is (``M_T``), which
            ``G`` never sees (Eq. (2) masks them); the paper does not.
            Defaults to False.
    """

    def __init__(self, loss_weight: float = 1.0,
                 ignore_target_person: bool = False) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.ignore_target_person = ignore_target_person

    def forward(self,
                fake: torch.Tensor,
                source: torch.Tensor,
                target: torch.Tensor,
                source_mask: torch.Tensor,
                target_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute Eq. (6).

        Args:
            fake (torch.Tensor): ``X_G``, ``BxCxHxW``.
            source (torch.Tensor): ``X_S``.
            target (torch.Tensor): ``X_T``.
            source_mask (torch.Tensor): ``M_S``, ``Bx1xHxW`` in [0, 1].
            target_mask (torch.Tensor, optional): ``M_T``; needed only with
                ``ignore_target_person``.

        Returns:
            torch.Tensor: The weighted scalar loss.
        """
        if source_mask.shape[-2:] != fake.shape[-2:]:
            raise ValueError(
                f'source_mask of size {tuple(source_mask.shape[-2:])} does '
                f'not match the images ({tuple(fake.shape[-2:])}); resize '
                'masks with the images (ReIDResize does).')
        background = 1 - source_mask
        if self.ignore_target_person:
            if target_mask is None:
                raise ValueError(
                    'CRGANContextLoss(ignore_target_person=True) needs '
                    'target_mask.')
            background = background * (1 - target_mask)
        loss = ((fake - source) * source_mask).pow(2).mean() + \
            ((fake - target) * background).pow(2).mean()
        return self.loss_weight * loss
