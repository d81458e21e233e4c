"""One entry point per method to generate images with a trained model."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dataset import pseudo_collate

from mmreidgen.registry import MODELS


@torch.no_grad()
def crgan_render(model, source_items: Sequence[dict],
                 target_items: Sequence[dict],
                 renderer: str = 'generator') -> Dict[str, object]:
    """Render source persons into target contexts with a CR-GAN model.

    Args:
        model: A ``CRGAN`` (weights loaded, eval mode).
        source_items (Sequence[dict]): Packed source samples (pipeline
            outputs with ``inputs`` and ``data_samples``, masks loaded).
        target_items (Sequence[dict]): Packed target samples, as many.
        renderer (str): ``'generator'`` or ``'cut_paste'``. Defaults to
            'generator'.

    Returns:
        dict: ``batch`` (the split pair batch of ``CRGAN.split_pairs``) and
        ``out`` (``CRGAN.render``'s outputs: ``x_g`` and, for the
        generator, ``x_r``, ``x_c``).
    """
    if len(source_items) != len(target_items):
        raise ValueError(
            f'{len(source_items)} source and {len(target_items)} target '
            'images: pass one target per source.')
    if renderer == 'cut_paste' and getattr(model, 'cut_paste', None) is None:
        model.cut_paste = MODELS.build(dict(type='CRGANCutPaste'))
    items = []
    for s, t in zip(source_items, target_items):
        items += [s, t]
    data = model.data_preprocessor(pseudo_collate(items), False)
    batch = model.split_pairs(data['inputs'], data['data_samples'])
    return dict(batch=batch, out=model.render(batch, renderer))


def _to_uint8(model, images: torch.Tensor) -> np.ndarray:
    rgb = model.data_preprocessor.denormalize(images)
    return rgb.clamp(0, 255).round().byte().permute(0, 2, 3, 1).cpu().numpy()


@torch.no_grad()
def dgnet_swap(model, images: torch.Tensor) -> np.ndarray:
    """DG-Net code swapping: cell (i, j) = G(appearance_i, structure_j).

    Args:
        model: A ``DGNet`` (weights loaded, eval mode).
        images (torch.Tensor): ``N x 3 x H x W`` preprocessed images.

    Returns:
        np.ndarray: ``(N + 1) H x (N + 1) W x 3`` uint8 RGB grid; the
        first row holds the structure images, the first column the
        appearance images.
    """
    num, _, height, width = images.shape
    codes, structures = model.encode(images)
    real = _to_uint8(model, images)
    grid = np.full(((num + 1) * height, (num + 1) * width, 3), 255,
                   dtype=np.uint8)
    for j in range(num):
        grid[:height, (j + 1) * width:(j + 2) * width] = real[j]
    for i in range(num):
        row = model.decode(codes[i:i + 1].expand(num, -1), structures)
        top = (i + 1) * height
        grid[top:top + height, :width] = real[i]
        for j, tile in enumerate(_to_uint8(model, row)):
            grid[top:top + height, (j + 1) * width:(j + 2) * width] = tile
    return grid


@torch.no_grad()
def dgnet_interpolate(model, images: torch.Tensor, steps: int) -> np.ndarray:
    """Rows of appearance interpolation between consecutive images.

    Row ``k`` holds the real ``a_k``, ``G((1 - t) a_k + t a_k+1, s_k)`` for
    ``steps`` values of ``t`` in [0, 1], then the real ``a_k+1``.
    """
    num, _, height, width = images.shape
    codes, structures = model.encode(images)
    real = _to_uint8(model, images)
    weights = torch.linspace(0, 1, steps).tolist()
    rows = []
    for k in range(0, num - 1, 2):
        mixed = model.decoder.interpolate_codes(codes[k], codes[k + 1],
                                                weights)
        tiles = _to_uint8(
            model, model.decode(mixed, structures[k:k + 1].expand(
                steps, -1, -1, -1)))
        row = np.full((height, (steps + 2) * width, 3), 255, np.uint8)
        row[:, :width] = real[k]
        for t, tile in enumerate(tiles):
            row[:, (t + 1) * width:(t + 2) * width] = tile
        row[:, (steps + 1) * width:] = real[k + 1]
        rows.append(row)
    return np.concatenate(rows, 0) if rows else np.zeros(
        (0, (steps + 2) * width, 3), np.uint8)


@torch.no_grad()
def slsr_sample(gan, num: int,
                generator: Optional[torch.Generator] = None) -> List:
    """Sample ``num`` images of one cluster's DCGAN (SLSR).

    Args:
        gan: An ``SLSRDCGAN`` (weights loaded).
        num (int): Images to draw.
        generator (torch.Generator, optional): Noise source.

    Returns:
        list[np.ndarray]: ``H x W x 3`` BGR uint8 images.
    """
    images = gan.eval().sample(num, generator=generator)
    images = ((images.clamp(-1, 1) + 1) * 127.5).round().byte()
    return list(images.flip(1).permute(0, 2, 3, 1).cpu().numpy())
