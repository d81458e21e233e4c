"""Soft-label losses: LSR, LSRO and the sparse label smoothing of SLSR."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmreidgen.registry import MODELS

from .cross_entropy_loss import check_class_indices


@MODELS.register_module()
class SoftLabelLoss(nn.Module):
    """Cross-entropy (or KL divergence) against a target distribution.

    ``loss_i = -sum_k q_ik log p_ik`` with ``p = softmax(logits)``, averaged
    over the batch (``mode='ce'``); ``mode='kl'`` subtracts the entropy of
    ``q`` (a constant of the targets, so the gradients are equal). The
    target distribution ``q`` of a row is

    - for a hard label ``y``: label smoothing regularisation LSR(eps)
      (Eq. (8) of Ainam et al., 2019, after Szegedy et al., 2016):
      ``(1 - eps) * one_hot(y) + eps / K``;
    - for a soft row (``target`` is ``B x K``): the row as given, e.g. the
      sparse label ``q_c`` of SLSR (Eq. (10)-(12)) or the uniform ``1 / K``
      of LSRO.

    It is the loss engine of :class:`SLSRLoss` and :class:`LSROLoss`,
    which only decide the target of generated images (see
    :meth:`target_distribution`).

    Args:
        label_smooth (float): LSR ``eps`` in [0, 1] for hard labels
            (``eps = 1`` is the uniform distribution). Defaults to 0.
        mode (str): ``'ce'`` (cross-entropy) or ``'kl'`` (KL divergence
            ``KL(q || p)``). Defaults to ``'ce'``.
        loss_weight (float): Defaults to 1.0.
        generated_weight (float): Weight of each generated image's term
            (the batch mean still divides by the whole batch, so the real
            images' terms are those of the full loss). 0 keeps generated
            images in the batch (its batch-norm statistics) with no loss:
            the control that isolates their labels. Defaults to 1.0.
        noise_layer (dict, optional): A module mapping log-probabilities
            to log-probabilities (:class:`SLSRNoiseAdaptation`), applied
            to the generated images' outputs before the loss: the extra
            noise layer of SLSR. Its parameters train with the network.
            Defaults to None (none).
    """

    # ReIDHead passes ``is_generated`` to losses that declare this.
    takes_generated = True
    # True where the targets of generated images are not used.
    ignores_generated_targets = False

    def __init__(self,
                 label_smooth: float = 0.0,
                 mode: str = 'ce',
                 loss_weight: float = 1.0,
                 generated_weight: float = 1.0,
                 noise_layer: Optional[dict] = None) -> None:
        super().__init__()
        if not 0 <= label_smooth <= 1:
            raise ValueError(
                f'label_smooth must be in [0, 1], got {label_smooth}')
        if mode not in ('ce', 'kl'):
            raise ValueError(f"mode must be 'ce' or 'kl', got {mode!r}")
        if generated_weight < 0:
            raise ValueError(
                f'generated_weight must be >= 0, got {generated_weight}')
        self.label_smooth = label_smooth
        self.mode = mode
        self.loss_weight = loss_weight
        self.generated_weight = generated_weight
        self.noise_layer = MODELS.build(noise_layer) \
            if noise_layer is not None else None

    def _check(self, logits: torch.Tensor, target: torch.Tensor,
               is_generated: Optional[torch.Tensor]) -> None:
        num_classes = logits.size(1)
        if is_generated is not None and tuple(is_generated.shape) != (
                logits.size(0), ):
            raise ValueError(
                f'is_generated must have shape ({logits.size(0)},), got '
                f'{tuple(is_generated.shape)}')
        if target.dim() == 1:
            if self.ignores_generated_targets and is_generated is not None:
                # The targets of generated images are replaced anyway.
                target = target[~is_generated.bool()]
            check_class_indices(
                target, num_classes, 'hard labels',
                'generated images (label -1) need a soft target (B x K).')
        elif target.shape != logits.shape:
            raise ValueError(
                f'soft targets must have the logits\' shape '
                f'{tuple(logits.shape)}, got {tuple(target.shape)}; does '
                'num_classes in the config match the label file?')

    def hard_distribution(self, labels: torch.Tensor,
                          num_classes: int) -> torch.Tensor:
        """LSR(eps) targets of hard labels, Eq. (8).

        Args:
            labels (torch.Tensor): ``B`` class indices.
            num_classes (int): ``K``.

        Returns:
            torch.Tensor: ``B x K`` distributions.
        """
        one_hot = F.one_hot(labels, num_classes).float()
        eps = self.label_smooth
        return (1 - eps) * one_hot + eps / num_classes

    def target_distribution(
            self,
            logits: torch.Tensor,
            target: torch.Tensor,
            is_generated: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The ``B x K`` distribution ``q`` the logits are fitted to.

        Args:
            logits (torch.Tensor): ``B x K``.
            target (torch.Tensor): ``B`` hard labels or ``B x K`` soft
                targets (real images one-hot, generated images their own
                distribution).
            is_generated (torch.Tensor, optional): ``B`` bools marking
                generated images; unused here. Defaults to None.

        Returns:
            torch.Tensor: ``B x K`` target distributions.
        """
        if target.dim() == 1:
            return self.hard_distribution(target, logits.size(1))
        return target.float()

    def forward(self,
                logits: torch.Tensor,
                target: torch.Tensor,
                is_generated: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Compute the loss.

        Args:
            logits (torch.Tensor): ``B x K`` classifier outputs.
            target (torch.Tensor): ``B`` hard labels or ``B x K`` soft
                targets.
            is_generated (torch.Tensor, optional): ``B`` bools marking
                generated images (``gt_label == -1``). Defaults to None
                (no generated image).

        Returns:
            torch.Tensor: The scalar loss.
        """
        self._check(logits, target, is_generated)
        if logits.size(0) == 0:
            return logits.sum() * 0
        q = self.target_distribution(logits, target, is_generated).to(
            logits.dtype)
        log_p = F.log_softmax(logits, dim=1)
        gen = None if is_generated is None else is_generated.bool()
        if self.noise_layer is not None and gen is not None and gen.any():
            log_p = torch.where(gen[:, None], self.noise_layer(log_p),
                                log_p)
        loss = -(q * log_p).sum(1)
        if self.mode == 'kl':
            loss = loss + torch.special.xlogy(q, q).sum(1)
        if self.generated_weight != 1.0 and gen is not None:
            loss = torch.where(gen, loss * self.generated_weight, loss)
        return self.loss_weight * loss.mean()


@MODELS.register_module()
class SLSRLoss(SoftLabelLoss):
    """Sparse label smoothing regularisation, Eq. (13) of Ainam et al.

    "Sparse Label Smoothing for Semi-supervised Person Re-Identification"
    (IEEE Access 2019)::

        L_SLSR = -(1 - lam) log p(y | x) - lam sum_k q_c[k] log p(k | x)

    with ``lam = 0`` for real images (cross-entropy with the identity ``y``,
    Eq. (6); LSR(eps) when ``label_smooth > 0``) and ``lam = 1`` for an
    image generated from cluster ``c`` (Eq. (12)): the cross-entropy
    against its sparse label ``q_c[k] = 1 / |S_c|`` for the identities
    ``S_c`` having a real image in cluster ``c`` and 0 otherwise.

    The authors' released loss drops ``q_c`` and uses the uniform
    ``1 / K`` over all classes for every generated image; that is
    :class:`LSROLoss`.

    ``target`` is ``B x K``: one-hot rows for real images and ``q_c`` for
    generated ones (``ReIDBaseline`` builds it from the data samples'
    ``soft_label``), or ``B`` hard labels for a batch of real images only.
    ``is_generated`` is optional here since the targets already hold
    everything; when given, generated rows must be probability vectors.

    Args:
        label_smooth (float): LSR ``eps`` for real images. Defaults to 0.
        mode (str): ``'ce'`` or ``'kl'``. Defaults to ``'ce'``.
        loss_weight (float): Defaults to 1.0.
        generated_weight (float): See :class:`SoftLabelLoss`. Defaults to
            1.0.
        noise_layer (dict, optional): The extra noise layer of Sec. 4.3
            (:class:`SLSRNoiseAdaptation`), on generated images only. See
            :class:`SoftLabelLoss`. Defaults to None.
    """

    def target_distribution(
            self,
            logits: torch.Tensor,
            target: torch.Tensor,
            is_generated: Optional[torch.Tensor] = None) -> torch.Tensor:
        if target.dim() == 1:
            return self.hard_distribution(target, logits.size(1))
        target = target.float()
        if is_generated is None:
            return target
        gen = is_generated.bool()
        sums = target[gen].sum(1)
        if not torch.allclose(sums, torch.ones_like(sums), atol=1e-4):
            raise ValueError(
                'SLSRLoss: the sparse labels of generated images must sum '
                f'to 1, got row sums {sums.tolist()[:4]}; check the label '
                'file written by the generation step.')
        if self.label_smooth > 0 and (~gen).any():
            # LSR(eps) on the one-hot rows of real images.
            real = target[~gen]
            target = target.clone()
            target[~gen] = ((1 - self.label_smooth) * real +
                            self.label_smooth / logits.size(1))
        return target


@MODELS.register_module()
class LSROLoss(SoftLabelLoss):
    """Label smoothing regularisation for outliers (Zheng et al., 2017).

    Eq. (13) of Ainam et al. with the uniform distribution in place of the
    sparse label, i.e. ``L_LSR(eps=1)`` on generated images::

        L_LSRO = -(1 - lam) log p(y | x) - lam / K sum_k log p(k | x)

    This is the loss that the released SLS_ReID code computes (it ignores
    the sparse targets); kept for comparison with :class:`SLSRLoss`. Rows
    with ``is_generated`` get ``1 / K`` whatever their target; the other
    rows are cross-entropy with their (one-hot) target.

    Args:
        label_smooth (float): LSR ``eps`` for real images. Defaults to 0.
        mode (str): ``'ce'`` or ``'kl'``. Defaults to ``'ce'``.
        loss_weight (float): Defaults to 1.0.
    """

    ignores_generated_targets = True

    def target_distribution(
            self,
            logits: torch.Tensor,
            target: torch.Tensor,
            is_generated: Optional[torch.Tensor] = None) -> torch.Tensor:
        num_classes = logits.size(1)
        if is_generated is None:
            is_generated = torch.zeros(
                logits.size(0), dtype=torch.bool, device=logits.device)
        gen = is_generated.bool()
        if target.dim() == 1:
            # Generated images may carry the label -1 here.
            labels = target.clamp(min=0)
            q = self.hard_distribution(labels, num_classes)
        else:
            q = target.float().clone()
            if self.label_smooth > 0:
                q = (1 - self.label_smooth) * q + \
                    self.label_smooth / num_classes
        q[gen] = 1.0 / num_classes
        return q
