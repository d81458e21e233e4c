"""The DCGAN discriminator of SLSR."""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmreidgen.registry import MODELS

from ..generators.dcgan_generator import halvable_size


@MODELS.register_module()
class SLSRDCGANDiscriminator(BaseModule):
    """DCGAN discriminator of SLSR (Sec. 4.1 of Ainam et al., 2019).

    ``D(x)`` of the GAN loss, Eq. (3) of "Sparse Label Smoothing for
    Semi-supervised Person Re-Identification". With the default
    arguments::

        image 3x128x128
        Conv 5x5 s2 -> 64x64x64, LeakyReLU(0.2)
        Conv 5x5 s2 -> 128x32x32, BN, LeakyReLU(0.2)
        Conv 5x5 s2 -> 256x16x16, BN, LeakyReLU(0.2)
        Conv 5x5 s2 -> 512x8x8, BN, LeakyReLU(0.2)
        flatten, Linear -> 1 logit (sigmoid in the loss)

    As in DCGAN (and the authors' code), the first convolution has no batch
    norm. :meth:`forward` returns the logit; the sigmoid of the paper is
    applied inside the binary cross-entropy (``BCEWithLogits``), which is
    the same function computed stably. Weights are drawn from
    N(0, 0.02).

    Args:
        input_size (int | tuple[int, int]): Input ``(height, width)``.
            Defaults to 128.
        in_channels (int): Image channels. Defaults to 3.
        base_channels (int): Channels of the first convolution, doubled by
            every following one. Defaults to 64.
        num_downsamples (int): Number of 5x5 stride-2 convolutions.
            Defaults to 4.
        init_cfg (dict, optional): mmengine init config; None uses the
            DCGAN initialisation. Defaults to None.
    """

    def __init__(self,
                 input_size: Union[int, Sequence[int]] = 128,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 num_downsamples: int = 4,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        height, width = halvable_size(input_size, 'input_size',
                                      num_downsamples, 'num_downsamples')
        scale = 2**num_downsamples
        self.input_size = (height, width)
        layers = []
        channels = in_channels
        for i in range(num_downsamples):
            out = base_channels * 2**i
            layers.append(nn.Conv2d(channels, out, 5, stride=2, padding=2))
            if i > 0:
                layers.append(nn.BatchNorm2d(out))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            channels = out
        self.convs = nn.Sequential(*layers)
        self.fc = nn.Linear(channels * (height // scale) * (width // scale),
                            1)
        if init_cfg is None:
            for module in self.modules():
                if isinstance(module, (nn.Conv2d, nn.Linear)):
                    nn.init.normal_(module.weight, 0.0, 0.02)
                    nn.init.zeros_(module.bias)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Score images as real (high) or generated (low).

        Args:
            images (torch.Tensor): ``B x C x H x W`` in [-1, 1].

        Returns:
            torch.Tensor: ``B`` logits (pre-sigmoid).
        """
        if tuple(images.shape[-2:]) != self.input_size:
            raise ValueError(
                f'SLSRDCGANDiscriminator expects {self.input_size} images, '
                f'got {tuple(images.shape[-2:])}; resize them in the '
                'pipeline (ReIDResize) or set input_size.')
        return self.fc(self.convs(images).flatten(1)).squeeze(1)
