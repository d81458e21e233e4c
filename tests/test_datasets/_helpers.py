"""Tiny generated fixture trees for the dataset tests."""
import os
import os.path as osp
from typing import Iterable

import cv2
import numpy as np

_BYTES = {}


def _encoded(ext: str) -> bytes:
    if ext not in _BYTES:
        ok, buf = cv2.imencode(ext, np.full((4, 2, 3), 128, np.uint8))
        assert ok, f'cv2 cannot encode {ext}'
        _BYTES[ext] = buf.tobytes()
    return _BYTES[ext]


def write_images(folder: str, names: Iterable[str]) -> None:
    """Write a tiny valid image for every name (format from the suffix)."""
    os.makedirs(folder, exist_ok=True)
    for name in names:
        path = osp.join(folder, name)
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(_encoded(osp.splitext(name)[1].lower()))


def write_masks(root: str, rel_images: Iterable[str]) -> None:
    """Write ``<root>/masks/<rel image path>.png`` for every image."""
    for rel in rel_images:
        path = osp.join(root, 'masks', osp.splitext(rel)[0] + '.png')
        os.makedirs(osp.dirname(path), exist_ok=True)
        mask = np.zeros((4, 2), np.uint8)
        mask[1:3] = 255
        cv2.imwrite(path, mask)
