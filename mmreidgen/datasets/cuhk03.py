"""CUHK03 (Li et al., CVPR 2014) with the new and the classic protocol."""
import os
import os.path as osp
from typing import List, Tuple

import numpy as np

from mmreidgen.registry import DATASETS
from mmreidgen.utils.image_files import is_image_file

from .base_reid_dataset import BaseReIDDataset

IMAGE_SETS = ('labeled', 'detected')
PROTOCOLS = ('new', 'classic')
NUM_CLASSIC_SPLITS = 20


def _mat_strings(array: np.ndarray) -> List[str]:
    """Turn a MATLAB cell array or char matrix from loadmat into strings."""
    out = []
    for item in np.asarray(array).ravel():
        while isinstance(item, np.ndarray):
            item = item.ravel()[0] if item.size else ''
        out.append(str(item).strip())
    return out


def _mat_ints(array: np.ndarray) -> np.ndarray:
    return np.asarray(array).astype(np.int64).ravel()


@DATASETS.register_module()
class CUHK03(BaseReIDDataset):
    """CUHK03: 1,467 identities, each seen by one of 5 camera pairs.

    Images are read from already-extracted folders (the layout torchreid
    writes when it converts ``cuhk-03.mat``, which is HDF5 and needs
    h5py)::

        images_labeled/1_001_1_01.png    # campus_pid_view_image
        images_detected/1_001_1_01.png
        cuhk03_new_protocol_config_labeled.mat    # protocol='new'
        cuhk03_new_protocol_config_detected.mat
        masks/images_labeled/1_001_1_01.png       # optional

    ``view`` is 1 or 2, the camera of the identity's camera pair, stored as
    ``camid = view - 1``; identities never cross campuses, so two cameras
    are enough for the same-camera exclusion of the evaluation.

    Protocols:

    - ``'new'`` (Zhong et al., CVPR 2017): 767 training and 700 test
      identities, read from the published split file (keys ``train_idx``,
      ``query_idx``, ``gallery_idx``: 1-based indices into ``filelist``,
      ``labels`` and ``camId``). ``pid`` is ``labels``, ``camid`` is
      ``camId - 1``.
    - ``'classic'`` (Li et al., CVPR 2014): 20 random splits of 1,367
      training and 100 test identities. Split ``split_id`` is the
      permutation of the sorted ``(campus, pid)`` identities drawn by
      ``numpy.random.default_rng([seed, split_id])``; its first
      ``num_test_ids`` identities are the test set. These are seeded
      splits, not the 20 test sets stored inside ``cuhk-03.mat``.
      ``pid`` is the 1-based index of ``(campus, pid)`` in sorted order.
      ``query`` holds the test identities' view-1 images and ``gallery``
      their view-2 images, so every query has cross-camera matches.

    Args:
        data_root (str): The folder holding ``images_labeled`` etc.
        subset (str): ``'train'``, ``'query'`` or ``'gallery'``.
            Defaults to ``'train'``.
        image_set (str): ``'labeled'`` (hand-drawn boxes) or
            ``'detected'`` (DPM boxes). Defaults to ``'labeled'``.
        protocol (str): ``'new'`` or ``'classic'``. Defaults to ``'new'``.
        split_id (int): Classic split, ``0..19``. Defaults to 0.
        seed (int): Seed of the classic splits. Defaults to 0.
        num_test_ids (int): Test identities of the classic protocol.
            Defaults to 100.
        **kwargs: Arguments of :class:`BaseReIDDataset`.
    """

    LAYOUT = ('<data_root>/images_labeled/1_001_1_01.png\n'
              '<data_root>/images_detected/1_001_1_01.png\n'
              '<data_root>/cuhk03_new_protocol_config_labeled.mat\n'
              '<data_root>/cuhk03_new_protocol_config_detected.mat')

    def __init__(self,
                 data_root: str,
                 subset: str = 'train',
                 image_set: str = 'labeled',
                 protocol: str = 'new',
                 split_id: int = 0,
                 seed: int = 0,
                 num_test_ids: int = 100,
                 **kwargs) -> None:
        if image_set not in IMAGE_SETS:
            raise ValueError(
                f'image_set={image_set!r} is not one of {IMAGE_SETS}.')
        if protocol not in PROTOCOLS:
            raise ValueError(
                f'protocol={protocol!r} is not one of {PROTOCOLS}.')
        if protocol == 'classic' and not (0 <= split_id <
                                          NUM_CLASSIC_SPLITS):
            raise ValueError(
                f'split_id={split_id} is out of range; the classic '
                f'protocol has splits 0..{NUM_CLASSIC_SPLITS - 1}.')
        self.image_set = image_set
        self.protocol = protocol
        self.split_id = split_id
        self.seed = seed
        self.num_test_ids = num_test_ids
        super().__init__(data_root=data_root, subset=subset, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the images of the chosen image set, protocol and subset."""
        img_dir = self.require_dir(f'images_{self.image_set}')
        if self.protocol == 'new':
            return self._load_new_protocol(img_dir)
        return self._load_classic_protocol(img_dir)

    def _load_new_protocol(self, img_dir: str) -> List[dict]:
        from scipy.io import loadmat

        split_file = self.require_file(
            f'cuhk03_new_protocol_config_{self.image_set}.mat')
        split = loadmat(split_file)
        keys = ('train_idx', 'query_idx', 'gallery_idx', 'filelist',
                'labels', 'camId')
        missing = [k for k in keys if k not in split]
        if missing:
            raise KeyError(
                f'{split_file} lacks {missing}; expected the published '
                f'split file with keys {keys}.')
        names = _mat_strings(split['filelist'])
        labels = _mat_ints(split['labels'])
        cams = _mat_ints(split['camId'])
        indices = _mat_ints(split[f'{self.subset}_idx'])
        data_list, missing_imgs = [], []
        for index in indices:
            if not 1 <= index <= len(names):
                raise ValueError(
                    f'{split_file}: {self.subset}_idx holds {index}, '
                    f'outside the 1-based range 1..{len(names)}.')
            i = index - 1
            img_path = osp.join(img_dir, names[i])
            if not osp.isfile(img_path):
                missing_imgs.append(img_path)
            data_list.append(
                dict(img_path=img_path, pid=int(labels[i]),
                     camid=int(cams[i]) - 1))
        if missing_imgs:
            raise FileNotFoundError(
                f'{len(missing_imgs)} images listed in {split_file} are '
                f'missing, e.g. {missing_imgs[0]}. Expected layout:\n'
                f'{self.LAYOUT}')
        return data_list

    def _load_classic_protocol(self, img_dir: str) -> List[dict]:
        records = []
        for name in sorted(os.listdir(img_dir)):
            if not is_image_file(name):
                continue
            records.append((name, *self._parse_name(name, img_dir)))
        identities = sorted({(campus, pid) for _, campus, pid, _ in records})
        if len(identities) <= self.num_test_ids:
            raise ValueError(
                f'{img_dir} holds {len(identities)} identities, not more '
                f'than num_test_ids={self.num_test_ids}.')
        order = np.random.default_rng([self.seed, self.split_id]) \
            .permutation(len(identities))
        test_ids = {identities[i] for i in order[:self.num_test_ids]}
        global_pid = {key: i + 1 for i, key in enumerate(identities)}
        data_list = []
        for name, campus, pid, view in records:
            is_test = (campus, pid) in test_ids
            if self.subset == 'train':
                keep = not is_test
            else:
                wanted_view = 1 if self.subset == 'query' else 2
                keep = is_test and view == wanted_view
            if keep:
                data_list.append(
                    dict(img_path=osp.join(img_dir, name),
                         pid=global_pid[(campus, pid)], camid=view - 1))
        return data_list

    @staticmethod
    def _parse_name(name: str, img_dir: str) -> Tuple[int, int, int]:
        parts = osp.splitext(name)[0].split('_')
        try:
            campus, pid, view = (int(p) for p in parts[:3])
        except ValueError:
            campus = pid = view = -1
        if len(parts) != 4 or view not in (1, 2):
            raise ValueError(
                f'CUHK03: cannot parse {name} in {img_dir}; expected '
                'campus_pid_view_image.png with view 1 or 2, e.g. '
                '1_001_1_01.png.')
        return campus, pid, view
