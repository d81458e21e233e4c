"""Render the person of one image into the context of another (CR-GAN).

CR-GAN's generator keeps the source person ``X_S`` and re-renders the
background after the target image ``X_T`` with the person masked out
(``X'_T``). It needs a person mask of both images: the mask is read from
the dataset layout (``<data_root>/masks/<subfolder>/<image stem>.png``, as
``tools/dataset_converters/make_person_masks.py`` writes it) when the image
lies in a dataset folder, and computed with GrabCut
(``mmreidgen.datasets.preparation.person_masks``) otherwise.

Writes one PNG (``--out``) with the columns: source, source mask, target,
target mask, masked target ``X'_T``, context mask ``X_C`` and the
generated image ``X_G``.

Example::

    python demo/crgan_render_demo.py source.jpg target.jpg \\
        configs/crgan/crgan_r50_market2duke.py \\
        work_dirs/crgan_r50_market2duke/stage2_gan/final.pth \\
        --out work_dirs/crgan_render_demo.png
"""
import argparse
import os
import os.path as osp
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.dataset import Compose

from mmreidgen.apis import crgan_render, init_model, load_config
from mmreidgen.apis.cli import add_cfg_options, add_device_argument, run_tool
from mmreidgen.apis.rendering import check_generator_trained
from mmreidgen.datasets.preparation.person_masks import (
    GrabCutMasker,
    mask_path_for,
)
from mmreidgen.registry import TRANSFORMS
from mmreidgen.utils import register_all_modules
from mmreidgen.visualization import ReIDVisualizer

COLUMNS = ('source', 'source mask', 'target', 'target mask',
           'masked target', 'context mask', 'generated')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Render a source person into a target context.')
    parser.add_argument('source', help='image of the person (X_S)')
    parser.add_argument('target', help='image of the context (X_T)')
    parser.add_argument('config', help='CR-GAN config file')
    parser.add_argument('checkpoint', help='CR-GAN checkpoint (stage2_gan '
                        'or later)')
    parser.add_argument('--out', default='crgan_render_demo.png',
                        help='output PNG (default crgan_render_demo.png)')
    parser.add_argument('--renderer', default='generator',
                        choices=['generator', 'cut_paste'],
                        help='G (default) or cut-and-paste')
    parser.add_argument('--scale', type=int, default=2,
                        help='integer up-scaling of the PNG (default 2)')
    add_device_argument(parser)
    add_cfg_options(parser)
    return parser.parse_args(argv)


def find_mask(img_path: str, levels: int = 3) -> Optional[str]:
    """The mask of ``img_path`` in the dataset layout, if there is one.

    Looks for ``<root>/masks/<path below root>.png`` with ``root`` the
    image's own folder (a plain folder given to make_person_masks.py), then
    each of the ``levels`` folders above it (MSMT17's images lie two
    folders below the dataset root).
    """
    root = osp.dirname(osp.abspath(img_path))
    for _ in range(levels + 1):
        rel = osp.relpath(osp.abspath(img_path), root)
        candidate = mask_path_for(root, rel)
        if osp.isfile(candidate):
            return candidate
        root = osp.dirname(root)
    return None


def person_mask(img_path: str, img: np.ndarray) -> Tuple[np.ndarray, str]:
    """HxW float32 person mask of a loaded BGR image and where it came
    from."""
    path = find_mask(img_path)
    if path is None:
        mask = GrabCutMasker()(img)
        origin = 'computed with GrabCut'
    else:
        mask = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        if mask is None:
            raise OSError(f'Cannot read the person mask {path} of '
                          f'{img_path}; delete or rewrite it.')
        origin = path
    if mask.shape != img.shape[:2]:
        mask = cv2.resize(mask, (img.shape[1], img.shape[0]),
                          interpolation=cv2.INTER_NEAREST)
    return (mask > 127).astype(np.float32), origin


def pair_pipeline(cfg) -> Tuple[object, Compose]:
    """The loader and the remaining (non-random) steps of the config's
    pair pipeline."""
    try:
        steps = cfg.train_dataloader.dataset.datasets[0].pipeline
    except (AttributeError, KeyError, IndexError, TypeError):
        raise KeyError(
            f'{cfg.filename} has no two-domain train_dataloader; pass a '
            'configs/crgan/ config.') from None
    rest = [
        dict(t) for t in steps
        if t['type'] != 'LoadReIDImage' and 'Random' not in t['type']
    ]
    return TRANSFORMS.build(dict(type='LoadReIDImage')), Compose(rest)


def load_pair_item(path: str, domain: str, loader, rest) -> Tuple[dict, str]:
    """A packed sample of one image with its person mask."""
    results = loader(dict(img_path=path))
    results['mask'], origin = person_mask(path, results['img'])
    results.update(domain=domain, pid=0, camid=0)
    return rest(results), origin


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> [0, 1]."""
    return (images.clamp(-1, 1) + 1) / 2


def main(argv: Optional[Sequence[str]] = None) -> str:
    args = parse_args(argv)
    register_all_modules()
    for path in (args.source, args.target):
        if not osp.isfile(path):
            raise FileNotFoundError(f'Image {path} does not exist.')
    cfg = load_config(args.config, args.cfg_options)
    if cfg.model.get('type') != 'CRGAN':
        raise ValueError(
            f"{args.config}'s model is {cfg.model.get('type')}, not CRGAN; "
            'pass a configs/crgan/ config.')
    loader, rest = pair_pipeline(cfg)
    source, source_origin = load_pair_item(args.source, 'source', loader,
                                           rest)
    target, target_origin = load_pair_item(args.target, 'target', loader,
                                           rest)
    model = init_model(cfg, args.checkpoint, args.device)
    if args.renderer == 'generator':
        check_generator_trained(args.checkpoint)
    res = crgan_render(model, [source], [target], args.renderer)
    batch, out = res['batch'], res['out']
    masks = [batch['source_mask'], batch['target_mask'],
             out['context_mask']]
    images = [
        to_unit(batch['source']), masks[0], to_unit(batch['target']),
        masks[1], to_unit(out.get('masked_target', batch['target'])),
        masks[2], to_unit(out['fake'])
    ]
    grid = ReIDVisualizer.image_grid({
        name: img.expand(-1, 3, -1, -1).cpu()
        for name, img in zip(COLUMNS, images)
    })
    if args.scale > 1:
        grid = np.repeat(np.repeat(grid, args.scale, 0), args.scale, 1)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
    print(f'masks: source {source_origin}; target {target_origin}')
    print(f'wrote {args.out} ({" | ".join(COLUMNS)})')
    return args.out


if __name__ == '__main__':
    run_tool(main)
