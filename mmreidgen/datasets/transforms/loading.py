"""Image and person-mask loading."""
import os.path as osp
from typing import Dict, Optional, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmengine.logging import print_log

from mmreidgen.registry import TRANSFORMS


def decode_image(path: str, flag: str = 'color',
                 backend_args: Optional[dict] = None) -> Optional[np.ndarray]:
    """Decode an image file as :class:`LoadReIDImage` does.

    The bytes are read through mmengine's file backend and decoded from
    memory by OpenCV (``mmcv.imfrombytes``). This is stricter than
    ``cv2.imread``, which returns a truncated JPEG's partial picture:
    ``--check-data`` decodes through this function so that it passes
    exactly the files the loader reads.

    Args:
        path (str): The file.
        flag (str): ``'color'`` (BGR) or ``'grayscale'``. Defaults to
            'color'.
        backend_args (dict, optional): mmengine file backend arguments.
            Defaults to None.

    Returns:
        np.ndarray | None: The image; None when the file is missing, empty,
        truncated or not an image.
    """
    try:
        img_bytes = fileio.get(path, backend_args=backend_args)
        img = mmcv.imfrombytes(img_bytes, flag=flag, backend='cv2')
    except Exception:
        return None
    if img is None or img.size == 0:
        return None
    return img


@TRANSFORMS.register_module()
class LoadReIDImage(BaseTransform):
    """Load a person image and, optionally, its mask.

    Adds ``img`` (BGR uint8, HxWx3), ``img_shape``, ``ori_shape`` and, with
    ``with_mask``, ``mask`` (float32 HxW in [0, 1]; pixels > 127 count as
    person).

    Args:
        with_mask (bool): Load ``results['mask_path']``. Defaults to False.
        mask_fallback (str, optional): What to do when a mask is missing and
            ``with_mask`` is True: ``None`` raises an error, ``'full'`` uses
            an all-person mask (every pixel foreground). Defaults to None.
        skip_bad_images (bool): Return ``None`` for an unreadable image
            (the dataset then samples another index) after a logged warning,
            instead of raising. Defaults to False.
        backend_args (dict, optional): mmengine file backend arguments.
        cache_mb (float): Keep decoded images (and masks) in memory, up to
            this many MiB per process, and hand out copies: for small
            datasets, where decoding is the largest cost of loading (the
            synthetic benchmark's 821 training images of 128x64 take
            20 MiB). Once the budget is used up, later images are decoded
            every time. 0 turns the cache off. Defaults to 0.
    """

    def __init__(self,
                 with_mask: bool = False,
                 mask_fallback: Optional[str] = None,
                 skip_bad_images: bool = False,
                 backend_args: Optional[dict] = None,
                 cache_mb: float = 0) -> None:
        if mask_fallback not in (None, 'full'):
            raise ValueError(
                f"mask_fallback must be None or 'full', got {mask_fallback!r}")
        if cache_mb < 0:
            raise ValueError(f'cache_mb must be >= 0, got {cache_mb}')
        self.with_mask = with_mask
        self.mask_fallback = mask_fallback
        self.skip_bad_images = skip_bad_images
        self.backend_args = backend_args
        self.cache_bytes = int(cache_mb * 2**20)
        self._cache: Dict[str, Tuple[np.ndarray, Optional[np.ndarray]]] = {}
        self._cached_bytes = 0

    def _read(self, path: str, flag: str) -> Optional[np.ndarray]:
        """Decode ``path``; ``None`` when it is missing or not an image."""
        return decode_image(path, flag, self.backend_args)

    def transform(self, results: dict) -> Optional[dict]:
        cached = self._cache.get(results['img_path'])
        if cached is not None:
            img, mask = cached
            results['img'] = img.copy()
            results['img_shape'] = results['ori_shape'] = img.shape[:2]
            if self.with_mask:
                results['mask'] = mask.copy()
            return results
        results = self._load(results)
        if results is not None and self._cached_bytes < self.cache_bytes:
            mask = results.get('mask') if self.with_mask else None
            self._cache[results['img_path']] = (
                results['img'].copy(), None if mask is None else mask.copy())
            self._cached_bytes += results['img'].nbytes + (
                0 if mask is None else mask.nbytes)
        return results

    def _load(self, results: dict) -> Optional[dict]:
        path = results['img_path']
        img = self._read(path, 'color')
        if img is None:
            msg = (f'Cannot read image {path}: the file is missing, empty '
                   'or truncated.')
            if self.skip_bad_images:
                print_log(f'{msg} Skipped (skip_bad_images=True).',
                          logger='current', level=30)
                return None
            raise OSError(
                f'{msg} Replace or delete it (and re-run), or set '
                'skip_bad_images=True in LoadReIDImage to skip such files '
                'with a warning (for the training pipelines of a config: '
                '--cfg-options skip_bad_images=True).')
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        if self.with_mask:
            results['mask'] = self._load_mask(results, img.shape[:2])
        return results

    def _load_mask(self, results: dict, shape: tuple) -> np.ndarray:
        mask_path = results.get('mask_path')
        mask = None
        if mask_path is not None and osp.isfile(mask_path):
            mask = self._read(mask_path, 'grayscale')
        if mask is None:
            if self.mask_fallback == 'full':
                return np.ones(shape, dtype=np.float32)
            raise FileNotFoundError(
                f'No readable person mask for {results["img_path"]} '
                f'(looked for {mask_path}). Masks live in '
                '<data_root>/masks/<subfolder>/<image stem>.png; produce '
                'them with a human parser as in docs/en/dataset_prepare.md, '
                "or set mask_fallback='full' in LoadReIDImage to use "
                'whole-image masks.')
        if mask.shape[:2] != tuple(shape):
            mask = mmcv.imresize(
                mask, (shape[1], shape[0]), interpolation='nearest')
        return (mask > 127).astype(np.float32)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(with_mask={self.with_mask}, '
                f'mask_fallback={self.mask_fallback!r}, '
                f'cache_mb={self.cache_bytes / 2**20:g})')
