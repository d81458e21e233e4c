"""The common base of every person re-identification dataset."""
import os
import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset, force_full_init
from mmengine.logging import print_log

from mmreidgen.registry import DATASETS, TRANSFORMS

from .hold_out import HOLD_OUT_PARTS, hold_out_one_per_identity
from .synthetic.styles import DOMAINS

SUBSETS = ('train', 'query', 'gallery')
MASK_DIR = 'masks'
MASK_DOC = 'docs/en/dataset_prepare.md ("Person masks")'
# Where make_synthetic_reid.py writes each version by default; a config
# reading version 1 from here gets the version flag in its hint.
_SYNTHETIC_V1_ROOT = 'synthreid'


def synthetic_hint(data_root: str) -> str:
    """How to render a missing domain of the synthetic benchmark.

    Args:
        data_root (str): A ``data_root`` that does not exist.

    Returns:
        str: One sentence ending in a space, or ``''`` when ``data_root``
        is not a domain of the synthetic benchmark.
    """
    root = osp.normpath(data_root)
    if osp.basename(root) not in DOMAINS:
        return ''
    out = osp.dirname(root) or '.'
    version = ' --version 1' if osp.basename(out) == _SYNTHETIC_V1_ROOT \
        else ''
    return (f'It is a domain of the synthetic benchmark: render it with '
            f'`python tools/dataset_converters/make_synthetic_reid.py '
            f'--out {out}{version}` (or `make demo`), or point the config '
            f'at a render elsewhere with `--cfg-options synth_root=PATH`. ')



def build_transforms(pipeline) -> list:
    """Transforms of a dataset, built from this package's registry.

    A pipeline of dicts then works without a runner setting
    ``default_scope``.
    """
    return [
        TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline
    ]

@DATASETS.register_module()
class BaseReIDDataset(BaseDataset):
    """A person re-id subset: a list of images with person and camera ids.

    Subclasses implement :meth:`load_data_list` and return one dict per kept
    image with ``img_path`` (absolute), ``pid`` (the dataset's own int id)
    and ``camid`` (0-based int); images that the protocol ignores (junk,
    distractors in the training set) are left out there. This class then
    completes every dict with

    - ``subset`` and ``domain`` (the constructor arguments);
    - ``orig_pid``, the id read from disk, and for ``subset='train'``
      ``pid`` relabelled to ``0..N-1`` in the sorted order of ``orig_pid``;
    - ``mask_path`` where ``<data_root>/masks/<image path relative to
      data_root, suffix .png>`` exists (single-channel PNG, person > 127).

    It exposes ``num_ids`` (alias ``num_classes``: distinct person ids) and
    ``num_cameras`` (distinct camera ids in this subset) and logs a
    statistics table when the list is loaded.

    Args:
        data_root (str): Root folder of the dataset; the layout below it is
            described by each subclass and in ``docs/en/dataset_prepare.md``.
        subset (str): ``'train'``, ``'query'`` or ``'gallery'``.
            Defaults to ``'train'``.
        pipeline (Sequence[dict | Callable]): Transforms, built from
            :data:`mmreidgen.registry.TRANSFORMS`. Defaults to ``()``.
        domain (str, optional): Stored in every sample as ``domain``, e.g.
            ``'source'`` or ``'target'`` in two-domain training.
            Defaults to None.
        test_mode (bool, optional): mmengine's test mode (no re-fetching of
            failed samples). None means ``subset != 'train'``.
            Defaults to None.
        lazy_init (bool): Defer reading the folder until first use.
            Defaults to False.
        with_mask (bool): Require a person mask for every image and raise
            an error naming the first missing one. When False, ``mask_path``
            is still set for images whose mask exists. Defaults to False.
        hold_out (dict, optional): For ``subset='train'``: hold one image
            per identity out (:mod:`mmreidgen.datasets.hold_out`) and keep
            ``part='rest'`` (training, and the validation gallery) or
            ``part='held'`` (the validation queries: their ``subset`` is
            ``'query'``), drawn with ``seed`` (default 0). Labels are those
            of the whole training set. Defaults to None (every image).
        **kwargs: Other arguments of :class:`mmengine.dataset.BaseDataset`
            (``metainfo``, ``indices``, ``serialize_data``, ...).
    """

    # No metainfo: mmengine's ConcatDataset refuses datasets whose metainfo
    # differs, and two-domain training concatenates different datasets.
    METAINFO: dict = dict()
    # Expected folder layout, shown in every "not found" error. Subclasses
    # replace it with a few example paths below ``<data_root>``.
    LAYOUT: str = '<data_root>/...'

    def __init__(self,
                 data_root: str,
                 subset: str = 'train',
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 domain: Optional[str] = None,
                 test_mode: Optional[bool] = None,
                 lazy_init: bool = False,
                 with_mask: bool = False,
                 hold_out: Optional[dict] = None,
                 **kwargs) -> None:
        if subset not in SUBSETS:
            raise ValueError(
                f'subset={subset!r} is not supported by '
                f'{type(self).__name__}; use one of {SUBSETS}.')
        if not data_root or not isinstance(data_root, str):
            raise ValueError(
                f'data_root={data_root!r} must be the path of the dataset '
                f'folder, e.g. data/market1501; layout:\n{self.LAYOUT}')
        if hold_out is not None:
            unknown = set(hold_out) - {'part', 'seed'}
            if subset != 'train' or unknown or hold_out.get(
                    'part') not in HOLD_OUT_PARTS:
                raise ValueError(
                    f'hold_out={hold_out!r} (subset={subset!r}): use '
                    "dict(part='rest' or 'held', seed=0) on subset='train'.")
        self.hold_out = hold_out
        self.subset = subset
        self.domain = domain
        self.with_mask = with_mask
        self.num_ids = 0
        self.num_cameras = 0
        if test_mode is None:
            test_mode = subset != 'train'
        super().__init__(
            data_root=osp.abspath(osp.expanduser(data_root)),
            pipeline=build_transforms(pipeline),
            test_mode=test_mode,
            lazy_init=lazy_init,
            **kwargs)

    @property
    def num_classes(self) -> int:
        """int: Number of identities; the classifier size for ``train``."""
        return self.num_ids

    def load_data_list(self) -> List[dict]:
        """Read the subset from disk; implemented by every dataset.

        Returns:
            list[dict]: One dict per image with ``img_path``, ``pid`` and
            0-based ``camid``.
        """
        raise NotImplementedError(
            f'{type(self).__name__} must implement load_data_list().')

    def full_init(self) -> None:
        """Load, complete and serialise the list, then log its statistics."""
        if self._fully_initialized:
            return
        super().full_init()
        self._log_statistics()

    def filter_data(self) -> List[dict]:
        """Complete the list returned by :meth:`load_data_list`.

        Adds ``subset``, ``domain``, ``orig_pid`` and ``mask_path``,
        relabels training ids to ``0..N-1`` and counts ids and cameras.

        Returns:
            list[dict]: The completed list.
        """
        data_list = self.data_list
        if not data_list:
            raise RuntimeError(
                f'{type(self).__name__} found no images for '
                f"subset='{self.subset}' under {self.data_root}; expected "
                f'layout:\n{self.LAYOUT}')
        pids = sorted({info['pid'] for info in data_list})
        label_of = {pid: i for i, pid in enumerate(pids)}
        existing_masks = self._existing_masks()
        for info in data_list:
            info['orig_pid'] = info['pid']
            if self.subset == 'train':
                info['pid'] = label_of[info['pid']]
            info['subset'] = self.subset
            info['domain'] = self.domain
            mask_path = self.mask_path_of(info['img_path'])
            if mask_path is not None and mask_path in existing_masks:
                info['mask_path'] = mask_path
            elif self.with_mask:
                self._raise_missing_mask(info['img_path'], mask_path)
        if self.hold_out is not None:
            held = hold_out_one_per_identity(
                [info['pid'] for info in data_list],
                int(self.hold_out.get('seed', 0)))
            keep = self.hold_out['part'] == 'held'
            data_list = [info for info, h in zip(data_list, held)
                         if h == keep]
            if keep:
                for info in data_list:
                    info['subset'] = 'query'
        self.num_ids = len({info['pid'] for info in data_list})
        self.num_cameras = len({info['camid'] for info in data_list})
        return data_list

    def mask_path_of(self, img_path: str) -> Optional[str]:
        """Return where the person mask of an image is expected.

        Args:
            img_path (str): Absolute image path.

        Returns:
            str | None: ``<data_root>/masks/<relative path>.png``, or None
            for an image outside ``data_root``.
        """
        rel = osp.relpath(img_path, self.data_root)
        if rel.startswith(os.pardir):
            return None
        return osp.join(self.data_root, MASK_DIR,
                        osp.splitext(rel)[0] + '.png')

    @force_full_init
    def get_cat_ids(self, idx: int) -> List[int]:
        """Return ``[pid]`` of a sample (used by class-balanced wrappers).

        Args:
            idx (int): Index of the sample.

        Returns:
            list[int]: The (relabelled for ``train``) person id.
        """
        return [self.get_data_info(idx)['pid']]

    def require_dir(self, rel_dir: str) -> str:
        """Return ``<data_root>/<rel_dir>`` or raise a layout error.

        Args:
            rel_dir (str): A folder expected below ``data_root``.

        Returns:
            str: The absolute folder path.
        """
        return self._require(rel_dir, osp.isdir)

    def require_file(self, rel_file: str) -> str:
        """The same as :meth:`require_dir`, for a file."""
        return self._require(rel_file, osp.isfile)

    def _require(self, rel_path: str, exists) -> str:
        path = osp.join(self.data_root, rel_path)
        if not exists(path):
            self._raise_not_found(path)
        return path

    def _raise_not_found(self, path: str) -> None:
        name = type(self).__name__
        if not osp.isdir(self.data_root):
            raise FileNotFoundError(
                f'{name}: data_root {self.data_root} does not exist. '
                f'{synthetic_hint(self.data_root)}Expected layout:\n'
                f'{self.LAYOUT}\nSee docs/en/dataset_prepare.md.')
        hint = ''
        # Archives often extract into one extra folder level.
        rel = osp.relpath(path, self.data_root)
        for entry in sorted(os.listdir(self.data_root)):
            nested = osp.join(self.data_root, entry)
            if osp.exists(osp.join(nested, rel)):
                hint = (f'\nFound {osp.join(nested, rel)}: set '
                        f"data_root='{nested}'.")
                break
        raise FileNotFoundError(
            f'{name}: {path} not found. Expected layout:\n{self.LAYOUT}'
            f'{hint}\nSee docs/en/dataset_prepare.md.')

    def _existing_masks(self) -> set:
        """All files below ``<data_root>/masks``, read in one walk."""
        mask_root = osp.join(self.data_root, MASK_DIR)
        found = set()
        for folder, _, files in os.walk(mask_root):
            found.update(osp.join(folder, f) for f in files)
        return found

    def _raise_missing_mask(self, img_path: str,
                            mask_path: Optional[str]) -> None:
        if mask_path is None:
            raise FileNotFoundError(
                f'with_mask=True but {img_path} lies outside data_root '
                f'{self.data_root}, so its mask cannot be located; keep '
                f'images below data_root (see {MASK_DOC}).')
        raise FileNotFoundError(
            f'with_mask=True but the person mask of {img_path} is missing: '
            f'expected {mask_path} (single-channel PNG, person=255). '
            'Produce masks offline with a human parser as described in '
            f'{MASK_DOC}, or set with_mask=False.')

    def _log_statistics(self) -> None:
        name = type(self).__name__
        line = '-' * 44
        domain = '' if self.domain is None else f', domain={self.domain!r}'
        table = '\n'.join([
            f'{name} loaded from {self.data_root}{domain}',
            line,
            f'  {"subset":<8} | {"# ids":>6} | {"# images":>8} | '
            f'{"# cameras":>9}',
            line,
            f'  {self.subset:<8} | {self.num_ids:>6} | {len(self):>8} | '
            f'{self.num_cameras:>9}',
            line,
        ])
        print_log(table, logger='current')
