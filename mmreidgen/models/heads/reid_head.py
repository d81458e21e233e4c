"""Pooling, BN-neck and identity classifier on top of a backbone."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmreidgen.registry import MODELS


@MODELS.register_module()
class ReIDHead(BaseModule):
    """Global pooling, optional BN-neck (Luo et al., 2019) and classifier.

    Args:
        in_channels (int): Channels of the backbone's last feature map.
        num_classes (int): Training identities.
        pooling (str): 'avg', 'max' or 'avgmax' (their sum). Defaults to
            'avg'.
        bnneck (bool): Batch norm (no bias) between the pooled feature
            and the classifier. Defaults to True.
        dropout (float): Dropout before the classifier. Defaults to 0.
        test_feature (str): 'after_bn' (the BN-neck output) or
            'before_bn'. Defaults to 'after_bn'.
        loss_cls (dict, optional): Classification loss config. Defaults
            to cross-entropy with label smoothing 0.1.
        loss_triplet (dict, optional): Metric loss config, applied to the
            pooled feature. Defaults to None.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 pooling: str = 'avg',
                 bnneck: bool = True,
                 dropout: float = 0.0,
                 test_feature: str = 'after_bn',
                 loss_cls: Optional[dict] = None,
                 loss_triplet: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if pooling not in ('avg', 'max', 'avgmax'):
            raise ValueError(
                f"pooling must be 'avg', 'max' or 'avgmax', got {pooling!r}")
        if test_feature not in ('after_bn', 'before_bn'):
            raise ValueError(
                "test_feature must be 'after_bn' or 'before_bn', got "
                f'{test_feature!r}')
        if num_classes <= 0:
            raise ValueError(f'num_classes must be > 0, got {num_classes}')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.pooling = pooling
        self.test_feature = test_feature if bnneck else 'before_bn'
        self.bnneck = nn.BatchNorm1d(in_channels) if bnneck else None
        if self.bnneck is not None:
            self.bnneck.bias.requires_grad_(False)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(in_channels, num_classes, bias=False)
        nn.init.normal_(self.classifier.weight, std=0.001)
        self.loss_cls = MODELS.build(
            loss_cls or dict(type='CrossEntropyLoss', label_smooth=0.1))
        self.loss_triplet = MODELS.build(loss_triplet) \
            if loss_triplet is not None else None

    def pool(self, feat_map: torch.Tensor) -> torch.Tensor:
        if self.pooling == 'avg':
            return F.adaptive_avg_pool2d(feat_map, 1).flatten(1)
        if self.pooling == 'max':
            return F.adaptive_max_pool2d(feat_map, 1).flatten(1)
        return (F.adaptive_avg_pool2d(feat_map, 1) +
                F.adaptive_max_pool2d(feat_map, 1)).flatten(1)

    def forward(self, feat_map: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return ``(pooled, neck, logits)`` features."""
        pooled = self.pool(feat_map)
        neck = self.bnneck(pooled) if self.bnneck is not None else pooled
        logits = self.classifier(self.dropout(neck))
        return pooled, neck, logits

    def pre_logits(self, feat_map: torch.Tensor) -> torch.Tensor:
        """The test-time embedding."""
        pooled = self.pool(feat_map)
        if self.test_feature == 'after_bn':
            return self.bnneck(pooled)
        return pooled

    def loss(self,
             feat_map: torch.Tensor,
             labels: torch.Tensor,
             soft_target: Optional[torch.Tensor] = None
             ) -> Dict[str, torch.Tensor]:
        """Losses; ``soft_target`` (``B x K``) when generated images
        (``labels == -1``, e.g. SLSR's) are in the batch."""
        if soft_target is not None:
            return self._soft_loss(feat_map, labels, soft_target)
        pooled, _, logits = self(feat_map)
        losses = dict(loss_cls=self.loss_cls(logits, labels))
        if self.loss_triplet is not None:
            losses['loss_triplet'] = self.loss_triplet(pooled, labels)
        with torch.no_grad():
            losses['acc'] = (logits.argmax(1) == labels).float().mean()
        return losses

    def _soft_loss(self, feat_map: torch.Tensor, labels: torch.Tensor,
                   soft_target: torch.Tensor) -> Dict[str, torch.Tensor]:
        # Soft-label losses (SoftLabelLoss, SLSRLoss, LSROLoss) also get
        # the mask of generated images; the metric loss and the accuracy
        # use the real images only.
        pooled, _, logits = self(feat_map)
        real = labels >= 0
        if getattr(self.loss_cls, 'takes_generated', False):
            loss_cls = self.loss_cls(logits, soft_target, is_generated=~real)
        else:
            loss_cls = self.loss_cls(logits, soft_target)
        losses = dict(loss_cls=loss_cls)
        if self.loss_triplet is not None:
            losses['loss_triplet'] = self.loss_triplet(pooled[real],
                                                       labels[real])
        if real.any():
            with torch.no_grad():
                losses['acc'] = (logits[real].argmax(1) == labels[real]
                                 ).float().mean()
        return losses
