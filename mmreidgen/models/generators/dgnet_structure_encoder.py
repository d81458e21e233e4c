"""DG-Net's structure encoder E_s."""
import copy
from typing import Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmreidgen.registry import MODELS

from .dgnet_modules import (
    KAIMING_INIT,
    DGNetASPP,
    DGNetConvBlock,
    DGNetResBlock,
)


@MODELS.register_module()
class DGNetStructureEncoder(BaseModule):
    """Structure encoder E_s of DG-Net (Zheng et al., CVPR 2019).

    ``E_s: x_j -> s_j`` (Sec. 3.1) maps a gray image to a structure code
    with more spatial resolution than the appearance code; it feeds
    Eqs. (1), (2) and (5). Architecture of Table 6 (appendix A): every
    conv is reflection-padded and followed by instance norm and lrelu 0.2::

        conv 3x3 s2 (in -> c), conv 3x3 s1 (c -> 2c),
        (num_downsample - 1) x [conv 3x3 s1 (d -> d), conv 3x3 s2 (d -> 2d)],
        num_res x ResBlock(4c), ASPP(4c) -> 8c

    With the defaults a 1x256x128 image gives a 128x64x32 code.

    Args:
        in_channels (int): 1 for the gray input. Defaults to 1.
        base_channels (int): ``c`` above. Defaults to 16.
        num_downsample (int): Stride-2 convs, so the code is the image
            size / ``2 ** num_downsample``. Defaults to 2.
        num_res (int): Residual blocks. Defaults to 4.
        aspp (bool): Use the ASPP block (else the code has 4c channels).
            Defaults to True.
        aspp_dilations (sequence[int]): Dilations of the ASPP branches, in
            pixels of the code; each must be smaller than the code's side.
            Defaults to (3, 6, 9).
        init_cfg (dict, optional): None gives ``KAIMING_INIT``
            (Kaiming-normal, fan-in, bias 0, as the reference); ``{}``
            keeps PyTorch's init.
    """

    def __init__(self,
                 in_channels: int = 1,
                 base_channels: int = 16,
                 num_downsample: int = 2,
                 num_res: int = 4,
                 aspp: bool = True,
                 aspp_dilations: Sequence[int] = (3, 6, 9),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=copy.deepcopy(
            KAIMING_INIT if init_cfg is None else init_cfg))
        if num_downsample < 1:
            raise ValueError(
                f'num_downsample must be >= 1, got {num_downsample}')
        c = base_channels
        layers = [
            DGNetConvBlock(in_channels, c, 3, 2, 1, norm='in'),
            DGNetConvBlock(c, 2 * c, 3, 1, 1, norm='in'),
        ]
        dim = 2 * c
        for _ in range(num_downsample - 1):
            layers += [
                DGNetConvBlock(dim, dim, 3, 1, 1, norm='in'),
                DGNetConvBlock(dim, 2 * dim, 3, 2, 1, norm='in'),
            ]
            dim *= 2
        layers += [DGNetResBlock(dim, norm='in') for _ in range(num_res)]
        self.max_dilation = max(aspp_dilations) if aspp else 0
        if aspp:
            block = DGNetASPP(dim, aspp_dilations)
            layers.append(block)
            dim = block.out_channels
        self.layers = nn.Sequential(*layers)
        self.in_channels = in_channels
        self.out_channels = dim
        self.downsample_factor = 2**num_downsample

    @staticmethod
    def to_gray(images: torch.Tensor) -> torch.Tensor:
        """The channel mean of the (normalised) RGB images, ``Bx1xHxW``.

        Sec. 3.1: the input of E_s is gray so that the decoder must take
        colour from the appearance code.
        """
        return images.mean(dim=1, keepdim=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encode ``x`` (RGB ``Bx3xHxW`` or gray ``Bx1xHxW``).

        RGB input is converted with :meth:`to_gray` when ``in_channels`` is
        1.
        """
        if x.size(1) == 3 and self.in_channels == 1:
            x = self.to_gray(x)
        if x.size(1) != self.in_channels:
            raise ValueError(
                f'DGNetStructureEncoder expects {self.in_channels} input '
                f'channels (or RGB, converted to gray), got {x.size(1)}')
        size = min(x.shape[-2:]) // self.downsample_factor
        if self.max_dilation >= size:
            raise ValueError(
                f'a {tuple(x.shape[-2:])} image gives a structure code of '
                f'side {size}, too small for the ASPP dilation '
                f'{self.max_dilation} (reflection padding); use smaller '
                'aspp_dilations, e.g. (1, 2, 3) for 64x32 images.')
        return self.layers(x)
