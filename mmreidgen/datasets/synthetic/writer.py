"""Market-1501 layout on disk: box names, images, masks and stats."""
import json
import os
import os.path as osp
import shutil
from typing import Dict, Sequence

import cv2
import numpy as np

SUBSET_DIRS = dict(
    train='bounding_box_train', query='query', gallery='bounding_box_test')
# Every mask folder a render may write; a re-render removes them all so
# that files of an earlier render (or another version) never mix in.
MASK_DIRS = ('masks', 'masks_exact')


class MarketWriter:
    """Name boxes the Market-1501 way and write their image and masks.

    Names are ``PPPP_cCsS_FFFFFF_NN``: person id (``-1`` for junk), the
    1-based camera, a sequence that advances every 20,000 frames, a frame
    number that grows per camera and a box index, as in Market-1501.

    Args:
        root (str): The domain folder (holds ``bounding_box_train`` etc.).
        num_cameras (int): Cameras of the domain.
        mask_dirs (Sequence[str]): Mask folders to write, each mirroring
            the subset folders (e.g. ``masks/query/<stem>.png``); empty
            for no masks.
    """

    def __init__(self, root: str, num_cameras: int,
                 mask_dirs: Sequence[str]) -> None:
        unknown = set(mask_dirs) - set(MASK_DIRS)
        if unknown:
            raise ValueError(f'mask_dirs {sorted(unknown)} unknown; expected '
                             f'a subset of {MASK_DIRS}.')
        self.root = root
        self.mask_dirs = tuple(mask_dirs)
        self.frames = [0] * num_cameras
        for sub in (*SUBSET_DIRS.values(), *MASK_DIRS):
            shutil.rmtree(osp.join(root, sub), ignore_errors=True)
        for sub in SUBSET_DIRS.values():
            os.makedirs(osp.join(root, sub), exist_ok=True)
            for mask_dir in self.mask_dirs:
                os.makedirs(osp.join(root, mask_dir, sub), exist_ok=True)

    def next_stem(self, rng: np.random.Generator, pid: int, cam: int) -> str:
        """Advance the camera's frame counter and name the next box.

        Args:
            rng (np.random.Generator): The box's generator (two draws).
            pid (int): Person id; 0 for distractors, -1 for junk.
            cam (int): 0-based camera index.

        Returns:
            str: The file stem, e.g. ``0002_c1s1_000451_03``.
        """
        self.frames[cam] += int(rng.integers(5, 60))
        seq = 1 + self.frames[cam] // 20000
        return (f'{pid:04d}' if pid >= 0 else str(pid)) + (
            f'_c{cam + 1}s{seq}_{self.frames[cam]:06d}_'
            f'{int(rng.integers(0, 4)):02d}')

    def write(self, rng: np.random.Generator, subset: str, pid: int,
              cam: int, img: np.ndarray, masks: Dict[str, np.ndarray],
              quality: int) -> str:
        """Write one box as JPEG and its masks as PNG.

        Args:
            rng (np.random.Generator): The box's generator.
            subset (str): ``'train'``, ``'query'`` or ``'gallery'``.
            pid (int): Person id.
            cam (int): 0-based camera index.
            img (np.ndarray): BGR uint8 box.
            masks (dict[str, np.ndarray]): uint8 mask per mask folder;
                only the folders of ``mask_dirs`` are written.
            quality (int): JPEG quality.

        Returns:
            str: Path of the written image.
        """
        stem = self.next_stem(rng, pid, cam)
        sub = SUBSET_DIRS[subset]
        path = osp.join(self.root, sub, stem + '.jpg')
        cv2.imwrite(path, img, [cv2.IMWRITE_JPEG_QUALITY, quality])
        for mask_dir in self.mask_dirs:
            cv2.imwrite(osp.join(self.root, mask_dir, sub, stem + '.png'),
                        masks[mask_dir])
        return path


def write_stats(result: dict, out_dir: str) -> str:
    """Save a render's summary as ``<out_dir>/stats.json``.

    Args:
        result (dict): What :func:`make_synthetic_reid` returns.
        out_dir (str): The benchmark folder.

    Returns:
        str: Path of the written file.
    """
    path = osp.join(out_dir, 'stats.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(result, f, indent=1)
    return path
