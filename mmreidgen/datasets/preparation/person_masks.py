"""Person masks for re-id crops: backends, the mask layout and a writer.

CR-GAN reads a binary person mask for every training image at
``<data_root>/masks/<image path relative to data_root>.png`` (single
channel, person = 255, background = 0; see
:meth:`BaseReIDDataset.mask_path_of`). This module produces such masks from
the images themselves with one of three backends:

- ``grabcut``: OpenCV's GrabCut, needs no weights. A re-id crop is the
  person's bounding box, so GrabCut is seeded with a centred box prior
  (probable foreground) inside sure-background side strips.
- ``deeplabv3``: torchvision's DeepLabV3-ResNet50, ``person`` class (15) of
  its VOC label set, from a local copy of
  ``DeepLabV3_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1``.
- ``maskrcnn``: torchvision's Mask R-CNN ResNet50-FPN, the ``person``
  instance (COCO label 1) that best covers the crop, from a local copy of
  ``MaskRCNN_ResNet50_FPN_Weights.COCO_V1``.

Nothing is downloaded: the torchvision backends load the file given to them
(``torch.load(..., weights_only=True)``) and name the file to fetch when it
is missing.
"""
import logging
import os
import os.path as osp
from functools import partial
from typing import (
    Any,
    Callable,
    Dict,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
)

import cv2
import numpy as np
from mmengine.logging import print_log

from mmreidgen.utils.image_files import list_images
from mmreidgen.utils.masks import mask_iou
from mmreidgen.utils.progress import ProgressBar

MASK_DIR = 'masks'
DEFAULT_SUBSETS = ('bounding_box_train', 'query', 'bounding_box_test')
# A mask with less person than this fraction of the image is near-empty:
# the backend missed the person (GrabCut on a grayscale image finds none).
NEAR_EMPTY_FRACTION = 0.02

# Where each torchvision backend's weights come from. The URLs are those
# torchvision downloads for the named weight enum; fetch the file on a
# machine with internet and pass it with --weights.
WEIGHT_SOURCES = dict(
    deeplabv3=('torchvision.models.segmentation.'
               'DeepLabV3_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1',
               'https://download.pytorch.org/models/'
               'deeplabv3_resnet50_coco-cd0a2569.pth'),
    maskrcnn=('torchvision.models.detection.'
              'MaskRCNN_ResNet50_FPN_Weights.COCO_V1',
              'https://download.pytorch.org/models/'
              'maskrcnn_resnet50_fpn_coco-bf2d0c1e.pth'),
)


class PersonMaskError(RuntimeError):
    """An image could not be turned into a mask; the message names it."""


class GrabCutMasker:
    """Person mask by GrabCut seeded with the person box.

    The crop is the person's box, so the prior is a centred rectangle of
    probable foreground (``margin_x`` of the width off each side,
    ``margin_y`` of the height off top and bottom), the rest probable
    background, and ``border`` columns at the left and right edges sure
    background (boxes are wider than people; their top and bottom often
    cut through the person, so those rows are not forced to background).

    Args:
        iterations (int): GrabCut iterations. Defaults to 5.
        margin_x (float): Side margin of the prior, fraction of the width.
            Defaults to 0.1.
        margin_y (float): Top/bottom margin of the prior, fraction of the
            height. Defaults to 0.02.
        border (float): Width of the sure-background side strips, fraction
            of the width (at least one pixel). Defaults to 1 / 32.
    """

    name = 'grabcut'

    def __init__(self,
                 iterations: int = 5,
                 margin_x: float = 0.1,
                 margin_y: float = 0.02,
                 border: float = 1 / 32) -> None:
        if not (0 <= margin_x < 0.5 and 0 <= margin_y < 0.5):
            raise ValueError('margin_x and margin_y must lie in [0, 0.5), '
                             f'got {margin_x} and {margin_y}')
        self.iterations = iterations
        self.margin_x = margin_x
        self.margin_y = margin_y
        self.border = border

    def __call__(self, img: np.ndarray) -> np.ndarray:
        """Segment one BGR uint8 crop.

        Args:
            img (np.ndarray): HxWx3 BGR uint8 image.

        Returns:
            np.ndarray: HxW uint8 mask, person = 255.
        """
        h, w = img.shape[:2]
        seed = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
        mx, my = int(w * self.margin_x), int(h * self.margin_y)
        seed[my:h - my, mx:w - mx] = cv2.GC_PR_FGD
        b = max(1, int(w * self.border))
        seed[:, :b] = cv2.GC_BGD
        seed[:, w - b:] = cv2.GC_BGD
        bgd = np.zeros((1, 65), np.float64)
        fgd = np.zeros((1, 65), np.float64)
        cv2.grabCut(img, seed, None, bgd, fgd, self.iterations,
                    cv2.GC_INIT_WITH_MASK)
        person = np.isin(seed, (cv2.GC_FGD, cv2.GC_PR_FGD))
        return person.astype(np.uint8) * 255


def load_torchvision_weights(path: Optional[str], backend: str) -> dict:
    """Read a torchvision state dict from a local file.

    Args:
        path (str, optional): The weights file.
        backend (str): ``'deeplabv3'`` or ``'maskrcnn'`` (names the file to
            fetch in the error message).

    Returns:
        dict: The state dict (unwrapped from ``state_dict``/``model``).
    """
    import torch
    enum, url = WEIGHT_SOURCES[backend]
    if path is None or not osp.isfile(path):
        raise FileNotFoundError(
            f'The {backend} backend needs its weights file '
            f'({"none given" if path is None else path + " not found"}). '
            f'Download the weights of {enum} ({url}) on a machine with '
            'internet and pass the file with --weights; nothing is '
            'downloaded at run time. The grabcut backend needs no weights.')
    state = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('state_dict', 'model'):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    return state


class _TorchvisionMasker:
    """What the torchvision backends share: strict local weights, RGB."""

    name = ''

    def _load(self, build: Callable[[dict], Any], weights: Optional[str],
              device: str) -> None:
        """Build the network with ``build(state)`` and load it strictly."""
        state = load_torchvision_weights(weights, self.name)
        model = build(state)
        result = model.load_state_dict(state, strict=False)
        if result.missing_keys or result.unexpected_keys:
            enum, url = WEIGHT_SOURCES[self.name]
            raise ValueError(
                f'{weights} is not a {self.name} state dict: '
                f'{len(result.missing_keys)} keys missing (e.g. '
                f'{result.missing_keys[:3]}), {len(result.unexpected_keys)} '
                f'unexpected (e.g. {result.unexpected_keys[:3]}). Expected '
                f'the weights of {enum} ({url}).')
        self.model = model.eval().to(device)
        self.device = device

    def __call__(self, img: np.ndarray) -> np.ndarray:
        """Segment one BGR uint8 crop; returns HxW uint8, person = 255."""
        import torch
        rgb = torch.from_numpy(np.ascontiguousarray(img[..., ::-1]))
        with torch.no_grad():
            person = self._person(rgb.permute(2, 0, 1).float().div_(255))
        return person.cpu().numpy().astype(np.uint8) * 255

    def _person(self, x):
        """The HxW boolean person mask of a 3xHxW RGB crop in [0, 1] (on
        the CPU)."""
        raise NotImplementedError


class DeepLabV3Masker(_TorchvisionMasker):
    """Person mask from torchvision's DeepLabV3-ResNet50 (VOC ``person``).

    Args:
        weights (str): Local file with the state dict of
            ``DeepLabV3_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1``.
        device (str): Torch device. Defaults to ``'cpu'``.
        short_side (int): The crop's short side is resized to this before
            inference (torchvision's preset resizes to 520). Defaults to
            520.
    """

    name = 'deeplabv3'
    PERSON = 15  # index of 'person' in torchvision's _VOC_CATEGORIES
    MEAN = (0.485, 0.456, 0.406)
    STD = (0.229, 0.224, 0.225)

    def __init__(self,
                 weights: Optional[str],
                 device: str = 'cpu',
                 short_side: int = 520) -> None:
        from torchvision.models.segmentation import deeplabv3_resnet50
        self._load(
            lambda state: deeplabv3_resnet50(
                weights=None, weights_backbone=None, num_classes=21,
                aux_loss=any(k.startswith('aux_classifier.') for k in state)),
            weights, device)
        self.short_side = short_side

    def _person(self, x):
        import torch
        import torch.nn.functional as F
        h, w = x.shape[-2:]
        scale = self.short_side / min(h, w)
        size = (max(1, round(h * scale)), max(1, round(w * scale)))
        x = F.interpolate(
            x[None], size=size, mode='bilinear', align_corners=False)
        mean = torch.tensor(self.MEAN).view(1, 3, 1, 1)
        std = torch.tensor(self.STD).view(1, 3, 1, 1)
        logits = self.model(((x - mean) / std).to(self.device))['out']
        logits = F.interpolate(
            logits, size=(h, w), mode='bilinear', align_corners=False)
        return logits.argmax(1)[0] == self.PERSON


class MaskRCNNMasker(_TorchvisionMasker):
    """Person mask from torchvision's Mask R-CNN (COCO ``person``).

    Among the detected persons scoring at least ``score_thr``, the one whose
    box best overlaps the whole crop (the crop is that person's box) gives
    the mask; no detection gives an empty mask.

    Args:
        weights (str): Local file with the state dict of
            ``MaskRCNN_ResNet50_FPN_Weights.COCO_V1``.
        device (str): Torch device. Defaults to ``'cpu'``.
        score_thr (float): Minimum detection score. Defaults to 0.5.
    """

    name = 'maskrcnn'
    PERSON = 1  # COCO category id of 'person'

    def __init__(self,
                 weights: Optional[str],
                 device: str = 'cpu',
                 score_thr: float = 0.5) -> None:
        from torchvision.models.detection import maskrcnn_resnet50_fpn
        self._load(
            lambda state: maskrcnn_resnet50_fpn(
                weights=None, weights_backbone=None, num_classes=91),
            weights, device)
        self.score_thr = score_thr

    def _person(self, x):
        import torch
        from torchvision.ops import box_iou
        h, w = x.shape[-2:]
        out = self.model([x.to(self.device)])[0]
        keep = (out['labels'] == self.PERSON) & (out['scores'] >=
                                                 self.score_thr)
        if not keep.any():
            return torch.zeros(h, w, dtype=torch.bool)
        crop = torch.tensor([[0., 0., w, h]], device=out['boxes'].device)
        overlap = box_iou(out['boxes'][keep], crop)[:, 0]
        return out['masks'][keep][overlap.argmax(), 0] > 0.5


MASK_BACKENDS: Dict[str, Callable[..., Callable]] = dict(
    grabcut=GrabCutMasker,
    deeplabv3=DeepLabV3Masker,
    maskrcnn=MaskRCNNMasker,
)


def build_mask_backend(name: str,
                       weights: Optional[str] = None,
                       device: str = 'cpu',
                       **kwargs) -> Callable[[np.ndarray], np.ndarray]:
    """Build a mask backend by name.

    Args:
        name (str): One of ``grabcut``, ``deeplabv3``, ``maskrcnn``.
        weights (str, optional): Local weights file (torchvision backends).
        device (str): Torch device (torchvision backends). Defaults to
            ``'cpu'``.
        **kwargs: Further arguments of the backend class.

    Returns:
        Callable: Maps an HxWx3 BGR uint8 image to an HxW uint8 mask.
    """
    if name not in MASK_BACKENDS:
        raise KeyError(f'Unknown mask backend {name!r}; choose one of '
                       f'{sorted(MASK_BACKENDS)}')
    if name == 'grabcut':
        if weights is not None:
            raise ValueError('The grabcut backend takes no weights; drop '
                             f'--weights {weights}')
        return GrabCutMasker(**kwargs)
    return MASK_BACKENDS[name](weights, device=device, **kwargs)


def default_subsets(data_root: str) -> Tuple[str, ...]:
    """The folders of ``data_root`` that hold images: Market-1501's three
    when one of them exists, else ``('.',)``, the whole (plain) folder."""
    if any(osp.isdir(osp.join(data_root, s)) for s in DEFAULT_SUBSETS):
        return DEFAULT_SUBSETS
    return ('.', )


def is_mask_folder(name: str, mask_dir: str = MASK_DIR) -> bool:
    """Whether a top-level folder of a dataset holds masks, not images
    (``masks``, ``masks_exact``, ``masks_grabcut``, or ``mask_dir``)."""
    return name == mask_dir or name.startswith(MASK_DIR)


def list_subset_images(data_root: str, subsets: Sequence[str],
                       mask_dir: str = MASK_DIR) -> List[str]:
    """Image paths below ``<data_root>/<subset>``, relative to data_root.

    Mask folders at the top of ``data_root`` (:func:`is_mask_folder`) are
    left out, so ``subsets=['.']`` on a plain folder never reads the masks
    written into it.

    Args:
        data_root (str): Dataset root.
        subsets (Sequence[str]): Sub-folders to walk (recursively, so
            MSMT17's ``train/<pid>/`` folders are found); ``'.'`` is
            ``data_root`` itself.
        mask_dir (str): The mask folder being written. Defaults to
            ``'masks'``.

    Returns:
        list[str]: Sorted relative paths.
    """
    rels = []
    top = osp.normpath(data_root)
    for subset in subsets:
        folder = osp.join(data_root, subset)
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'{folder} not found: --subsets names folders below '
                f'{data_root} (e.g. {" ".join(DEFAULT_SUBSETS)}, or . for '
                'the folder itself).')
        skip = None
        if osp.normpath(folder) == top:
            skip = partial(is_mask_folder, mask_dir=mask_dir)
        rels.extend(
            osp.normpath(osp.relpath(path, data_root))
            for path in list_images(folder, skip, allow_empty=True))
    return sorted(rels)


def mask_path_for(data_root: str, rel_img: str,
                  mask_dir: str = MASK_DIR) -> str:
    """``<data_root>/<mask_dir>/<rel_img without suffix>.png``."""
    return osp.join(data_root, mask_dir, osp.splitext(rel_img)[0] + '.png')


def _write_png(path: str, mask: np.ndarray) -> None:
    """Write atomically, so an interrupted run never leaves a half file
    that the next (resumed) run would skip."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    ok, buf = cv2.imencode('.png', mask)
    if not ok:
        raise PersonMaskError(f'cv2 could not encode the mask for {path}')
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(buf.tobytes())
    os.replace(tmp, path)


class MaskSummary(NamedTuple):
    """What :func:`make_person_masks` did."""
    written: int  # masks written
    skipped: int  # masks kept (already there)
    near_empty: List[str]  # images whose written mask is near-empty


def make_person_masks(data_root: str,
                      backend: Callable[[np.ndarray], np.ndarray],
                      subsets: Optional[Sequence[str]] = None,
                      mask_dir: str = MASK_DIR,
                      overwrite: bool = False,
                      progress: bool = True) -> MaskSummary:
    """Write a mask for every image of ``subsets`` that has none yet.

    ``<data_root>/<subset>/<name>.jpg`` gets
    ``<data_root>/<mask_dir>/<subset>/<name>.png``; an image of a plain
    folder (``subsets=['.']``), ``<data_root>/<name>.jpg``, gets
    ``<data_root>/<mask_dir>/<name>.png``. Both are where the datasets and
    ``demo/crgan_render_demo.py`` look. A mask with less person than
    ``NEAR_EMPTY_FRACTION`` of the image is written with a warning.

    Args:
        data_root (str): Dataset root, or a plain folder of images.
        backend (Callable): Image (BGR uint8) to mask (uint8, person=255).
        subsets (Sequence[str], optional): Sub-folders of ``data_root``.
            Defaults to None: :func:`default_subsets`.
        mask_dir (str): Mask folder below ``data_root``. Defaults to
            ``'masks'`` (what the datasets read).
        overwrite (bool): Recompute existing masks. Defaults to False.
        progress (bool): Show a progress bar. Defaults to True.

    Returns:
        MaskSummary: Masks written, masks kept, near-empty masks.
    """
    if subsets is None:
        subsets = default_subsets(data_root)
    rels = list_subset_images(data_root, subsets, mask_dir)
    todo = [
        r for r in rels
        if overwrite or not osp.isfile(mask_path_for(data_root, r, mask_dir))
    ]
    skipped = len(rels) - len(todo)
    print_log(
        f'{len(rels)} images below {data_root} ({", ".join(subsets)}): '
        f'{skipped} masks exist, {len(todo)} to write', logger='current')
    bar = ProgressBar(len(todo)) if progress and todo else None
    near_empty = []
    for rel in todo:
        path = osp.join(data_root, rel)
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None or img.size == 0:
            raise PersonMaskError(
                f'Cannot read image {path}: the file is empty, truncated or '
                'not an image. Replace or delete it and re-run (masks '
                'written so far are kept).')
        try:
            mask = backend(img)
        except Exception as e:
            raise PersonMaskError(
                f'The mask backend failed on {path}: '
                f'{type(e).__name__}: {e}') from e
        _write_png(mask_path_for(data_root, rel, mask_dir), mask)
        if (mask > 127).mean() < NEAR_EMPTY_FRACTION:
            near_empty.append(rel)
            print_log(
                f'The mask of {path} is near-empty (under '
                f'{NEAR_EMPTY_FRACTION:.0%} person): the backend found no '
                'person (GrabCut finds none on a grayscale image). Check '
                'it, or write it with another backend.',
                logger='current', level=logging.WARNING)
        if bar is not None:
            bar.update()
    return MaskSummary(len(todo), skipped, near_empty)


def mean_mask_iou(data_root: str,
                  pred_dir: str,
                  gt_dir: str,
                  subsets: Sequence[str] = DEFAULT_SUBSETS) -> float:
    """Mean IoU of ``<data_root>/<pred_dir>`` against ``<gt_dir>`` masks.

    Args:
        data_root (str): Dataset root.
        pred_dir (str): Folder of predicted masks below ``data_root``.
        gt_dir (str): Folder of reference masks below ``data_root``.
        subsets (Sequence[str]): Sub-folders whose images are compared.

    Returns:
        float: Mean IoU over every image of ``subsets``.
    """
    ious = []
    for rel in list_subset_images(data_root, subsets):
        masks = []
        for folder in (pred_dir, gt_dir):
            path = mask_path_for(data_root, rel, folder)
            mask = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
            if mask is None:
                raise FileNotFoundError(f'Mask {path} is missing or '
                                        'unreadable.')
            masks.append(mask)
        ious.append(mask_iou(*masks, threshold=127))
    if not ious:
        raise ValueError(f'No images below {data_root} in {subsets}')
    return float(np.mean(ious))
