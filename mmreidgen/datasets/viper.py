"""VIPeR (Gray et al., PETS 2007) with seeded random splits."""
import os
import os.path as osp
from typing import Dict, List

import numpy as np

from mmreidgen.registry import DATASETS
from mmreidgen.utils.image_files import is_image_file

from .base_reid_dataset import BaseReIDDataset

NUM_SPLITS = 10


@DATASETS.register_module()
class VIPeR(BaseReIDDataset):
    """VIPeR: 632 identities, one image in each of two cameras.

    Layout below ``data_root``::

        cam_a/000_45.bmp    # <pid>_<viewpoint angle>
        cam_b/000_90.bmp
        masks/cam_a/000_45.png   # optional

    Images are paired by the number before the first ``_``. Split
    ``split_id`` (``0..9``) shuffles the sorted ids with
    ``numpy.random.default_rng([seed, split_id])``: the first half trains
    (both cameras), the second half tests with ``query`` = its ``cam_a``
    images (``camid`` 0) and ``gallery`` = its ``cam_b`` images
    (``camid`` 1).

    Args:
        data_root (str): The folder holding ``cam_a`` and ``cam_b``.
        subset (str): ``'train'``, ``'query'`` or ``'gallery'``.
            Defaults to ``'train'``.
        split_id (int): Which of the 10 random splits. Defaults to 0.
        seed (int): Seed of the splits. Defaults to 0.
        **kwargs: Arguments of :class:`BaseReIDDataset`.
    """

    LAYOUT = ('<data_root>/cam_a/000_45.bmp\n'
              '<data_root>/cam_b/000_90.bmp')

    def __init__(self,
                 data_root: str,
                 subset: str = 'train',
                 split_id: int = 0,
                 seed: int = 0,
                 **kwargs) -> None:
        if not 0 <= split_id < NUM_SPLITS:
            raise ValueError(
                f'split_id={split_id} is out of range; VIPeR has splits '
                f'0..{NUM_SPLITS - 1}.')
        self.split_id = split_id
        self.seed = seed
        super().__init__(data_root=data_root, subset=subset, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Pair the two cameras and return the subset of the split."""
        cams = [self._read_camera(d) for d in ('cam_a', 'cam_b')]
        unpaired = sorted(set(cams[0]) ^ set(cams[1]))
        if unpaired:
            raise ValueError(
                f'VIPeR: ids {unpaired[:5]} have an image in only one of '
                f'cam_a/cam_b under {self.data_root}; every id needs one '
                'image in each camera.')
        pids = sorted(cams[0])
        order = np.random.default_rng([self.seed, self.split_id]) \
            .permutation(len(pids))
        num_train = len(pids) // 2
        chosen = order[:num_train] if self.subset == 'train' \
            else order[num_train:]
        if self.subset == 'train':
            cam_ids = (0, 1)
        else:
            cam_ids = (0, ) if self.subset == 'query' else (1, )
        return [
            dict(img_path=cams[camid][pids[i]], pid=pids[i], camid=camid)
            for i in sorted(chosen) for camid in cam_ids
        ]

    def _read_camera(self, cam_dir: str) -> Dict[int, str]:
        folder = self.require_dir(cam_dir)
        images = {}
        for name in sorted(os.listdir(folder)):
            if not is_image_file(name):
                continue
            try:
                pid = int(name.split('_')[0])
            except ValueError:
                raise ValueError(
                    f'VIPeR: cannot parse {name} in {folder}; expected '
                    '<pid>_<angle>.bmp, e.g. 000_45.bmp.') from None
            if pid in images:
                raise ValueError(
                    f'VIPeR: {folder} holds two images of id {pid}: '
                    f'{osp.basename(images[pid])} and {name}.')
            images[pid] = osp.join(folder, name)
        return images
