"""Geometric and photometric transforms that keep the person mask aligned.

Each transform edits ``results['img']`` (HxWx3 uint8) and, when present,
``results['mask']`` (HxW float32) in the same way.
"""
from typing import Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from mmreidgen.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ReIDResize(BaseTransform):
    """Resize to a fixed ``(height, width)``, the re-id convention.

    Args:
        scale (tuple[int, int]): Output ``(height, width)``, e.g. (256, 128).
        interpolation (str): cv2 interpolation of the image. Defaults to
            'bilinear'. The mask always uses 'nearest'.
    """

    def __init__(self,
                 scale: Tuple[int, int],
                 interpolation: str = 'bilinear') -> None:
        if len(scale) != 2 or min(scale) <= 0:
            raise ValueError(
                f'scale must be (height, width) > 0, got {scale}')
        self.scale = tuple(int(s) for s in scale)
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        h, w = self.scale
        results['img'] = mmcv.imresize(
            results['img'], (w, h), interpolation=self.interpolation)
        if 'mask' in results:
            results['mask'] = mmcv.imresize(
                results['mask'], (w, h), interpolation='nearest')
        results['img_shape'] = (h, w)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(scale={self.scale})'


def _mirror(array: np.ndarray) -> np.ndarray:
    """``array[:, ::-1]`` as a new contiguous array (OpenCV's flip, faster
    than copying the reversed view; it drops a trailing channel of size 1,
    which the reshape puts back)."""
    return cv2.flip(array, 1).reshape(array.shape)


@TRANSFORMS.register_module()
class ReIDRandomFlip(BaseTransform):
    """Horizontal flip with probability ``prob``.

    Args:
        prob (float): Flip probability. Defaults to 0.5.
    """

    def __init__(self, prob: float = 0.5) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.prob = prob

    def transform(self, results: dict) -> dict:
        flip = bool(np.random.rand() < self.prob)
        if flip:
            results['img'] = _mirror(results['img'])
            if 'mask' in results:
                results['mask'] = _mirror(results['mask'])
        results['flip'] = flip
        return results


@TRANSFORMS.register_module()
class PadRandomCrop(BaseTransform):
    """Pad every side by ``padding`` then crop the original size at random.

    Args:
        padding (int): Pixels added to each side. Defaults to 10.
        padding_mode (str): 'constant' (zeros) or 'edge'. Defaults to
            'constant'.
    """

    def __init__(self, padding: int = 10, padding_mode: str = 'constant'):
        if padding_mode not in ('constant', 'edge'):
            raise ValueError(
                f"padding_mode must be 'constant' or 'edge', got "
                f'{padding_mode!r}')
        self.padding = int(padding)
        self.padding_mode = padding_mode

    def _crop(self, array: np.ndarray, top: int, left: int) -> np.ndarray:
        """``pad(array)[top:top + h, left:left + w]``."""
        p = self.padding
        h, w = array.shape[:2]
        if self.padding_mode == 'edge':
            pads = ((p, p), (p, p)) + ((0, 0), ) * (array.ndim - 2)
            return np.pad(array, pads, mode='edge')[top:top + h,
                                                    left:left + w]
        # Zero padding: copy the part of the image that the window covers
        # into zeros, without building the padded array.
        out = np.zeros_like(array)
        dy, dx = top - p, left - p
        y0, y1 = max(0, dy), min(h, h + dy)
        x0, x1 = max(0, dx), min(w, w + dx)
        if y1 > y0 and x1 > x0:
            out[y0 - dy:y1 - dy, x0 - dx:x1 - dx] = array[y0:y1, x0:x1]
        return out

    def transform(self, results: dict) -> dict:
        top = np.random.randint(0, 2 * self.padding + 1)
        left = np.random.randint(0, 2 * self.padding + 1)
        results['img'] = self._crop(results['img'], top, left)
        if 'mask' in results:
            results['mask'] = self._crop(results['mask'], top, left)
        return results


@TRANSFORMS.register_module()
class RandomErasing(BaseTransform):
    """Random erasing (Zhong et al., AAAI 2020) of a rectangle of the image.

    The rectangle covers an area fraction in ``[min_area, max_area]`` with
    aspect ratio in ``[min_aspect, 1 / min_aspect]``; it is filled with
    ``fill`` (per-channel BGR values, e.g. the dataset mean) or random
    noise when ``fill`` is None. The mask is left as it is.

    Args:
        prob (float): Erasing probability. Defaults to 0.5.
        min_area (float): Defaults to 0.02.
        max_area (float): Defaults to 0.4.
        min_aspect (float): Defaults to 0.3.
        fill (sequence[float], optional): Fill value. Defaults to the
            ImageNet mean in BGR order.
    """

    def __init__(self,
                 prob: float = 0.5,
                 min_area: float = 0.02,
                 max_area: float = 0.4,
                 min_aspect: float = 0.3,
                 fill: Optional[Sequence[float]] = (103.53, 116.28, 123.675)):
        self.prob = prob
        self.min_area = min_area
        self.max_area = max_area
        self.min_aspect = min_aspect
        self.fill = fill
        # Drawn from at every attempt: computed once.
        self._log_aspect = (np.log(min_aspect), -np.log(min_aspect))
        self._fills = {}

    def transform(self, results: dict) -> dict:
        if np.random.rand() >= self.prob:
            return results
        img = results['img']
        h, w = img.shape[:2]
        for _ in range(100):
            area = np.random.uniform(self.min_area, self.max_area) * h * w
            aspect = np.exp(np.random.uniform(*self._log_aspect))
            eh = int(round(np.sqrt(area * aspect)))
            ew = int(round(np.sqrt(area / aspect)))
            if 0 < eh < h and 0 < ew < w:
                top = np.random.randint(0, h - eh + 1)
                left = np.random.randint(0, w - ew + 1)
                img = img.copy()
                if self.fill is None:
                    img[top:top + eh, left:left + ew] = np.random.randint(
                        0, 256, (eh, ew, img.shape[2]), dtype=np.uint8)
                else:
                    img[top:top + eh, left:left + ew] = self._fill(img.dtype)
                results['img'] = img
                break
        return results

    def _fill(self, dtype: np.dtype) -> np.ndarray:
        """``fill`` as an array of ``dtype`` (through float32, as given)."""
        fill = self._fills.get(dtype)
        if fill is None:
            fill = self._fills[dtype] = np.asarray(
                self.fill, dtype=np.float32).astype(dtype)
        return fill
