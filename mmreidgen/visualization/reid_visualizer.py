"""One visualizer for every picture the toolbox draws.

Rank lists (query, then its ranked gallery with green borders for true
matches and red for false ones), CMC curves, image grids (generated images
beside their inputs) and dataset samples with their masks. Pictures are
returned as arrays and, with ``save``, written through mmengine's vis
backends (``add_image``), so a config's ``vis_backends`` (local files,
TensorBoard, W&B) receive them like any other image.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.visualization import Visualizer

from mmreidgen.registry import VISUALIZERS

QUERY_COLOR = (200, 120, 0)  # BGR blue
TRUE_COLOR = (0, 170, 0)  # BGR green
FALSE_COLOR = (0, 0, 220)  # BGR red
BORDER = 4


_MARGIN = 3  # pixels left of a caption, and at least as many right of it


def wrap_caption(line: str, width: int, size: float) -> List[str]:
    """``line`` cut into pieces that fit ``width`` pixels in the caption
    font, at ``_`` or a space where one is close, so that no label runs
    past its tile."""
    def fits(text):
        return cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, size, 1)[0][
            0] + 2 * _MARGIN <= width

    pieces = []
    while line and not fits(line):
        cut = max(i for i in range(1, len(line) + 1) if fits(line[:i]) or
                  i == 1)
        soft = max(line.rfind('_', 0, cut), line.rfind(' ', 0, cut))
        if soft >= cut // 2:
            cut = soft + 1
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    return pieces + ([line] if line else [])


def _caption(img: np.ndarray, lines: Sequence[str], size: float = 0.38,
             step: int = 14) -> np.ndarray:
    lines = [piece for line in lines
             for piece in wrap_caption(line, img.shape[1], size)]
    bar = np.full((step * len(lines) + 6, img.shape[1], 3), 255, np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(bar, line, (3, step + step * i), cv2.FONT_HERSHEY_SIMPLEX,
                    size, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([img, bar], axis=0)


def _hconcat(tiles: Sequence[np.ndarray]) -> np.ndarray:
    """Tiles side by side, each padded with white to the tallest (wrapped
    captions differ in height)."""
    height = max(t.shape[0] for t in tiles)
    return np.concatenate([
        cv2.copyMakeBorder(t, 0, height - t.shape[0], 0, 0,
                           cv2.BORDER_CONSTANT, value=(255, 255, 255))
        for t in tiles
    ], axis=1)


def _fit(img: np.ndarray, height: int) -> np.ndarray:
    width = max(1, round(img.shape[1] * height / img.shape[0]))
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_NEAREST)


def _tile(path: str, size: Tuple[int, int], color: Tuple[int, int, int],
          lines: Sequence[str]) -> np.ndarray:
    height, width = size
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        img = np.full((height, width, 3), 128, np.uint8)
    img = cv2.resize(img, (width - 2 * BORDER, height - 2 * BORDER))
    img = cv2.copyMakeBorder(img, BORDER, BORDER, BORDER, BORDER,
                             cv2.BORDER_CONSTANT, value=color)
    return _caption(img, lines, size=0.33, step=13)


@VISUALIZERS.register_module()
class ReIDVisualizer(Visualizer):
    """Draw re-id rank lists, CMC curves, image grids and data samples.

    Args:
        name (str): Instance name. Defaults to 'reid_visualizer'.
        vis_backends (list[dict], optional): mmengine vis backends.
        save_dir (str, optional): Where the backends write.
        tile_size (tuple[int, int]): ``(height, width)`` of a rank-list
            tile. Defaults to (128, 64).
    """

    def __init__(self,
                 name: str = 'reid_visualizer',
                 vis_backends: Optional[List[dict]] = None,
                 save_dir: Optional[str] = None,
                 tile_size: Tuple[int, int] = (128, 64)) -> None:
        super().__init__(name=name, vis_backends=vis_backends,
                         save_dir=save_dir)
        self.tile_size = tuple(tile_size)

    def save(self, name: str, image_bgr: np.ndarray, step: int = 0) -> None:
        """Send a BGR picture to every vis backend (they expect RGB)."""
        self.add_image(name, np.ascontiguousarray(image_bgr[..., ::-1]),
                       step)

    def draw_rank_list(self, query_path: str, query_info: str,
                       gallery: Sequence[dict]) -> np.ndarray:
        """One row: the query, a gap, then the ranked gallery tiles.

        Args:
            query_path (str): Query image.
            query_info (str): Caption under the query, e.g. ``'pid 12 c3'``.
            gallery (Sequence[dict]): Ranked entries with ``path``,
                ``match`` (bool or None when unknown), ``pid``, ``camid``
                and ``dist``.

        Returns:
            np.ndarray: BGR uint8 image.
        """
        size = self.tile_size
        tiles = [_tile(query_path, size, QUERY_COLOR, ['query', query_info])]
        tiles.append(np.full_like(tiles[0][:, :12], 255))
        for rank, entry in enumerate(gallery, 1):
            match = entry.get('match')
            color = (200, 200, 200) if match is None else (
                TRUE_COLOR if match else FALSE_COLOR)
            first = f'{rank}: pid {entry["pid"]} c{entry["camid"] + 1}' \
                if entry.get('pid', -1) >= 0 else \
                f'{rank}: {osp.basename(entry["path"])}'
            tiles.append(
                _tile(entry['path'], size, color,
                      [first, f"d={entry['dist']:.3f}"]))
            tiles.append(np.full_like(tiles[0][:, :2], 255))
        return _hconcat(tiles)

    @staticmethod
    def draw_cmc(curves: Dict[str, dict], out_file: str) -> None:
        """Plot CMC curves (``{label: dict(cmc=[...], mAP=...)}``) to PNG."""
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
        for label, curve in curves.items():
            cmc = 100 * np.asarray(curve['cmc'])
            ax.plot(np.arange(1, len(cmc) + 1), cmc,
                    label=f"{label} (R1 {cmc[0]:.1f}, mAP "
                    f"{100 * curve['mAP']:.1f})")
        ax.set_xlabel('rank')
        ax.set_ylabel('matching rate (%)')
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.set_title('CMC')
        ax.legend(loc='lower right', fontsize=8)
        fig.tight_layout()
        os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
        fig.savefig(out_file)
        plt.close(fig)

    @staticmethod
    def image_grid(rows: Dict[str, torch.Tensor], pad: int = 2) -> np.ndarray:
        """Lay out image batches as columns of one RGB uint8 grid.

        Args:
            rows (dict[str, torch.Tensor]): Name -> ``Nx3xHxW`` in [0, 1];
                every entry becomes one column (pair ``i`` is grid row
                ``i``), in the dict's order.
            pad (int): White pixels between images. Defaults to 2.

        Returns:
            np.ndarray: ``H'xW'x3`` uint8 RGB image.
        """
        columns = list(rows.values())
        if not columns:
            raise ValueError('image_grid needs at least one image batch.')
        n, _, h, w = columns[0].shape
        for name, col in rows.items():
            if col.shape[0] != n or col.shape[-2:] != (h, w):
                raise ValueError(
                    f'all batches must be {n}x3x{h}x{w}; {name!r} is '
                    f'{tuple(col.shape)}')
        grid = np.full(
            (n * (h + pad) + pad, len(columns) * (w + pad) + pad, 3), 255,
            np.uint8)
        for c, col in enumerate(columns):
            imgs = (col.detach().float().clamp(0, 1) * 255 + 0.5).byte()
            imgs = imgs.permute(0, 2, 3, 1).cpu().numpy()
            for r in range(n):
                y, x = pad + r * (h + pad), pad + c * (w + pad)
                grid[y:y + h, x:x + w] = imgs[r]
        return grid

    @staticmethod
    def draw_crgan_render(render: dict, num: int = 8) -> np.ndarray:
        """The columns ``X_S | X'_T | X_C | X_G`` of a CR-GAN rendering.

        Args:
            render (dict): :func:`mmreidgen.apis.crgan_render`'s result:
                ``batch`` (``source``, ``target`` in [-1, 1]) and ``out``
                (``fake``, ``context_mask`` and, for the generator,
                ``masked_target``).
            num (int): Pairs drawn (grid rows), the first ones. Defaults
                to 8.

        Returns:
            np.ndarray: RGB uint8 grid (:meth:`image_grid`).
        """
        batch, out = render['batch'], render['out']

        def unit(images):
            return (images[:num].clamp(-1, 1) + 1) / 2

        return ReIDVisualizer.image_grid(dict(
            source=unit(batch['source']),
            masked_target=unit(out.get('masked_target', batch['target'])),
            context_mask=out['context_mask'][:num].expand(-1, 3, -1, -1),
            fake=unit(out['fake'])))

    @staticmethod
    def draw_sample(sample: dict, scale: float = 2.0) -> np.ndarray:
        """Side-by-side panels of one packed dataset sample.

        Args:
            sample (dict): ``dataset[i]`` after ``PackReIDInputs``:
                ``inputs`` (3 x H x W uint8 BGR) and ``data_samples``.
            scale (float): Magnification of the transformed image.

        Returns:
            np.ndarray: BGR uint8 image with the panels ``original``,
            ``transformed`` and, with a mask, ``mask`` and ``overlay``.
        """
        data_sample = sample['data_samples']
        transformed = np.ascontiguousarray(
            sample['inputs'].numpy().transpose(1, 2, 0)).astype(np.uint8)
        height = max(32, round(transformed.shape[0] * scale))
        panels = []
        original = cv2.imread(data_sample.img_path, cv2.IMREAD_COLOR)
        if original is not None:
            panels.append(('original', _fit(original, height)))
        panels.append(('transformed', _fit(transformed, height)))
        if 'mask' in data_sample:
            mask = data_sample.mask.numpy()[0]
            mask_img = np.repeat(
                (mask * 255).astype(np.uint8)[..., None], 3, 2)
            overlay = transformed.copy()
            person = mask > 0.5
            overlay[person] = (0.5 * overlay[person] +
                               0.5 * np.array([0, 200, 0])).astype(np.uint8)
            panels += [('mask', _fit(mask_img, height)),
                       ('overlay', _fit(overlay, height))]
        row = []
        for name, panel in panels:
            captioned = _caption(panel, [name])
            row += [captioned, np.full((captioned.shape[0], 6, 3), 255,
                                       np.uint8)]
        image = _hconcat(row[:-1])
        meta = data_sample.metainfo
        info = (f"pid {meta.get('pid')} (file id "
                f"{meta.get('orig_pid', '?')})  "
                f"cam {int(meta.get('camid', -1)) + 1}  "
                f"domain {meta.get('domain')}  flip {meta.get('flip', False)}")
        return _caption(image, [osp.basename(data_sample.img_path), info])
