"""Least-squares GAN loss."""
import torch
import torch.nn as nn

from mmreidgen.registry import MODELS


@MODELS.register_module()
class LSGANLoss(nn.Module):
    """Least-squares adversarial loss (Mao et al., ICCV 2017).

    CR-GAN's adversarial loss ``L_adv`` (Eq. (4) of CR-GAN, written with
    logs in the paper) in the LSGAN form the paper trains with (Sec. 4.1):
    the discriminator minimises ``0.5 * [(D(x_T) - 1)^2 + D(x_G)^2]``
    (two calls, one per term, each weighted 0.5) and the generator
    ``(D(x_G) - 1)^2``, averaged over patches and the batch.

    Args:
        loss_weight (float): ``lambda_adv``; applied to generator terms
            only, as discriminator terms are never mixed with others.
            Defaults to 1.0.
        real_label (float): Target of real samples. Defaults to 1.0.
        fake_label (float): Target of fake samples. Defaults to 0.0.
    """

    def __init__(self, loss_weight: float = 1.0, real_label: float = 1.0,
                 fake_label: float = 0.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.real_label = real_label
        self.fake_label = fake_label

    def forward(self, pred: torch.Tensor, target_is_real: bool,
                is_disc: bool = False) -> torch.Tensor:
        """Squared distance of ``pred`` to the real or fake label.

        Args:
            pred (torch.Tensor): Discriminator output (any shape).
            target_is_real (bool): Compare with the real label.
            is_disc (bool): A discriminator term: weighted 0.5 instead of
                ``loss_weight``. Defaults to False.

        Returns:
            torch.Tensor: The scalar loss.
        """
        label = self.real_label if target_is_real else self.fake_label
        loss = (pred - label).pow(2).mean()
        return 0.5 * loss if is_disc else self.loss_weight * loss
