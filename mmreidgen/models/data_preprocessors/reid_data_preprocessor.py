"""Batching, colour conversion and normalisation on the model's device."""
from typing import List, Optional, Sequence

import torch
from mmengine.model import ImgDataPreprocessor

from mmreidgen.registry import MODELS


@MODELS.register_module()
class ReIDDataPreprocessor(ImgDataPreprocessor):
    """Stack images, convert BGR to RGB and normalise (ImageNet defaults).

    Person masks stay in ``data_samples[i].mask`` (moved to the device);
    :meth:`stack_masks` gathers them into a ``Bx1xHxW`` tensor.

    Args:
        mean (sequence[float]): RGB mean. Defaults to ImageNet's.
        std (sequence[float]): RGB std. Defaults to ImageNet's.
        bgr_to_rgb (bool): Defaults to True (images are loaded as BGR).
        channels_last (bool): Return inputs in channels-last memory
            format (see ``ChannelsLastHook``). Defaults to False.
    """

    def __init__(self,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 bgr_to_rgb: bool = True,
                 channels_last: bool = False,
                 **kwargs) -> None:
        super().__init__(
            mean=mean, std=std, bgr_to_rgb=bgr_to_rgb, **kwargs)
        self.channels_last = channels_last

    def forward(self, data: dict, training: bool = False) -> dict:
        data = super().forward(data, training)
        if self.channels_last and data['inputs'].dim() == 4:
            data['inputs'] = data['inputs'].contiguous(
                memory_format=torch.channels_last)
        return data

    def denormalize(self, inputs: torch.Tensor) -> torch.Tensor:
        """Map normalised RGB tensors back to [0, 255] RGB."""
        return inputs * self.std + self.mean

    @staticmethod
    def stack_masks(data_samples: List,
                    like: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Stack the samples' masks into ``Bx1xHxW`` (float)."""
        missing = [s.img_path for s in data_samples if 'mask' not in s]
        if missing:
            raise KeyError(
                f'{len(missing)} samples have no person mask (first: '
                f'{missing[0]}). Load masks with '
                "dict(type='LoadReIDImage', with_mask=True) in the pipeline.")
        masks = torch.stack([s.mask for s in data_samples]).float()
        return masks if like is None else masks.to(like.device)
