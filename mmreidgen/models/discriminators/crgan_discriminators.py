"""The domain and camera discriminators of CR-GAN.

Chen, Zhu and Gong, "Instance-Guided Context Rendering for Cross-Domain
Person Re-Identification", ICCV 2019: Sec. 3.2 and 4.1, supplementary
Tables 9 and 10. The identity discriminator ``D_id`` is the re-id model
itself (:class:`mmreidgen.models.ReIDBaseline`).
"""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmreidgen.registry import MODELS


class GaussianNoise(nn.Module):
    """Additive Gaussian noise, active in training mode only.

    Args:
        std (float): Standard deviation. Defaults to 0.1.
    """

    def __init__(self, std: float = 0.1) -> None:
        super().__init__()
        if std < 0:
            raise ValueError(f'noise std must be >= 0, got {std}')
        self.std = std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and self.std > 0:
            return x + self.std * torch.randn_like(x)
        return x


@MODELS.register_module()
class CRGANDomainDiscriminator(BaseModule):
    """Domain discriminator ``D_d`` of Eq. (4) of CR-GAN (Table 9).

    A PatchGAN (Isola et al., 2017): additive Gaussian noise
    ``N(0, 0.1)`` as the input layer (Sec. 4.1, for stability), then
    4x4 convs with 128, 256, 512, 512 filters (strides 2, 2, 1, 1; instance
    norm from the second on; LeakyReLU 0.2) and a 4x4 conv to one score
    per patch, regressed to real = 1, fake = 0 by the LSGAN objective
    (:class:`LSGANLoss`, Sec. 4.1).

    Table 9 lists a sigmoid after the last conv. With the least-squares
    loss a sigmoid saturates as soon as ``D_d`` wins (it does within a few
    hundred iterations, because the kept source person gives renderings
    away) and the generator's adversarial gradient vanishes; the PatchGAN
    code the architecture comes from (pix2pix/CycleGAN) drops the sigmoid
    under LSGAN. The default is therefore a linear output;
    ``output_act='sigmoid'`` gives Table 9 literally (measured in
    configs/crgan/README.md).

    Args:
        in_channels (int): Image channels. Defaults to 3.
        base_channels (int): Width of the first conv (128 in Table 9); the
            others are 2x, 4x, 4x it. Defaults to 128.
        noise_std (float): Std of the input noise. Defaults to 0.1.
        output_act (str, optional): None (linear scores, LSGAN) or
            ``'sigmoid'`` (Table 9 as written). Defaults to None.
        init_cfg (dict, optional): Defaults to ``Normal(std=0.02)`` convs.
    """

    def __init__(self,
                 in_channels: int = 3,
                 base_channels: int = 128,
                 noise_std: float = 0.1,
                 output_act: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg or dict(
            type='Normal', layer='Conv2d', std=0.02))
        if output_act not in ('sigmoid', None):
            raise ValueError(
                f"output_act must be 'sigmoid' or None, got {output_act!r}")
        b = base_channels
        # Table 9 lists "P-2" with nominal output sizes H/2, H/4; padding 1
        # (pix2pix's PatchGAN) gives those sizes for the strided layers.
        layers = [
            GaussianNoise(noise_std),
            nn.Conv2d(in_channels, b, 4, 2, 1),
            nn.LeakyReLU(0.2),
        ]
        for in_ch, out_ch, stride in ((b, 2 * b, 2), (2 * b, 4 * b, 1),
                                      (4 * b, 4 * b, 1)):
            layers += [
                nn.Conv2d(in_ch, out_ch, 4, stride, 1),
                nn.InstanceNorm2d(out_ch, affine=True),
                nn.LeakyReLU(0.2),
            ]
        layers.append(nn.Conv2d(4 * b, 1, 4, 1, 1))
        if output_act == 'sigmoid':
            layers.append(nn.Sigmoid())
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Per-patch realness ``Bx1xhxw`` of images in [-1, 1]."""
        return self.model(x)


@MODELS.register_module()
class CRGANCameraDiscriminator(BaseModule):
    """Camera discriminator ``D_cam`` of Eq. (5) of CR-GAN (Table 10).

    The "extremely lightweight CNN classifier with 5 layers": four 4x4
    stride-2 convs (64, 128, 256, 512 filters; batch norm from the second
    on; LeakyReLU 0.2), global average pooling, dropout and a 1x1 conv to
    ``num_classes`` camera logits (the softmax is in the loss).

    Table 10 writes "dropout=0.999"; read as TensorFlow's keep probability,
    that is a drop rate of 0.001, the default here.

    Args:
        num_classes (int): Target-domain cameras.
        in_channels (int): Image channels. Defaults to 3.
        base_channels (int): Width of the first conv. Defaults to 64.
        dropout (float): Drop rate before the classifier.
            Defaults to 0.001.
        init_cfg (dict, optional): Defaults to ``Normal(std=0.02)`` convs.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 dropout: float = 0.001,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg or dict(
            type='Normal', layer='Conv2d', std=0.02))
        if num_classes < 2:
            raise ValueError(
                f'num_classes (target cameras) must be >= 2, got '
                f'{num_classes}')
        if not 0 <= dropout < 1:
            raise ValueError(f'dropout must be in [0, 1), got {dropout}')
        self.num_classes = num_classes
        b = base_channels
        layers = [nn.Conv2d(in_channels, b, 4, 2, 1), nn.LeakyReLU(0.2)]
        for in_ch, out_ch in ((b, 2 * b), (2 * b, 4 * b), (4 * b, 8 * b)):
            layers += [
                nn.Conv2d(in_ch, out_ch, 4, 2, 1),
                nn.BatchNorm2d(out_ch),
                nn.LeakyReLU(0.2),
            ]
        self.features = nn.Sequential(*layers)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Conv2d(8 * b, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Camera logits ``BxC`` of images in [-1, 1]."""
        feat = self.features(x).mean(dim=(2, 3), keepdim=True)
        return self.classifier(self.dropout(feat)).flatten(1)
