"""DG-Net's appearance encoder E_a, shared by generation and re-id."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmreidgen.registry import MODELS


class DGNetClassBlock(nn.Module):
    """One re-id head of E_a: Linear -> BN1d -> Dropout -> Linear.

    There is no ReLU. The bottleneck linear is Kaiming-normal (fan-out)
    with bias 0, the BN keeps PyTorch's default init and the classifier is
    N(0, 0.001) with bias 0, as in the reference.

    Args:
        in_features (int): Pooled backbone channels (2048 for ResNet-50).
        num_classes (int): Training identities.
        feat_dim (int): Embedding width. Defaults to 512.
        dropout (float): Dropout before the classifier. Defaults to 0.5.
    """

    def __init__(self,
                 in_features: int,
                 num_classes: int,
                 feat_dim: int = 512,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.bottleneck = nn.Linear(in_features, feat_dim)
        self.bn = nn.BatchNorm1d(feat_dim)
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(feat_dim, num_classes)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_normal_(self.bottleneck.weight, mode='fan_out')
        nn.init.zeros_(self.bottleneck.bias)
        nn.init.normal_(self.classifier.weight, std=0.001)
        nn.init.zeros_(self.classifier.bias)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The test-time feature: the BN output before dropout."""
        return self.bn(self.bottleneck(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.dropout(self.embed(x)))


@MODELS.register_module()
class DGNetAppearanceEncoder(BaseModule):
    """Appearance encoder E_a of DG-Net (Zheng et al., CVPR 2019).

    ``E_a: x_i -> a_i`` (Sec. 3.1) is also the re-id backbone of the
    discriminative module (Sec. 3.2, Fig. 2(d)). Sec. 4.1 (i): a ResNet-50
    (last stride 1, so 2048x16x8 for a 256x128 image) whose global pooling
    and fc are replaced by an adaptive max pooling to ``2048 x 4 x 1``,
    the appearance code ``a`` (8192-d, channel-major: index = c * 4 +
    stripe). Two heads map the global max pool (2048-d) to ``f_prim``
    (dropout 0.5, trained by Eqs. (3), (6), (8)) and ``f_fine`` (dropout
    0.75, Eq. (9)), both 512-d.

    Args:
        backbone (dict): Backbone config; its last output is used, e.g.
            ``dict(type='mmpretrain.ResNet', depth=50, strides=(1, 2, 2,
            1), out_indices=(3, ))``.
        in_channels (int): Channels of the backbone's last map. Defaults
            to 2048.
        num_classes (int): Training identities.
        num_stripes (int): Horizontal stripes of the code. Defaults to 4.
        feat_dim (int): Width of ``f_prim`` and ``f_fine``. Defaults to 512.
        dropout_prim (float): Defaults to 0.5.
        dropout_fine (float): Defaults to 0.75.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 num_classes: int,
                 in_channels: int = 2048,
                 num_stripes: int = 4,
                 feat_dim: int = 512,
                 dropout_prim: float = 0.5,
                 dropout_fine: float = 0.75,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_classes <= 0:
            raise ValueError(f'num_classes must be > 0, got {num_classes}')
        self.backbone = MODELS.build(backbone)
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.num_stripes = num_stripes
        self.feat_dim = feat_dim
        self.code_dim = in_channels * num_stripes
        self.head_prim = DGNetClassBlock(in_channels, num_classes, feat_dim,
                                         dropout_prim)
        self.head_fine = DGNetClassBlock(in_channels, num_classes, feat_dim,
                                         dropout_fine)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """The backbone's last feature map."""
        feats = self.backbone(x)
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        if feats.size(1) != self.in_channels:
            raise ValueError(
                f'the backbone gives {feats.size(1)} channels but '
                f'in_channels={self.in_channels}; set in_channels to match')
        return feats

    def code(self, feat_map: torch.Tensor) -> torch.Tensor:
        """The code: stripe max pooling, flattened channel-major."""
        pooled = F.adaptive_max_pool2d(feat_map, (self.num_stripes, 1))
        return pooled.flatten(1)

    def forward(
        self, x: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return ``(code, logits_prim, logits_fine)``.

        ``code`` is ``B x code_dim``; the logits are ``B x num_classes``.
        """
        feat_map = self.feature_map(x)
        pooled = F.adaptive_max_pool2d(feat_map, 1).flatten(1)
        return (self.code(feat_map), self.head_prim(pooled),
                self.head_fine(pooled))

    def embed(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """The test-time ``(f_prim, f_fine)``, each ``B x feat_dim``."""
        pooled = F.adaptive_max_pool2d(self.feature_map(x), 1).flatten(1)
        return self.head_prim.embed(pooled), self.head_fine.embed(pooled)
