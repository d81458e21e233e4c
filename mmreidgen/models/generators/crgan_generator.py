"""The dual conditional generator of CR-GAN and its cut-and-paste control.

Chen, Zhu and Gong, "Instance-Guided Context Rendering for Cross-Domain
Person Re-Identification", ICCV 2019: Sec. 3.1, Eqs. (1)-(3), supplementary
Table 8 and Figure 8.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmreidgen.registry import MODELS

# Table 8: U-Net level widths as multiples of the pathway width (64).
_TABLE8_MULTS = (2, 4, 8, 8, 8, 8, 8)


def same_pad(x: torch.Tensor, kernel_size: int, stride: int) -> torch.Tensor:
    """Pad like TensorFlow's ``padding='same'`` for a strided conv.

    The output of the following unpadded conv has ``ceil(size / stride)``
    rows and columns, also for odd sizes (224x112 inputs reach odd sizes
    after a few halvings); the extra row/column goes to the bottom/right.

    Args:
        x (torch.Tensor): ``BxCxHxW`` input.
        kernel_size (int): Kernel size of the conv that follows.
        stride (int): Its stride.

    Returns:
        torch.Tensor: The padded input.
    """
    pads = []
    for size in (x.shape[-1], x.shape[-2]):
        out = math.ceil(size / stride)
        total = max((out - 1) * stride + kernel_size - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads)


class SameConv2d(nn.Conv2d):
    """A conv with TensorFlow ``'same'`` padding at any stride."""

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int, stride: int = 1) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(
            same_pad(x, self.kernel_size[0], self.stride[0]))


class CRGANDownBlock(nn.Module):
    """Down-sampling residual block of the U-Net encoder (Figure 8, left).

    ``LReLU(conv_s1(LReLU(conv_s2(x))) + conv1x1_s2(x))``: the shortcut
    holds a 1x1 conv because the widths differ (Figure 8's note). No
    normalisation, as in the paper's encoder.

    Args:
        in_channels (int): Channels of the previous encoder level.
        out_channels (int): Channels of this level (half the size).
        kernel_size (int): Kernel of the stride-2 and the stride-1 conv.
            Defaults to 4.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int = 4) -> None:
        super().__init__()
        self.conv1 = SameConv2d(in_channels, out_channels, kernel_size, 2)
        self.conv2 = SameConv2d(out_channels, out_channels, kernel_size, 1)
        # A 1x1 stride-2 conv without padding gives ceil(size / 2) too.
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1, 2)
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.act(self.conv1(x)))
        return self.act(out + self.shortcut(x))


class CRGANUpBlock(nn.Module):
    """Up-sampling residual block of the U-Net decoder (Figure 8, right).

    Nearest up-sampling to the size of the matching encoder feature, then
    ``ReLU(IN(conv(ReLU(IN(conv(x))))) + conv1x1(x))``.

    Args:
        in_channels (int): Decoder channels plus those of the skip.
        out_channels (int): Channels at the encoder level it returns to.
        kernel_size (int): Kernel of the two convs after the up-sampling.
            Defaults to 4.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int = 4) -> None:
        super().__init__()
        self.conv1 = SameConv2d(in_channels, out_channels, kernel_size, 1)
        self.norm1 = nn.InstanceNorm2d(out_channels, affine=True)
        self.conv2 = SameConv2d(out_channels, out_channels, kernel_size, 1)
        self.norm2 = nn.InstanceNorm2d(out_channels, affine=True)
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
        x = F.interpolate(x, size=size, mode='nearest')
        out = self.act(self.norm1(self.conv1(x)))
        out = self.norm2(self.conv2(out))
        return self.act(out + self.shortcut(x))


class CRGANUpConv(nn.Module):
    """``U + conv-(IN, ReLU)`` of Table 8: up-sample, conv, IN, ReLU.

    Args:
        in_channels (int): Channels of the last decoder feature.
        out_channels (int): Channels of the output (the final RGB conv
            follows).
        kernel_size (int): Kernel of the conv. Defaults to 4.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: int = 4) -> None:
        super().__init__()
        self.conv = SameConv2d(in_channels, out_channels, kernel_size, 1)
        self.norm = nn.InstanceNorm2d(out_channels, affine=True)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
        x = F.interpolate(x, size=size, mode='nearest')
        return self.act(self.norm(self.conv(x)))


def num_unet_levels(img_size: Sequence[int], max_levels: int) -> int:
    """U-Net depth for an input size: halve while both sides stay >= 1.

    The U-Net starts at half the input size (after the two pathways) and
    halves (rounding up) while the smaller side is at least 2, at most
    ``max_levels`` times. 224x112 gives 6 levels (Table 8 lists 7, whose
    last ones would be smaller than one pixel at this size); 64x32 gives 4.

    Args:
        img_size (Sequence[int]): ``(height, width)`` of the input.
        max_levels (int): Upper bound (7 in Table 8).

    Returns:
        int: Number of stride-2 levels of the U-Net encoder.
    """
    h, w = math.ceil(img_size[0] / 2), math.ceil(img_size[1] / 2)
    levels = 0
    while levels < max_levels and min(h, w) >= 2:
        h, w = math.ceil(h / 2), math.ceil(w / 2)
        levels += 1
    return levels


@MODELS.register_module()
class CRGANGenerator(BaseModule):
    """Dual conditional generator ``X_G = G(X_S, X_T)`` (Eq. (1) of CR-GAN).

    Supplementary Table 8: an identity pathway on ``X_S`` and a context
    pathway on the masked target ``X'_T = X_T * (1 - M_T)`` (Eq. (2)), each
    a 4x4 stride-2 conv with LeakyReLU, fused by depth-wise concatenation;
    a U-Net of down-sampling residual blocks (no normalisation) ending in a
    plain stride-2 conv, and up-sampling residual blocks with instance norm
    and skip connections; two heads, the residual map ``X_R`` (tanh) and
    the context mask ``X_C`` (sigmoid), combined as
    ``X_G = X_R * X_C + X_S * (1 - X_C)`` (Eq. (3)).

    Images are RGB in [-1, 1]. The U-Net depth follows the input size (see
    :func:`num_unet_levels`), so any size works as long as it is the one
    given as ``img_size``; inputs of another size still run, with the depth
    chosen for ``img_size``.

    Args:
        img_size (Sequence[int]): ``(height, width)`` the depth is chosen
            for. Defaults to ``(224, 112)`` (the paper's input).
        in_channels (int): Image channels. Defaults to 3.
        base_channels (int): Width of each pathway (64 in Table 8); the
            U-Net widths are ``2, 4, 8, 8, 8, 8, 8`` times it.
            Defaults to 64.
        max_levels (int): Most U-Net stride-2 levels (7 in Table 8).
            Defaults to 7.
        kernel_size (int): Conv kernel size. Defaults to 4.
        dual_condition (bool): Build the context pathway. False gives the
            "w/o dual condition" ablation (Sec. 4.2), ``G(X_S)`` only.
            Defaults to True.
        init_cfg (dict, optional): mmengine init config. Defaults to
            ``Normal(std=0.02)`` on convs, the usual GAN initialisation.
    """

    def __init__(self,
                 img_size: Sequence[int] = (224, 112),
                 in_channels: int = 3,
                 base_channels: int = 64,
                 max_levels: int = 7,
                 kernel_size: int = 4,
                 dual_condition: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg or dict(
            type='Normal', layer='Conv2d', std=0.02))
        if len(img_size) != 2 or min(img_size) < 4:
            raise ValueError(
                f'img_size must be (height, width) with both >= 4, got '
                f'{img_size}')
        if not 1 <= max_levels <= len(_TABLE8_MULTS):
            raise ValueError(
                f'max_levels must be in [1, {len(_TABLE8_MULTS)}], got '
                f'{max_levels}')
        self.img_size = tuple(int(s) for s in img_size)
        self.dual_condition = dual_condition
        self.num_levels = num_unet_levels(self.img_size, max_levels)
        if self.num_levels < 1:
            raise ValueError(
                f'img_size={img_size} is too small for a U-Net level; use '
                'at least 8x8.')
        b = base_channels
        self.identity_pathway = nn.Sequential(
            SameConv2d(in_channels, b, kernel_size, 2), nn.LeakyReLU(0.2))
        self.context_pathway = nn.Sequential(
            SameConv2d(in_channels, b, kernel_size, 2), nn.LeakyReLU(0.2)) \
            if dual_condition else None
        fused = 2 * b if dual_condition else b
        widths = [m * b for m in _TABLE8_MULTS[:self.num_levels]]
        self.encoder = nn.ModuleList()
        prev = fused
        for width in widths[:-1]:
            self.encoder.append(CRGANDownBlock(prev, width, kernel_size))
            prev = width
        # Table 8 ends the encoder with a plain stride-2 conv.
        self.bottleneck = SameConv2d(prev, widths[-1], kernel_size, 2)
        # Decoder level j (from the deepest) outputs the width of encoder
        # level j-1 and takes the decoder output plus the encoder skip.
        self.decoder = nn.ModuleList()
        for j in range(self.num_levels, 1, -1):
            in_ch = widths[j - 1] * (1 if j == self.num_levels else 2)
            self.decoder.append(
                CRGANUpBlock(in_ch, widths[j - 2], kernel_size))
        last_in = widths[0] * (1 if self.num_levels == 1 else 2)
        self.decoder_out = CRGANUpConv(last_in, 2 * b, kernel_size)
        # The two heads of Table 8 (X_R, tanh; X_C, sigmoid) read the same
        # up-sampled input, so they are one conv with in_channels + 1
        # filters, split before the activations: the same function, with
        # one up-sampling and one small conv instead of two (small convs
        # are slow on CPU).
        self.heads = SameConv2d(2 * b, in_channels + 1, kernel_size, 1)

    def encode(self, source: torch.Tensor,
               masked_target: Optional[torch.Tensor]) -> List[torch.Tensor]:
        """Dual-path encoding and the U-Net encoder.

        Returns:
            list[torch.Tensor]: The fused feature, every encoder level and
            the bottleneck, from fine to coarse.
        """
        feats = [self.identity_pathway(source)]
        if self.dual_condition:
            feats = [torch.cat(
                [feats[0], self.context_pathway(masked_target)], dim=1)]
        for block in self.encoder:
            feats.append(block(feats[-1]))
        feats.append(self.bottleneck(feats[-1]))
        return feats

    def forward(self,
                source: torch.Tensor,
                target: Optional[torch.Tensor] = None,
                source_mask: Optional[torch.Tensor] = None,
                target_mask: Optional[torch.Tensor] = None
                ) -> Dict[str, torch.Tensor]:
        """Render ``source`` into the context of ``target``.

        Args:
            source (torch.Tensor): ``X_S``, ``Bx3xHxW`` in [-1, 1].
            target (torch.Tensor, optional): ``X_T``; required with
                ``dual_condition``.
            source_mask (torch.Tensor, optional): Unused; accepted so that
                every CR-GAN renderer has one signature.
            target_mask (torch.Tensor, optional): ``M_T`` (``Bx1xHxW``, 1 =
                person). None keeps the whole target (no Eq. (2) masking).

        Returns:
            dict[str, torch.Tensor]: ``fake`` (``X_G``), ``residual``
            (``X_R``), ``context_mask`` (``X_C``) and, with a target,
            ``masked_target`` (``X'_T``).
        """
        masked_target = None
        if target is not None:
            masked_target = target if target_mask is None \
                else target * (1 - target_mask)
        if self.dual_condition and masked_target is None:
            raise ValueError(
                'CRGANGenerator(dual_condition=True) needs the target image '
                'X_T; pass target=..., or build it with '
                'dual_condition=False for the single-condition ablation.')
        feats = self.encode(source, masked_target)
        x = feats[-1]
        for i, block in enumerate(self.decoder):
            level = self.num_levels - i  # encoder level being mirrored
            if i > 0:
                x = torch.cat([x, feats[level]], dim=1)
            x = block(x, feats[level - 1].shape[-2:])
        if self.num_levels > 1:
            x = torch.cat([x, feats[1]], dim=1)
        x = self.decoder_out(x, feats[0].shape[-2:])
        x = F.interpolate(x, size=source.shape[-2:], mode='nearest')
        residual, mask_logit = self.heads(x).split(
            [source.size(1), 1], dim=1)
        residual = torch.tanh(residual)
        context_mask = torch.sigmoid(mask_logit)
        fake = residual * context_mask + source * (1 - context_mask)
        out = dict(fake=fake, residual=residual, context_mask=context_mask)
        if masked_target is not None:
            out['masked_target'] = masked_target
        return out


@MODELS.register_module()
class CRGANCutPaste(nn.Module):
    """"Cut, paste and learn" renderer (supplementary Sec. 6.2 of CR-GAN).

    ``X_G = X_S * M_S + X_T * (1 - M_S)``: the source person cut out by its
    mask and pasted on the target image at the same place (Dwibedi et al.,
    ICCV 2017). Where the target person lies outside ``M_S`` it stays
    visible, as in supplementary Figure 9. No parameters.
    """

    def forward(self, source: torch.Tensor,
                target: Optional[torch.Tensor] = None,
                source_mask: Optional[torch.Tensor] = None,
                **unused) -> Dict[str, torch.Tensor]:
        """Paste ``source`` on ``target`` through ``source_mask``.

        The arguments are those of :meth:`CRGANGenerator.forward`, with
        ``target`` and ``source_mask`` (``M_S``, 1 = person) required;
        ``target_mask`` and any other keyword are ignored.

        Returns:
            dict[str, torch.Tensor]: ``fake`` and ``context_mask``
            (``1 - M_S``, the pixels taken from the target).
        """
        if target is None or source_mask is None:
            raise ValueError(
                'CRGANCutPaste needs target and source_mask (load masks '
                "with dict(type='LoadReIDImage', with_mask=True)).")
        fake = source * source_mask + target * (1 - source_mask)
        return dict(fake=fake, context_mask=1 - source_mask)
