"""MSMT17 (Wei et al., CVPR 2018), releases V1 and V2."""
import os.path as osp
from typing import List, Tuple

from mmreidgen.registry import DATASETS

from .base_reid_dataset import BaseReIDDataset

# (train image folder, test image folder) of each release.
VERSION_DIRS = dict(V1=('train', 'test'), V2=('mask_train_v2', 'mask_test_v2'))


@DATASETS.register_module()
class MSMT17(BaseReIDDataset):
    """MSMT17: 4,101 identities, 15 cameras, indoor and outdoor.

    Layout below ``data_root``; the release is detected from the image
    folders (V1: ``train/``, ``test/``; V2, with faces masked:
    ``mask_train_v2/``, ``mask_test_v2/``)::

        train/0000/0000_000_01_0303morning_0015_0.jpg
        test/0000/0000_000_01_0303morning_0008_0.jpg
        list_train.txt     # lines "0000/0000_000_01_...jpg 0"
        list_val.txt       # images below train/, training identities
        list_query.txt     # images below test/
        list_gallery.txt   # images below test/
        masks/train/0000/0000_000_01_0303morning_0015_0.png  # optional

    ``pid`` is the number on the list line; the camera is the third field
    of the file name ``PPPP_TTT_CC_...jpg`` (``camid = CC - 1``).

    Args:
        data_root (str): The folder holding the lists and image folders.
        subset (str): ``'train'``, ``'query'`` or ``'gallery'``.
            Defaults to ``'train'``.
        combine_train_val (bool): Train on ``list_train.txt`` plus
            ``list_val.txt``, as is common practice. Defaults to True.
        **kwargs: Arguments of :class:`BaseReIDDataset`.
    """

    LAYOUT = ('V1: <data_root>/train/0000/0000_000_01_0303morning_0015_0.jpg'
              '\n    <data_root>/test/0000/0000_000_01_0303morning_0008_0.jpg'
              '\n    <data_root>/list_{train,val,query,gallery}.txt\n'
              'V2: <data_root>/mask_train_v2/..., <data_root>/mask_test_v2/'
              '..., the same list files')

    def __init__(self,
                 data_root: str,
                 subset: str = 'train',
                 combine_train_val: bool = True,
                 **kwargs) -> None:
        self.combine_train_val = combine_train_val
        self.version = None
        super().__init__(data_root=data_root, subset=subset, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the list files of the subset."""
        self.version, (train_dir, test_dir) = self._detect_version()
        if self.subset == 'train':
            lists = ['list_train.txt']
            if self.combine_train_val:
                lists.append('list_val.txt')
            img_dir = train_dir
        else:
            lists = [f'list_{self.subset}.txt']
            img_dir = test_dir
        img_dir = self.require_dir(img_dir)
        data_list = []
        for list_name in lists:
            list_file = self.require_file(list_name)
            data_list.extend(self._read_list(list_file, img_dir))
        return data_list

    def _detect_version(self) -> Tuple[str, Tuple[str, str]]:
        for version, dirs in VERSION_DIRS.items():
            if osp.isdir(osp.join(self.data_root, dirs[0])):
                return version, dirs
        self._raise_not_found(osp.join(self.data_root, 'train'))

    @staticmethod
    def _read_list(list_file: str, img_dir: str) -> List[dict]:
        data_list = []
        with open(list_file, encoding='utf-8') as f:
            for line_no, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                try:
                    rel_path, pid = fields[0], int(fields[1])
                    camid = int(osp.basename(rel_path).split('_')[2]) - 1
                except (IndexError, ValueError):
                    raise ValueError(
                        f'{list_file}:{line_no}: cannot parse {line!r}; '
                        'expected "0000/0000_000_01_0303morning_0015_0.jpg '
                        '0" (relative path, pid; camera = third field of '
                        'the file name).') from None
                data_list.append(
                    dict(img_path=osp.join(img_dir, rel_path), pid=pid,
                         camid=camid))
        return data_list
