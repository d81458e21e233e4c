"""The DCGAN generator of SLSR (one generator per k-means cluster)."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmreidgen.registry import MODELS


def halvable_size(size: Union[int, Sequence[int]], name: str,
                  num_halvings: int, halvings_name: str) -> Tuple[int, int]:
    """``(height, width)`` of an int or a pair that ``num_halvings`` (at
    least 1) stride-2 layers halve exactly; ``name`` and ``halvings_name``
    name the two arguments in the errors."""
    if isinstance(size, int):
        height, width = size, size
    elif len(size) != 2:
        raise ValueError(f'{name} must be an int or (height, width), got '
                         f'{size!r}')
    else:
        height, width = int(size[0]), int(size[1])
    scale = 2**num_halvings
    if num_halvings < 1 or height % scale or width % scale:
        raise ValueError(
            f'{name} {(height, width)} must be divisible by '
            f'2**{halvings_name} = {scale} ({halvings_name}={num_halvings}'
            f' >= 1); change {name} or {halvings_name}.')
    return height, width


@MODELS.register_module()
class SLSRDCGANGenerator(BaseModule):
    """DCGAN generator of SLSR (Sec. 4.1 of Ainam et al., 2019).

    ``G(z)`` of the GAN loss, Eq. (3) of "Sparse Label Smoothing for
    Semi-supervised Person Re-Identification". The layer list of the paper
    (and of DCGAN, Radford et al., 2016) with the default arguments::

        z ~ U(-1, 1)^100
        Linear 100 -> 8*8*512, reshape 512x8x8, BN, ReLU
        ConvTranspose 5x5 s2 -> 256x16x16, BN, ReLU
        ConvTranspose 5x5 s2 -> 128x32x32, BN, ReLU
        ConvTranspose 5x5 s2 -> 64x64x64, BN, ReLU
        ConvTranspose 5x5 s2 -> 3x128x128, tanh

    Every transposed convolution halves the channels (the last one outputs
    ``out_channels``) and doubles the spatial size, so the first feature
    map is ``output_size / 2**num_upsamples``. Small configs shrink
    ``base_channels`` and ``output_size`` (e.g. ``(32, 32)`` starts at
    2x2). Weights are drawn from N(0, 0.02) and biases are zero, as in
    DCGAN.

    Args:
        noise_size (int): Dimension of ``z``. Defaults to 100.
        output_size (int | tuple[int, int]): Output ``(height, width)``.
            Defaults to 128.
        base_channels (int): Channels of the first (reshaped) feature map.
            Defaults to 512.
        num_upsamples (int): Number of 5x5 stride-2 transposed
            convolutions. Defaults to 4.
        out_channels (int): Image channels. Defaults to 3.
        init_cfg (dict, optional): mmengine init config; None uses the
            DCGAN initialisation above. Defaults to None.
    """

    def __init__(self,
                 noise_size: int = 100,
                 output_size: Union[int, Sequence[int]] = 128,
                 base_channels: int = 512,
                 num_upsamples: int = 4,
                 out_channels: int = 3,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        height, width = halvable_size(output_size, 'output_size',
                                      num_upsamples, 'num_upsamples')
        scale = 2**num_upsamples
        if base_channels % 2**(num_upsamples - 1):
            raise ValueError(
                f'base_channels={base_channels} must be divisible by '
                f'2**(num_upsamples - 1) = {2**(num_upsamples - 1)} since '
                'every transposed convolution halves the channels.')
        self.noise_size = noise_size
        self.output_size = (height, width)
        self.init_shape = (base_channels, height // scale, width // scale)
        self.fc = nn.Linear(noise_size, base_channels * (height // scale) *
                            (width // scale))
        self.fc_norm = nn.Sequential(
            nn.BatchNorm2d(base_channels), nn.ReLU(inplace=True))
        layers = []
        channels = base_channels
        for i in range(num_upsamples):
            last = i == num_upsamples - 1
            out = out_channels if last else channels // 2
            # padding 2 + output_padding 1 doubles the size exactly (the
            # 'SAME' transposed convolution of the reference).
            layers.append(
                nn.ConvTranspose2d(
                    channels, out, 5, stride=2, padding=2, output_padding=1))
            if last:
                layers.append(nn.Tanh())
            else:
                layers += [nn.BatchNorm2d(out), nn.ReLU(inplace=True)]
            channels = out
        self.deconvs = nn.Sequential(*layers)
        if init_cfg is None:
            self._dcgan_init()

    def _dcgan_init(self) -> None:
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.ConvTranspose2d)):
                nn.init.normal_(module.weight, 0.0, 0.02)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def sample_noise(self,
                     num: int,
                     device: Optional[torch.device] = None,
                     generator: Optional[torch.Generator] = None
                     ) -> torch.Tensor:
        """Draw ``num`` noise vectors from U(-1, 1)^noise_size.

        Args:
            num (int): Number of vectors.
            device (torch.device, optional): Defaults to the parameters'.
            generator (torch.Generator, optional): Random generator for
                reproducible samples. Defaults to None.

        Returns:
            torch.Tensor: ``num x noise_size`` noise.
        """
        device = device or self.fc.weight.device
        noise = torch.rand(
            num, self.noise_size, generator=generator,
            device=generator.device if generator is not None else device)
        return (noise * 2 - 1).to(device)

    def forward(self, noise: Union[torch.Tensor, int]) -> torch.Tensor:
        """Map noise to images.

        Args:
            noise (torch.Tensor | int): ``B x noise_size`` noise, or a batch
                size to draw U(-1, 1) noise for.

        Returns:
            torch.Tensor: ``B x out_channels x H x W`` images in [-1, 1].
        """
        if isinstance(noise, int):
            noise = self.sample_noise(noise)
        if noise.dim() != 2 or noise.size(1) != self.noise_size:
            raise ValueError(
                f'noise must have shape (B, {self.noise_size}), got '
                f'{tuple(noise.shape)}')
        x = self.fc(noise).view(noise.size(0), *self.init_shape)
        return self.deconvs(self.fc_norm(x))
