"""A folder of CR-GAN renderings from a checkpoint, and how good it is.

Each source training image ``X_S`` is rendered into the context of a random
target training image ``X_T`` (:func:`render_crgan_folder`); the result is
written in the Market-1501 layout so that it reads back as a training
set::

    <out>/bounding_box_train/<source pid>_c<target cam>s1_<index>_00.jpg
    <out>/grids/grid_<k>.png      # X_S | X'_T | X_C | X_G

:func:`crgan_render_metrics` measures diversity (DSSIM, L1, LPIPS), FID
against real data, the mean context mask on the person and the background
and the person's luminance. ``tools/misc/render.py`` is the command line.
"""
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.config import Config

from mmreidgen.registry import DATASETS
from mmreidgen.utils.progress import ProgressBar
from mmreidgen.visualization import ReIDVisualizer

from .generation import crgan_render

# What CR-GAN's train_stage trains (Algorithm 1); stage I leaves G as
# initialised.
_UNTRAINED_GENERATOR_STAGES = {'pretrain': 'stage I (identity pretraining)'}


def check_generator_trained(checkpoint: str) -> None:
    """Refuse a CR-GAN checkpoint whose generator was never trained.

    A checkpoint written by stage I (``train_stage='pretrain'``) holds an
    untrained generator, which renders coloured noise. The stage is read
    from the config that the runner records in the checkpoint
    (``meta['cfg']``); a checkpoint without one passes.

    Args:
        checkpoint (str): A ``.pth`` written by training.

    Raises:
        ValueError: Naming the stage that wrote the checkpoint and the
            checkpoint to pass instead.
    """
    from mmreidgen.utils.safe_load import register_safe_globals
    register_safe_globals()
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=True)
    cfg_text = (ckpt.get('meta') or {}).get('cfg') or ''
    match = re.search(r"train_stage\s*=\s*['\"](\w+)['\"]", cfg_text)
    stage = match.group(1) if match else None
    if stage in _UNTRAINED_GENERATOR_STAGES:
        raise ValueError(
            f'{checkpoint} was written by CR-GAN '
            f"{_UNTRAINED_GENERATOR_STAGES[stage]}, train_stage='{stage}', "
            'which does not train the generator: it would render noise. '
            'Pass the checkpoint of stage II or III (<work_dir>/stage2_gan/'
            'final.pth or <work_dir>/stage3_finetune/final.pth), or '
            '--renderer cut_paste.')


def crgan_pair_datasets(cfg: Config) -> Tuple:
    """The source and target training sets of a CR-GAN config, without
    random augmentation.

    Raises:
        KeyError: The config has no two-domain ``train_dataloader``.
    """
    loader = cfg.get('train_dataloader')
    if loader is None or 'datasets' not in loader.get('dataset', {}):
        raise KeyError(
            f'{cfg.filename} has no two-domain train_dataloader '
            '(ConcatDataset([source, target])); use a CR-GAN config.')
    built = []
    for ds_cfg in loader['dataset']['datasets']:
        ds_cfg = dict(ds_cfg)
        ds_cfg['pipeline'] = [
            t for t in ds_cfg['pipeline'] if t['type'] != 'ReIDRandomFlip'
        ]
        built.append(DATASETS.build(ds_cfg))
    return tuple(built)


class CRGANPairRenderer:
    """Render ``(source index, target index)`` pairs with a CR-GAN model.

    Args:
        model: A built ``CRGAN`` with its weights loaded.
        source: The source dataset (items with ``inputs``/``data_samples``).
        target: The target dataset.
        renderer (str): ``'generator'`` or ``'cut_paste'``. Defaults to
            'generator'.
    """

    def __init__(self, model, source, target,
                 renderer: str = 'generator') -> None:
        self.model = model.eval()
        self.source = source
        self.target = target
        self.renderer = renderer

    def __call__(self, src_idx: Sequence[int],
                 tgt_idx: Sequence[int]) -> Dict:
        """:func:`crgan_render` of the pairs: ``batch`` and ``out``."""
        return crgan_render(self.model,
                            [self.source[int(s)] for s in src_idx],
                            [self.target[int(t)] for t in tgt_idx],
                            self.renderer)


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> [0, 1]."""
    return (images.clamp(-1, 1) + 1) / 2


def write_images(images: torch.Tensor, names: Sequence[str],
                 folder: str) -> None:
    """Write ``Nx3xHxW`` RGB [0, 1] images as JPEGs (quality 95)."""
    arr = (images.permute(0, 2, 3, 1).cpu().numpy() * 255 + 0.5).astype(
        np.uint8)
    for img, name in zip(arr, names):
        cv2.imwrite(osp.join(folder, name),
                    cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 95])


def render_crgan_folder(renderer: CRGANPairRenderer, out: str, num: int,
                        batch_size: int = 32, seed: int = 0,
                        grids: int = 0) -> List[str]:
    """Render ``num`` images into ``<out>/bounding_box_train``.

    Source ``i`` is the ``i``-th training image (cycling), its target a
    random one; the file name carries the source's pid and the target's
    camera.

    Args:
        renderer (CRGANPairRenderer): The model and both datasets.
        out (str): The output folder.
        num (int): Images to render.
        batch_size (int): Pairs per forward pass. Defaults to 32.
        seed (int): Seed of the random targets. Defaults to 0.
        grids (int): Also write ``<out>/grids/grid_<k>.png`` of the first
            ``grids`` batches (:meth:`ReIDVisualizer.draw_crgan_render`).
            Defaults to 0.

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
            grid = ReIDVisualizer.draw_crgan_render(res)
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


def _guided_renderings(renderer, num_sources, num_guides, batch_size, rng):
    """``num_guides`` renderings of the same random sources (one list entry
    per guide set), with the source and context masks."""
    n_src = min(num_sources, len(renderer.source))
    sources = rng.choice(len(renderer.source), n_src, replace=False)
    guided = []  # guided[k]: the n_src sources with the k-th guides
    src_masks, ctx_masks = [], []
    for _ in range(num_guides):
        targets = rng.integers(0, len(renderer.target), n_src)
        fakes = []
        for i in range(0, n_src, batch_size):
            res = renderer(sources[i:i + batch_size],
                           targets[i:i + batch_size])
            fakes.append(to_unit(res['out']['fake']))
            src_masks.append(res['batch']['source_mask'])
            ctx_masks.append(res['out']['context_mask'])
        guided.append(torch.cat(fakes))
    return guided, torch.cat(src_masks), torch.cat(ctx_masks)


def _real_pairs(renderer, batch_size, limit=500) -> Dict[str, torch.Tensor]:
    """The first ``limit`` source and target images in [0, 1], and their
    masks."""
    n_real = min(len(renderer.source), len(renderer.target), limit)
    real = dict(source=[], target=[], source_mask=[], target_mask=[])
    for i in range(0, n_real, batch_size):
        idx = np.arange(i, min(i + batch_size, n_real))
        batch = renderer(idx, idx)['batch']
        for key in ('source', 'target'):
            real[key].append(to_unit(batch[key]))
            real[f'{key}_mask'].append(batch[f'{key}_mask'])
    return {k: torch.cat(v) for k, v in real.items()}


def crgan_render_metrics(renderer: CRGANPairRenderer,
                         num_sources: int = 100, num_guides: int = 5,
                         batch_size: int = 32, seed: int = 0,
                         device: str = 'cpu',
                         inception_weights: Optional[str] = None,
                         lpips_alexnet: Optional[str] = None,
                         lpips_lin: Optional[str] = None) -> Dict:
    """Quality and diversity of renderings against real data.

    Args:
        renderer (CRGANPairRenderer): The model and both datasets.
        num_sources (int): Sources for conditional diversity. Defaults to
            100.
        num_guides (int): Targets per source for conditional diversity.
            Defaults to 5.
        batch_size (int): Pairs per forward pass. Defaults to 32.
        seed (int): The random sources and targets use ``seed + 1``; the
            set diversity samples with ``seed``. Defaults to 0.
        device (str): Device of the Inception network. Defaults to 'cpu'.
        inception_weights (str, optional): Local torchvision inception_v3
            state dict; with it, ``fid/*``.
        lpips_alexnet (str, optional): Local torchvision alexnet state
            dict; with ``lpips_lin``, ``lpips/*``.
        lpips_lin (str, optional): Local LPIPS v0.1 alex linear layers.

    Returns:
        dict: ``context_mask/{person,background}`` (how much of each G
        re-renders), ``person_luminance/{rendered,source,target}``, and
        per metric (``dssim``, ``l1``, ``lpips``) the conditional, set and
        source-target set diversity; ``fid/fake_vs_target`` and
        ``fid/source_vs_target`` with Inception weights.
    """
    from mmreidgen.evaluation.functional.diversity import (
        LPIPS,
        conditional_diversity,
        set_diversity,
    )
    rng = np.random.default_rng(seed + 1)
    guided, src_masks, ctx_masks = _guided_renderings(
        renderer, num_sources, num_guides, batch_size, rng)
    real = _real_pairs(renderer, batch_size)
    fake_all = torch.cat(guided)
    lpips = None
    if lpips_alexnet and lpips_lin:
        lpips = LPIPS(lpips_alexnet, lpips_lin)
    metrics = {
        # How much of the person / background G re-renders (mean X_C).
        'context_mask/person': masked_mean(ctx_masks, src_masks),
        'context_mask/background': masked_mean(ctx_masks, 1 - src_masks),
        # Photometry of the person: renderings vs real source and target.
        'person_luminance/rendered': masked_mean(
            luminance(fake_all), src_masks),
        'person_luminance/source': masked_mean(
            luminance(real['source']), real['source_mask']),
        'person_luminance/target': masked_mean(
            luminance(real['target']), real['target_mask']),
    }
    mixed = torch.cat([real['source'], real['target']])
    for metric in ['dssim', 'l1'] + (['lpips'] if lpips else []):
        metrics[f'{metric}/conditional_diversity'] = conditional_diversity(
            guided, metric, lpips)
        metrics[f'{metric}/set_diversity'] = set_diversity(
            fake_all, 1000, metric, lpips, seed)
        metrics[f'{metric}/source_target_set_diversity'] = set_diversity(
            mixed, 1000, metric, lpips, seed)
    if inception_weights:
        metrics.update(_fid(inception_weights, device, batch_size,
                            fake_all, real))
    return metrics


def _fid(weights: str, device: str, batch_size: int, fake: torch.Tensor,
         real: Dict[str, torch.Tensor]) -> Dict[str, float]:
    from mmreidgen.evaluation.functional.fid import (
        InceptionFeatures,
        extract_features,
        fid_from_features,
    )
    net = InceptionFeatures(weights).to(device)
    feats = {
        name: extract_features(imgs.split(batch_size), net, device)
        for name, imgs in (('fake', fake), ('target', real['target']),
                           ('source', real['source']))
    }
    return {
        'fid/fake_vs_target': fid_from_features(feats['target'],
                                                feats['fake']),
        'fid/source_vs_target': fid_from_features(feats['target'],
                                                  feats['source']),
    }
