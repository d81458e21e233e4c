"""Building blocks shared by DG-Net's structure encoder, decoder and
discriminator (Zheng et al., CVPR 2019, appendix A, Tables 6-8).

The blocks follow the MUNIT conventions that DG-Net's generator uses:
explicit reflection padding, a biased convolution, then a normalisation
(instance, MUNIT layer norm, AdaIN or none) and an activation.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

#: The reference's generator init: Kaiming-normal (fan-in) convs and
#: linears with zero bias.
KAIMING_INIT = dict(
    type='Kaiming',
    layer=['Conv2d', 'Linear'],
    mode='fan_in',
    distribution='normal',
    bias=0)

_NORMS = ('in', 'ln', 'adain', 'none')
_ACTS = ('lrelu', 'relu', 'tanh', 'none')


def _activation(name: str) -> nn.Module:
    if name == 'lrelu':
        return nn.LeakyReLU(0.2, inplace=False)
    if name == 'relu':
        return nn.ReLU(inplace=False)
    if name == 'tanh':
        return nn.Tanh()
    if name == 'none':
        return nn.Identity()
    raise ValueError(f'activation must be one of {_ACTS}, got {name!r}')


def adaptive_instance_norm(x: torch.Tensor,
                           weight: torch.Tensor,
                           bias: torch.Tensor,
                           eps: float = 1e-5) -> torch.Tensor:
    """AdaIN (Huang and Belongie, ICCV 2017) with given scale and bias.

    Every sample is instance-normalised (biased variance, as a batch norm
    over a ``1 x BC x H x W`` view) and then scaled and shifted by its own
    ``weight`` and ``bias`` (``B x C``), used as given: there is no ``1 +``
    offset on the scale.

    Args:
        x (Tensor): ``B x C x H x W`` features.
        weight (Tensor): ``B x C`` scales.
        bias (Tensor): ``B x C`` biases.
        eps (float): Defaults to 1e-5.

    Returns:
        Tensor: ``B x C x H x W``.
    """
    if weight.shape != x.shape[:2] or bias.shape != x.shape[:2]:
        raise ValueError(
            f'AdaIN parameters must be {tuple(x.shape[:2])} (B x C), got '
            f'weight {tuple(weight.shape)} and bias {tuple(bias.shape)}')
    out = F.instance_norm(x, eps=eps)
    return out * weight[:, :, None, None] + bias[:, :, None, None]


class DGNetLayerNorm(nn.Module):
    """MUNIT's layer norm: per-sample mean and (unbiased) std over C, H, W.

    ``y = (x - mean) / (std + eps) * gamma_c + beta_c`` with one affine pair
    per channel, ``gamma ~ U(0, 1)`` and ``beta = 0`` at construction.

    Args:
        num_features (int): Channels.
        eps (float): Added to the std. Defaults to 1e-5.
    """

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.gamma = nn.Parameter(torch.empty(num_features).uniform_())
        self.beta = nn.Parameter(torch.zeros(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.flatten(1)
        mean = flat.mean(1).view(-1, 1, 1, 1)
        std = flat.std(1).view(-1, 1, 1, 1)
        x = (x - mean) / (std + self.eps)
        return x * self.gamma.view(1, -1, 1, 1) + self.beta.view(1, -1, 1, 1)


class DGNetConvBlock(nn.Module):
    """Reflection pad, convolution (with bias), normalisation, activation.

    With ``norm='adain'`` the block's :meth:`forward` needs the AdaIN
    ``weight`` and ``bias`` (``B x out_channels`` each).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        kernel_size (int): Square kernel.
        stride (int): Defaults to 1.
        padding (int): Reflection padding on each side. Defaults to 0.
        dilation (int): Defaults to 1.
        norm (str): 'in' (instance norm, no affine), 'ln' (MUNIT layer
            norm), 'adain' or 'none'. Defaults to 'none'.
        act (str): 'lrelu' (slope 0.2), 'relu', 'tanh' or 'none'.
            Defaults to 'lrelu'.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int,
                 stride: int = 1,
                 padding: int = 0,
                 dilation: int = 1,
                 norm: str = 'none',
                 act: str = 'lrelu') -> None:
        super().__init__()
        if norm not in _NORMS:
            raise ValueError(f'norm must be one of {_NORMS}, got {norm!r}')
        self.norm_type = norm
        self.pad = nn.ReflectionPad2d(padding) if padding else nn.Identity()
        self.conv = nn.Conv2d(
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            dilation=dilation,
            bias=True)
        if norm == 'in':
            self.norm = nn.InstanceNorm2d(out_channels, affine=False)
        elif norm == 'ln':
            self.norm = DGNetLayerNorm(out_channels)
        else:
            self.norm = nn.Identity()
        self.act = _activation(act)

    def forward(self,
                x: torch.Tensor,
                adain: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
                ) -> torch.Tensor:
        x = self.conv(self.pad(x))
        if self.norm_type == 'adain':
            if adain is None:
                raise ValueError(
                    'an AdaIN block needs (weight, bias) from the appearance '
                    'code; call it through DGNetDecoder.')
            x = adaptive_instance_norm(x, *adain)
        else:
            x = self.norm(x)
        return self.act(x)


class DGNetResBlock(nn.Module):
    """Residual block: [3x3 conv, norm, act] -> [3x3 conv, norm] + input.

    Args:
        channels (int): Input and output channels.
        norm (str): See :class:`DGNetConvBlock`. Defaults to 'in'.
        act (str): Activation after the first conv. Defaults to 'lrelu'.
    """

    def __init__(self,
                 channels: int,
                 norm: str = 'in',
                 act: str = 'lrelu') -> None:
        super().__init__()
        self.conv1 = DGNetConvBlock(
            channels, channels, 3, 1, 1, norm=norm, act=act)
        self.conv2 = DGNetConvBlock(
            channels, channels, 3, 1, 1, norm=norm, act='none')

    def forward(self,
                x: torch.Tensor,
                adain: Optional[Sequence[Tuple[torch.Tensor,
                                               torch.Tensor]]] = None
                ) -> torch.Tensor:
        """``adain`` holds the (weight, bias) pairs of conv1 and conv2."""
        adain = adain if adain is not None else (None, None)
        return x + self.conv2(self.conv1(x, adain[0]), adain[1])


class DGNetASPP(nn.Module):
    """Atrous spatial pyramid pooling of DG-Net's structure encoder.

    Four branches of ``channels // 2`` outputs each, all ending in instance
    norm without activation: a 1x1 conv, and three [1x1 conv (IN, lrelu),
    3x3 conv at dilation d] branches for d in ``dilations``. They are
    concatenated and fused by a 1x1 conv (IN, no activation) into
    ``2 * channels`` (Table 6, "ASPP" and "Conv5").

    Args:
        channels (int): Input channels; the output has twice as many.
        dilations (sequence[int]): Defaults to (3, 6, 9).
    """

    def __init__(self,
                 channels: int,
                 dilations: Sequence[int] = (3, 6, 9)) -> None:
        super().__init__()
        half = channels // 2
        self.branch1x1 = DGNetConvBlock(
            channels, half, 1, norm='in', act='none')
        self.dilated = nn.ModuleList(
            nn.Sequential(
                DGNetConvBlock(channels, half, 1, norm='in', act='lrelu'),
                DGNetConvBlock(
                    half, half, 3, 1, d, dilation=d, norm='in',
                    act='none')) for d in dilations)
        out = half * (1 + len(dilations))
        self.fuse = DGNetConvBlock(out, out, 1, norm='in', act='none')
        self.out_channels = out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [self.branch1x1(x)] + [branch(x) for branch in self.dilated]
        return self.fuse(torch.cat(feats, dim=1))


class DGNetMLP(nn.Module):
    """``num_layers`` linear layers with lrelu between them, none at the end.

    Args:
        in_features (int): Input width.
        out_features (int): Output width.
        hidden (int): Hidden width. Defaults to 512.
        num_layers (int): Linear layers. Defaults to 3.
    """

    def __init__(self,
                 in_features: int,
                 out_features: int,
                 hidden: int = 512,
                 num_layers: int = 3) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f'num_layers must be >= 1, got {num_layers}')
        layers = []
        width = in_features
        for _ in range(num_layers - 1):
            layers += [nn.Linear(width, hidden), nn.LeakyReLU(0.2)]
            width = hidden
        layers.append(nn.Linear(width, out_features))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)
