"""Look at what the model will be fed: transformed samples and masks.

For each sample of the chosen dataloader's dataset it draws, side by side,
the image as stored on disk, the image after the pipeline (resize, flip,
crop, erasing, ...) and, when the pipeline loads person masks, the mask
and the mask over the transformed image; the caption gives pid, camera,
domain and subset. Images are written to ``--output-dir`` (and shown in a
window with ``--show``).

Examples::

    python tools/misc/browse_dataset.py \
        configs/baseline/baseline_r50_market.py --output-dir vis/browse
    python tools/misc/browse_dataset.py \
        configs/crgan/crgan_r50_market2duke.py --stage stage2_gan \
        --show-number 20 --output-dir vis/crgan_pairs
"""
import argparse
import importlib.util
import os
import os.path as osp
import sys

import cv2
import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

from mmreidgen.registry import DATASETS
from mmreidgen.utils import check_cfg_options, register_all_modules


def _print_config_tool():
    """tools/misc/print_config.py, for its ``stage_config``."""
    path = osp.join(osp.dirname(osp.abspath(__file__)), 'print_config.py')
    spec = importlib.util.spec_from_file_location('print_config', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Browse transformed dataset samples and masks')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--phase', default='train',
                        choices=['train', 'val', 'test'],
                        help='which dataloader to browse')
    parser.add_argument('--stage', help='pipeline config: the stage to use')
    parser.add_argument('--output-dir', default=None,
                        help='where to write the images')
    parser.add_argument('--show-number', type=int, default=16,
                        help='number of samples to draw')
    parser.add_argument('--start', type=int, default=0,
                        help='index of the first sample')
    parser.add_argument('--show', action='store_true',
                        help='also show each image in a window')
    parser.add_argument('--show-interval', type=float, default=2.0,
                        help='seconds per image with --show')
    parser.add_argument('--scale', type=float, default=2.0,
                        help='display magnification of the images')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. '
        'train_dataloader.dataset.data_root=data/market1501')
    return parser.parse_args(argv)


def _caption(img: np.ndarray, lines) -> np.ndarray:
    bar = np.full((14 * len(lines) + 6, img.shape[1], 3), 255, np.uint8)
    for i, line in enumerate(lines):
        cv2.putText(bar, line, (3, 14 + 14 * i), cv2.FONT_HERSHEY_SIMPLEX,
                    0.38, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([img, bar], axis=0)


def _fit(img: np.ndarray, height: int) -> np.ndarray:
    width = max(1, round(img.shape[1] * height / img.shape[0]))
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_NEAREST)


def render_sample(sample: dict, scale: float = 2.0) -> np.ndarray:
    """Side-by-side panels of one packed sample.

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
        mask_img = np.repeat((mask * 255).astype(np.uint8)[..., None], 3, 2)
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
    image = np.concatenate(row[:-1], axis=1)
    meta = data_sample.metainfo
    info = (f"pid {meta.get('pid')} (file id {meta.get('orig_pid', '?')})  "
            f"cam {int(meta.get('camid', -1)) + 1}  "
            f"domain {meta.get('domain')}  flip {meta.get('flip', False)}")
    return _caption(image, [osp.basename(data_sample.img_path), info])


def main(argv=None) -> list:
    args = parse_args(argv)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    if args.stage is not None:
        cfg = _print_config_tool().stage_config(cfg, args.stage)
    key = f'{args.phase}_dataloader'
    if not cfg.get(key):
        stages = [s.get('name') for s in cfg.get('stages', [])]
        hint = (f' It is a pipeline config: add --stage with one of '
                f'{stages}.' if stages else '')
        raise KeyError(f'The config has no {key}.{hint}')
    init_default_scope(cfg.get('default_scope', 'mmreidgen'))
    dataset = DATASETS.build(cfg[key]['dataset'])
    if len(dataset) == 0:
        raise RuntimeError(f'The {args.phase} dataset is empty.')
    stop = min(len(dataset), args.start + args.show_number)
    if args.output_dir is None and not args.show:
        raise ValueError('Give --output-dir to save the images, or --show.')
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)
    written = []
    progress = ProgressBar(stop - args.start, file=sys.stdout)
    for idx in range(args.start, stop):
        image = render_sample(dataset[idx], args.scale)
        if args.output_dir:
            name = osp.splitext(osp.basename(
                dataset.get_data_info(idx)['img_path']))[0]
            out = osp.join(args.output_dir, f'{idx:05d}_{name}.png')
            cv2.imwrite(out, image)
            written.append(out)
        if args.show:
            cv2.imshow('browse_dataset', image)
            cv2.waitKey(int(args.show_interval * 1000))
        progress.update()
    print()
    return written


if __name__ == '__main__':
    main()
