"""Market-1501 (Zheng et al., ICCV 2015) and its file-name protocol."""
import os
import os.path as osp
import re
from typing import Dict, List

from mmreidgen.registry import DATASETS
from mmreidgen.utils.image_files import is_image_file

from .base_reid_dataset import BaseReIDDataset


@DATASETS.register_module()
class Market1501(BaseReIDDataset):
    """Market-1501: 1,501 identities seen by 6 cameras.

    Layout below ``data_root`` (the folder that holds the three subsets)::

        bounding_box_train/0002_c1s1_000451_03.jpg   # subset='train'
        query/0001_c1s1_001051_00.jpg                # subset='query'
        bounding_box_test/0000_c1s1_000151_01.jpg    # subset='gallery'
        masks/bounding_box_train/0002_c1s1_000451_03.png   # optional

    File names are ``PPPP_cCsS_FFFFFF_NN.jpg``: person id, camera ``C``
    (1-based, stored as ``camid = C - 1``), sequence, frame and box index.
    Person id ``-1`` marks junk boxes and is dropped from every subset; id
    ``0000`` marks distractors, kept in the gallery (they are valid
    negatives) and dropped from ``train`` and ``query``. The number of
    cameras is read from the names, so the synthetic benchmark's 8-camera
    domain in the same layout loads too.

    Args:
        data_root (str): The folder holding ``bounding_box_train`` etc.
        subset (str): ``'train'``, ``'query'`` or ``'gallery'``.
            Defaults to ``'train'``.
        **kwargs: Arguments of :class:`BaseReIDDataset` (``pipeline``,
            ``domain``, ``with_mask``, ...).
    """

    LAYOUT = ('<data_root>/bounding_box_train/0002_c1s1_000451_03.jpg\n'
              '<data_root>/query/0001_c1s1_001051_00.jpg\n'
              '<data_root>/bounding_box_test/0000_c1s1_000151_01.jpg')
    SUBSET_DIRS: Dict[str, str] = dict(
        train='bounding_box_train',
        query='query',
        gallery='bounding_box_test')
    # Captures the person id and the 1-based camera index.
    NAME_PATTERN = re.compile(r'^(-?\d+)_c(\d+)s\d+_')
    NAME_EXAMPLE = 'PPPP_cCsS_FFFFFF_NN.jpg'

    def load_data_list(self) -> List[dict]:
        """Parse the image names of the subset folder."""
        folder = self.require_dir(self.SUBSET_DIRS[self.subset])
        data_list = []
        for name in sorted(os.listdir(folder)):
            if not is_image_file(name):
                continue
            match = self.NAME_PATTERN.match(name)
            if match is None:
                raise ValueError(
                    f'{type(self).__name__}: cannot parse {name} in '
                    f'{folder}; expected names like {self.NAME_EXAMPLE}.')
            pid, cam = int(match.group(1)), int(match.group(2))
            if pid < 0:
                continue  # junk
            if pid == 0 and self.subset != 'gallery':
                continue  # distractors only serve as gallery negatives
            if cam < 1:
                raise ValueError(
                    f'{type(self).__name__}: camera index {cam} in {name} '
                    'must start at 1.')
            data_list.append(
                dict(img_path=osp.join(folder, name), pid=pid,
                     camid=cam - 1))
        return data_list
