"""Render a folder of CR-GAN images from a checkpoint, optionally scored.

Each source training image ``X_S`` is rendered into the context of a random
target training image ``X_T``; the result is written in the Market-1501
layout so that it can be read back as a training set::

    <out>/bounding_box_train/<source pid>_c<target cam>s1_<index>_00.jpg
    <out>/grids/grid_<k>.png      # X_S | X'_T | X_C | X_G, with --grids
    <out>/metrics.json            # with --metrics

Examples::

    python tools/misc/render.py configs/crgan/crgan_r50_market2duke.py \\
        work_dirs/crgan_r50_market2duke/stage2_gan/final.pth \\
        --out work_dirs/crgan_render --num 2000 --grids 4
    # image quality and diversity (weight-free DSSIM/L1 always; FID and
    # LPIPS when the local weight files are given)
    python tools/misc/render.py CONFIG CKPT --out DIR --metrics \\
        [--inception-weights checkpoints/inception_v3_google.pth] \\
        [--lpips-alexnet checkpoints/alexnet.pth --lpips-lin alex.pth]
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
import torch
from mmengine.config import Config

from mmreidgen.apis import crgan_render, init_model, load_config
from mmreidgen.apis.cli import run_tool, tool_parser
from mmreidgen.registry import DATASETS
from mmreidgen.utils import ProgressBar, register_all_modules
from mmreidgen.visualization import ReIDVisualizer


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = tool_parser(
        'Render CR-GAN images from a checkpoint.',
        checkpoint='checkpoint with the generator '
                        '(stage2_gan/final.pth or later)',
        device=True)
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--num', type=int, default=None,
                        help='images to render (default: one per source '
                        'training image)')
    parser.add_argument('--renderer', default='generator',
                        choices=['generator', 'cut_paste'],
                        help='G (default) or cut-and-paste')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the random target guides')
    parser.add_argument('--grids', type=int, default=0,
                        help='also save this many X_S|X\'_T|X_C|X_G grids')
    parser.add_argument('--metrics', action='store_true',
                        help='measure diversity (and FID with weights)')
    parser.add_argument('--num-guides', type=int, default=5,
                        help='targets per source for conditional diversity')
    parser.add_argument('--num-sources', type=int, default=100,
                        help='sources for conditional diversity')
    parser.add_argument('--inception-weights', default=None,
                        help='local torchvision inception_v3 state dict')
    parser.add_argument('--lpips-alexnet', default=None,
                        help='local torchvision alexnet state dict')
    parser.add_argument('--lpips-lin', default=None,
                        help='local LPIPS v0.1 alex linear layers')
    return parser.parse_args(argv)


def pair_datasets(cfg: Config) -> List:
    """The source and target training sets of a CR-GAN config, without
    random augmentation."""
    loader = cfg.get('train_dataloader')
    if loader is None or 'datasets' not in loader.get('dataset', {}):
        raise KeyError(
            f'{cfg.filename} has no two-domain train_dataloader '
            '(ConcatDataset([source, target])); use a CR-GAN config.')
    datasets = loader['dataset']['datasets']
    built = []
    for ds_cfg in datasets:
        ds_cfg = dict(ds_cfg)
        ds_cfg['pipeline'] = [
            t for t in ds_cfg['pipeline'] if t['type'] != 'ReIDRandomFlip'
        ]
        built.append(DATASETS.build(ds_cfg))
    return built


class PairRenderer:
    """Render ``(source index, target index)`` pairs with a CR-GAN model.

    Args:
        model: A built ``CRGAN`` with its weights loaded.
        source: The source dataset (items with ``inputs``/``data_samples``).
        target: The target dataset.
        renderer (str): ``'generator'`` or ``'cut_paste'``.
    """

    def __init__(self, model, source, target,
                 renderer: str = 'generator') -> None:
        self.model = model.eval()
        self.source = source
        self.target = target
        self.renderer = renderer

    def __call__(self, src_idx: Sequence[int],
                 tgt_idx: Sequence[int]) -> Dict:
        return crgan_render(self.model,
                            [self.source[int(s)] for s in src_idx],
                            [self.target[int(t)] for t in tgt_idx],
                            self.renderer)


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> [0, 1]."""
    return (images.clamp(-1, 1) + 1) / 2


def write_images(images: torch.Tensor, names: Sequence[str],
                 folder: str) -> None:
    """Write ``Nx3xHxW`` RGB [0, 1] images as JPEGs."""
    arr = (images.permute(0, 2, 3, 1).cpu().numpy() * 255 + 0.5).astype(
        np.uint8)
    for img, name in zip(arr, names):
        cv2.imwrite(osp.join(folder, name),
                    cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 95])


def render_folder(renderer: PairRenderer, out: str, num: int,
                  batch_size: int = 32, seed: int = 0,
                  grids: int = 0) -> List[str]:
    """Render ``num`` images into ``<out>/bounding_box_train``.

    Returns:
        list[str]: The written image paths.
    """
    img_dir = osp.join(out, 'bounding_box_train')
    os.makedirs(img_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    src = np.arange(num) % len(renderer.source)
    tgt = rng.integers(0, len(renderer.target), num)
    paths = []
    bar = ProgressBar(num)
    for start in range(0, num, batch_size):
        s, t = src[start:start + batch_size], tgt[start:start + batch_size]
        res = renderer(s, t)
        names = []
        for k, (si, ti) in enumerate(zip(s, t)):
            pid = renderer.source.get_data_info(int(si))['orig_pid']
            cam = renderer.target.get_data_info(int(ti))['camid']
            names.append(f'{int(pid):04d}_c{int(cam) + 1}s1_'
                         f'{start + k:06d}_00.jpg')
        write_images(to_unit(res['out']['fake']), names, img_dir)
        paths += [osp.join(img_dir, n) for n in names]
        if start // batch_size < grids:
            os.makedirs(osp.join(out, 'grids'), exist_ok=True)
            rows = dict(
                source=to_unit(res['batch']['source']),
                masked_target=to_unit(res['out'].get(
                    'masked_target', res['batch']['target'])),
                context_mask=res['out']['context_mask'].expand(
                    -1, 3, -1, -1),
                fake=to_unit(res['out']['fake']))
            grid = ReIDVisualizer.image_grid(
                {k: v[:8] for k, v in rows.items()})
            cv2.imwrite(
                osp.join(out, 'grids', f'grid_{start // batch_size}.png'),
                cv2.cvtColor(grid, cv2.COLOR_RGB2BGR))
        bar.update(len(s))
    return paths


def luminance(images: torch.Tensor) -> torch.Tensor:
    """``Nx1xHxW`` luma (BT.601) of RGB images in [0, 1]."""
    weights = images.new_tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    return (images * weights).sum(1, keepdim=True)


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> float:
    """Mean of ``Nx1xHxW`` values over the pixels where mask is 1."""
    return float((values * mask).sum() / mask.sum().clamp(min=1))


def measure(renderer: PairRenderer, args: argparse.Namespace) -> Dict:
    """Diversity (DSSIM, L1, LPIPS) and FID of renderings vs real data,
    the mean context mask on the person and the background, and the
    person's luminance in renderings and real images."""
    from mmreidgen.evaluation.functional.diversity import (
        LPIPS,
        conditional_diversity,
        set_diversity,
    )
    from mmreidgen.evaluation.functional.fid import (
        InceptionFeatures,
        extract_features,
        fid_from_features,
    )
    rng = np.random.default_rng(args.seed + 1)
    n_src = min(args.num_sources, len(renderer.source))
    sources = rng.choice(len(renderer.source), n_src, replace=False)
    guided = []  # guided[k]: the n_src sources with the k-th guides
    src_masks, ctx_masks = [], []
    for _ in range(args.num_guides):
        targets = rng.integers(0, len(renderer.target), n_src)
        fakes = []
        for i in range(0, n_src, args.batch_size):
            res = renderer(sources[i:i + args.batch_size],
                           targets[i:i + args.batch_size])
            fakes.append(to_unit(res['out']['fake']))
            src_masks.append(res['batch']['source_mask'])
            ctx_masks.append(res['out']['context_mask'])
        guided.append(torch.cat(fakes))

    n_real = min(len(renderer.source), len(renderer.target), 500)
    real_src, real_tgt, real_src_mask, real_tgt_mask = [], [], [], []
    for i in range(0, n_real, args.batch_size):
        idx = np.arange(i, min(i + args.batch_size, n_real))
        batch = renderer(idx, idx)['batch']
        real_src.append(to_unit(batch['source']))
        real_tgt.append(to_unit(batch['target']))
        real_src_mask.append(batch['source_mask'])
        real_tgt_mask.append(batch['target_mask'])
    real_src, real_tgt = torch.cat(real_src), torch.cat(real_tgt)
    fake_all = torch.cat(guided)
    src_masks, ctx_masks = torch.cat(src_masks), torch.cat(ctx_masks)
    lpips = None
    if args.lpips_alexnet and args.lpips_lin:
        lpips = LPIPS(args.lpips_alexnet, args.lpips_lin)
    metrics = {
        # How much of the person / background G re-renders (mean X_C).
        'context_mask/person': masked_mean(ctx_masks, src_masks),
        'context_mask/background': masked_mean(ctx_masks, 1 - src_masks),
        # Photometry of the person: renderings vs real source and target.
        'person_luminance/rendered': masked_mean(
            luminance(fake_all), src_masks),
        'person_luminance/source': masked_mean(
            luminance(real_src), torch.cat(real_src_mask)),
        'person_luminance/target': masked_mean(
            luminance(real_tgt), torch.cat(real_tgt_mask)),
    }
    for metric in ['dssim', 'l1'] + (['lpips'] if lpips else []):
        metrics[f'{metric}/conditional_diversity'] = conditional_diversity(
            guided, metric, lpips)
        metrics[f'{metric}/set_diversity'] = set_diversity(
            fake_all, 1000, metric, lpips, args.seed)
        mixed = torch.cat([real_src, real_tgt])
        metrics[f'{metric}/source_target_set_diversity'] = set_diversity(
            mixed, 1000, metric, lpips, args.seed)
    if args.inception_weights:
        net = InceptionFeatures(args.inception_weights).to(args.device)
        feats = {
            name: extract_features(imgs.split(args.batch_size), net,
                                   args.device)
            for name, imgs in (('fake', fake_all), ('target', real_tgt),
                               ('source', real_src))
        }
        metrics['fid/fake_vs_target'] = fid_from_features(
            feats['target'], feats['fake'])
        metrics['fid/source_vs_target'] = fid_from_features(
            feats['target'], feats['source'])
    return metrics


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    args = parse_args(argv)
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    model = init_model(cfg, args.checkpoint, args.device)
    source, target = pair_datasets(cfg)
    renderer = PairRenderer(model, source, target, args.renderer)
    num = args.num if args.num is not None else len(source)
    render_folder(renderer, args.out, num, args.batch_size, args.seed,
                  args.grids)
    result = {}
    if args.metrics:
        result = measure(renderer, args)
        with open(osp.join(args.out, 'metrics.json'), 'w',
                  encoding='utf-8') as f:
            json.dump(result, f, indent=2)
        print(json.dumps(result, indent=2))
    return result


if __name__ == '__main__':
    run_tool(main)
