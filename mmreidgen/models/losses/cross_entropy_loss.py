"""Cross-entropy with label smoothing and soft targets."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmreidgen.registry import MODELS


def check_class_indices(target: torch.Tensor, num_classes: int, what: str,
                        hint: str) -> None:
    """Raise if a class index of ``target`` lies outside [0, C).

    Args:
        target (torch.Tensor): ``B`` class indices.
        num_classes (int): ``C``, the classifier's width.
        what (str): How the message names the labels.
        hint (str): The likely cause, appended to the message.
    """
    if target.numel() and (target.min() < 0 or target.max() >= num_classes):
        raise ValueError(
            f'{what} must be in [0, {num_classes}), got '
            f'[{int(target.min())}, {int(target.max())}]; {hint}')


@MODELS.register_module()
class CrossEntropyLoss(nn.Module):
    """Cross-entropy with optional label smoothing (Szegedy et al., 2016).

    ``target`` is either class indices (``B``) or a probability matrix
    (``BxC``, soft targets, used as given). With smoothing ``eps`` the hard
    target becomes ``(1 - eps) * one_hot + eps / C``.

    Args:
        label_smooth (float): Smoothing ``eps`` in [0, 1). Defaults to 0.
        loss_weight (float): Defaults to 1.0.
    """

    def __init__(self, label_smooth: float = 0.0, loss_weight: float = 1.0):
        super().__init__()
        if not 0 <= label_smooth < 1:
            raise ValueError(
                f'label_smooth must be in [0, 1), got {label_smooth}')
        self.label_smooth = label_smooth
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        if target.dim() == 1:
            check_class_indices(
                target, logits.size(1), 'labels',
                'does num_classes in the config match the dataset?')
            loss = F.cross_entropy(
                logits, target, label_smoothing=self.label_smooth)
        else:
            loss = -(target * F.log_softmax(logits, dim=1)).sum(1).mean()
        return self.loss_weight * loss
