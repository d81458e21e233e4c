"""DG-Net's multi-scale PatchGAN discriminator D."""
import copy
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmreidgen.registry import MODELS

from ..generators.dgnet_modules import DGNetConvBlock, DGNetResBlock

# N(0, 0.02) convs with zero bias, as the reference.
GAUSSIAN_INIT = dict(type='Normal', layer=['Conv2d'], std=0.02, bias=0)


@MODELS.register_module()
class DGNetDiscriminator(BaseModule):
    """Multi-scale PatchGAN discriminator D of DG-Net (Zheng et al., 2019).

    Scores real images against ``G(a_i, s_j)`` in the adversarial loss,
    Eq. (7). Table 8 (appendix A), one network per scale, lrelu 0.2 and no
    normalisation, reflection padding::

        conv 1x1 (3 -> c), conv 3x3 s1, conv 3x3 s2,
        (num_layers - 1) x [conv 3x3 s1 (d -> d), conv 3x3 s2 (d -> 2d)],
        num_res x ResBlock, conv 1x1 (-> 1)

    Scale k sees the image after k average poolings (3x3, stride 2, pad 1,
    not counting the padding), so a 256x128 input gives patch maps of
    1x64x32, 1x32x16 and 1x16x8.

    Args:
        in_channels (int): Defaults to 3.
        base_channels (int): ``c`` above. Defaults to 32.
        num_layers (int): Defaults to 2.
        num_res (int): Defaults to 4.
        num_scales (int): Defaults to 3.
        init_cfg (dict, optional): None gives N(0, 0.02) convs with bias 0,
            as the reference; ``{}`` keeps PyTorch's init.
    """

    def __init__(self,
                 in_channels: int = 3,
                 base_channels: int = 32,
                 num_layers: int = 2,
                 num_res: int = 4,
                 num_scales: int = 3,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=copy.deepcopy(
            GAUSSIAN_INIT if init_cfg is None else init_cfg))
        if num_scales < 1 or num_layers < 1:
            raise ValueError(
                'num_scales and num_layers must be >= 1, got '
                f'{num_scales} and {num_layers}')
        self.num_scales = num_scales
        self.nets = nn.ModuleList(
            self._make_net(in_channels, base_channels, num_layers, num_res)
            for _ in range(num_scales))

    @staticmethod
    def _make_net(in_channels: int, c: int, num_layers: int,
                  num_res: int) -> nn.Sequential:
        layers = [
            DGNetConvBlock(in_channels, c, 1),
            DGNetConvBlock(c, c, 3, 1, 1),
            DGNetConvBlock(c, c, 3, 2, 1),
        ]
        dim = c
        for _ in range(num_layers - 1):
            out = min(2 * dim, 512)
            layers += [
                DGNetConvBlock(dim, dim, 3, 1, 1),
                DGNetConvBlock(dim, out, 3, 2, 1),
            ]
            dim = out
        layers += [DGNetResBlock(dim, norm='none') for _ in range(num_res)]
        layers.append(nn.Conv2d(dim, 1, 1))
        return nn.Sequential(*layers)

    @staticmethod
    def downsample(x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(
            x, 3, stride=2, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Return one ``B x 1 x h x w`` patch map per scale, finest first."""
        outs = []
        for k, net in enumerate(self.nets):
            if k:
                x = self.downsample(x)
            outs.append(net(x))
        return outs
