"""DG-Net's decoder G with the MLPs that produce its AdaIN parameters."""
import copy
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmreidgen.registry import MODELS

from .dgnet_modules import (
    KAIMING_INIT,
    DGNetConvBlock,
    DGNetMLP,
    DGNetResBlock,
)


@MODELS.register_module()
class DGNetDecoder(BaseModule):
    """Decoder G of DG-Net (Zheng et al., CVPR 2019): ``G(a_i, s_j)``.

    Generates ``x_j^i`` from the appearance code ``a_i`` and structure code
    ``s_j`` (Sec. 3.1, Eqs. (1), (2), (4)-(7)). Architecture of Table 7:
    ``num_res`` residual blocks whose two convs use AdaIN, then
    ``num_upsample`` x [nearest up-sampling x2, conv 5x5 halving the
    channels, layer norm, lrelu], two conv 3x3 + lrelu and a conv 1x1 to
    RGB with no activation (the output lives in the normalised image
    space, like the input).

    The AdaIN scales and biases come from ``2 * num_res`` MLPs (Sec. 4.1
    (iii)): the appearance code is cut into ``num_res`` contiguous slices;
    ``mlp_w[k]`` and ``mlp_b[k]`` read slice k and give the scales and the
    biases of both AdaIN layers of residual block k. With ResNet-50's
    channel-major ``2048 x 4 x 1`` code, slice k holds channels
    ``512k .. 512k + 511`` of all four stripes. The parameters are passed
    to the blocks as arguments, never stored on modules, so the decoder is
    safe under data parallelism.

    Args:
        in_channels (int): Structure-code channels. Defaults to 128.
        code_dim (int): Appearance-code length. Defaults to 8192.
        num_res (int): AdaIN residual blocks. Defaults to 4.
        num_upsample (int): Up-sampling stages. Defaults to 2.
        out_channels (int): Defaults to 3.
        mlp_dim (int): Hidden width of the MLPs. Defaults to 512.
        mlp_layers (int): Linear layers per MLP. Defaults to 3.
        dropout (float): Dropout on the structure code (0 in the reference).
            Defaults to 0.
        init_cfg (dict, optional): None gives Kaiming-normal (fan-in, bias
            0) convs and linears, as the reference; ``{}`` keeps PyTorch's
            init.
    """

    def __init__(self,
                 in_channels: int = 128,
                 code_dim: int = 8192,
                 num_res: int = 4,
                 num_upsample: int = 2,
                 out_channels: int = 3,
                 mlp_dim: int = 512,
                 mlp_layers: int = 3,
                 dropout: float = 0.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=copy.deepcopy(
            KAIMING_INIT if init_cfg is None else init_cfg))
        if num_res < 1 or code_dim % num_res:
            raise ValueError(
                f'code_dim ({code_dim}) must split into num_res ({num_res}) '
                'equal slices, one per AdaIN residual block')
        self.in_channels = in_channels
        self.code_dim = code_dim
        self.num_res = num_res
        slice_dim = code_dim // num_res
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.res_blocks = nn.ModuleList(
            DGNetResBlock(in_channels, norm='adain') for _ in range(num_res))
        ups = []
        dim = in_channels
        for _ in range(num_upsample):
            ups += [
                nn.Upsample(scale_factor=2, mode='nearest'),
                DGNetConvBlock(dim, dim // 2, 5, 1, 2, norm='ln'),
            ]
            dim //= 2
        ups += [
            DGNetConvBlock(dim, dim, 3, 1, 1),
            DGNetConvBlock(dim, dim, 3, 1, 1),
            DGNetConvBlock(dim, out_channels, 1, act='none'),
        ]
        self.up = nn.Sequential(*ups)
        # Each MLP gives the 2 x C parameters of one block's two AdaINs.
        self.mlp_w = nn.ModuleList(
            DGNetMLP(slice_dim, 2 * in_channels, mlp_dim, mlp_layers)
            for _ in range(num_res))
        self.mlp_b = nn.ModuleList(
            DGNetMLP(slice_dim, 2 * in_channels, mlp_dim, mlp_layers)
            for _ in range(num_res))

    def adain_params(
        self, code: torch.Tensor
    ) -> List[Tuple[Tuple[torch.Tensor, torch.Tensor], Tuple[torch.Tensor,
                                                              torch.Tensor]]]:
        """Per residual block, the (weight, bias) pairs of its two AdaINs."""
        if code.dim() != 2 or code.size(1) != self.code_dim:
            raise ValueError(
                f'appearance code must be B x {self.code_dim}, got '
                f'{tuple(code.shape)}; does code_dim match the appearance '
                'encoder (channels x stripes)?')
        c = self.in_channels
        params = []
        for k, piece in enumerate(code.chunk(self.num_res, dim=1)):
            w = self.mlp_w[k](piece)
            b = self.mlp_b[k](piece)
            params.append(((w[:, :c], b[:, :c]), (w[:, c:], b[:, c:])))
        return params

    def forward(self, code: torch.Tensor,
                structure: torch.Tensor) -> torch.Tensor:
        """Decode ``G(a, s)``.

        Args:
            code (Tensor): Appearance codes ``B x code_dim``.
            structure (Tensor): Structure codes ``B x C x h x w``.

        Returns:
            Tensor: Images ``B x 3 x (h * 2**num_upsample) x ...``.
        """
        if structure.size(1) != self.in_channels:
            raise ValueError(
                f'structure code must have {self.in_channels} channels, got '
                f'{structure.size(1)}')
        x = self.dropout(structure)
        for block, params in zip(self.res_blocks, self.adain_params(code)):
            x = block(x, params)
        return self.up(x)

    def num_adain_params(self) -> int:
        """Scales plus biases consumed per sample (2 x 2 x C x num_res)."""
        return 4 * self.in_channels * self.num_res

    @staticmethod
    def interpolate_codes(code_a: torch.Tensor, code_b: torch.Tensor,
                          weights: Sequence[float]) -> torch.Tensor:
        """Linear interpolation ``(1 - t) a + t b`` for each ``t`` (Fig. 5).

        Returns ``len(weights) x code_dim`` for two ``code_dim`` vectors.
        """
        t = torch.as_tensor(
            list(weights), dtype=code_a.dtype, device=code_a.device)[:, None]
        return (1 - t) * code_a.reshape(1, -1) + t * code_b.reshape(1, -1)
