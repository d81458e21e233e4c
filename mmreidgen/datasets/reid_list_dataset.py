"""Custom re-id data described by plain list files."""
import os.path as osp
from typing import Dict, List, Optional

from mmreidgen.registry import DATASETS

from .base_reid_dataset import BaseReIDDataset

# Camera given to every image of a subset whose list has no camera column:
# query and gallery differ, so the evaluation's rule "drop gallery images
# with the query's pid and camid" never removes a true match.
DEFAULT_CAMIDS = dict(train=0, query=0, gallery=1)


@DATASETS.register_module()
class ReIDListDataset(BaseReIDDataset):
    """Images listed in a text file, one ``rel_path pid [camid]`` a line.

    Example layout::

        <data_root>/images/alice_001.jpg
        <data_root>/train.txt     # "images/alice_001.jpg 0 2"
        <data_root>/query.txt
        <data_root>/gallery.txt
        <data_root>/masks/images/alice_001.png   # optional

    Paths are relative to ``data_root`` (absolute paths are kept as they
    are). ``pid`` is any integer; a negative ``pid`` marks junk and the
    line is dropped. ``camid`` is a 0-based integer. A list either gives
    ``camid`` on every line or on none; without it, every image of the
    subset gets the subset's camera: ``train`` 0, ``query`` 0,
    ``gallery`` 1. Query and gallery then never share a camera, so the
    same-camera exclusion of the evaluation keeps every gallery match; the
    lists must therefore not hold the same image in both query and
    gallery. Blank lines and lines starting with ``#`` are skipped.

    Args:
        data_root (str): Root of images and (relative) list files.
        subset (str): ``'train'``, ``'query'`` or ``'gallery'``.
            Defaults to ``'train'``.
        ann_file (str): The list of this subset. Defaults to ``''``.
        ann_files (dict, optional): Lists by subset, e.g.
            ``dict(train='train.txt', query='query.txt',
            gallery='gallery.txt')``; the entry of ``subset`` is used.
            Give either this or ``ann_file``. Defaults to None.
        **kwargs: Arguments of :class:`BaseReIDDataset`.
    """

    LAYOUT = ('<data_root>/<list file> with lines "images/0001_a.jpg 1 0" '
              '(path relative to data_root, pid, optional 0-based camid)\n'
              '<data_root>/images/0001_a.jpg')

    def __init__(self,
                 data_root: str,
                 subset: str = 'train',
                 ann_file: str = '',
                 ann_files: Optional[Dict[str, str]] = None,
                 **kwargs) -> None:
        if bool(ann_file) == bool(ann_files):
            raise ValueError(
                'ReIDListDataset needs exactly one of ann_file (the list of '
                "this subset) or ann_files=dict(train=..., query=..., "
                f'gallery=...); got ann_file={ann_file!r}, '
                f'ann_files={ann_files!r}.')
        if ann_files:
            if subset not in ann_files:
                raise KeyError(
                    f"ann_files has no entry for subset='{subset}'; it "
                    f'holds {sorted(ann_files)}.')
            ann_file = ann_files[subset]
        super().__init__(
            data_root=data_root, subset=subset, ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the list file."""
        if not osp.isfile(self.ann_file):
            self._raise_not_found(self.ann_file)
        data_list, missing, has_camid = [], [], None
        with open(self.ann_file, encoding='utf-8') as f:
            for line_no, line in enumerate(f, 1):
                fields = line.split()
                if not fields or fields[0].startswith('#'):
                    continue
                where = f'{self.ann_file}:{line_no}'
                info = self._parse_line(fields, where)
                if has_camid is None:
                    has_camid = 'camid' in info
                elif has_camid != ('camid' in info):
                    raise ValueError(
                        f'{where}: give camid on every line of the list or '
                        f'on none; got {line.strip()!r}.')
                if info['pid'] < 0:
                    continue  # junk
                info.setdefault('camid', DEFAULT_CAMIDS[self.subset])
                if not osp.isfile(info['img_path']):
                    missing.append(info['img_path'])
                data_list.append(info)
        if missing:
            raise FileNotFoundError(
                f'{len(missing)} images listed in {self.ann_file} are '
                f'missing, e.g. {missing[0]}; paths are relative to '
                f'data_root={self.data_root}.')
        return data_list

    def _parse_line(self, fields: List[str], where: str) -> dict:
        if len(fields) not in (2, 3):
            raise ValueError(
                f'{where}: expected "rel_path pid [camid]", got '
                f'{" ".join(fields)!r}.')
        try:
            numbers = [int(x) for x in fields[1:]]
        except ValueError:
            raise ValueError(
                f'{where}: pid and camid must be integers, got '
                f'{" ".join(fields[1:])!r}.') from None
        info = dict(
            img_path=osp.join(self.data_root, fields[0]), pid=numbers[0])
        if len(numbers) == 2:
            if numbers[1] < 0:
                raise ValueError(
                    f'{where}: camid {numbers[1]} must be >= 0 (0-based).')
            info['camid'] = numbers[1]
        return info
