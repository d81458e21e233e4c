"""Decode every image and mask a config uses, before training starts."""
import copy
from typing import Dict, Iterable, List

import cv2

from mmreidgen.registry import DATASETS
from mmreidgen.utils.progress import ProgressBar


def _datasets(loader: dict) -> Iterable[dict]:
    dataset = (loader or {}).get('dataset')
    if not dataset:
        return []
    if dataset.get('type') == 'ConcatDataset':
        return list(dataset['datasets'])
    return [dataset]


def _loaders(cfg) -> List[dict]:
    loaders = []
    configs = [cfg]
    if cfg.get('runner_type') == 'PipelineRunner':
        from mmreidgen.stages.config import (
            _to_plain,
            resolve_stage,
            stage_names,
        )
        top = _to_plain(cfg._cfg_dict)
        configs = [
            resolve_stage(top, name, str(cfg.work_dir))
            for name in stage_names(top)
        ]
    for c in configs:
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            if c.get(key):
                loaders.append(c[key])
    return loaders


def check_config_data(cfg) -> Dict[str, int]:
    """Decode every image (and mask) of every dataset the config reads.

    Generated or listed datasets that do not exist yet (SLSR's generated
    images, per-cluster lists) are skipped. Raises one error that lists
    every unreadable file.

    Args:
        cfg (Config): A loaded config (single-stage or pipeline).

    Returns:
        dict: ``images`` and ``masks`` checked.
    """
    seen, files = set(), []
    for loader in _loaders(cfg):
        for dataset_cfg in _datasets(loader):
            if dataset_cfg.get('type') in ('ReIDListDataset',
                                           'SLSRGeneratedDataset'):
                continue
            dataset_cfg = copy.deepcopy(dataset_cfg)
            dataset_cfg['pipeline'] = []
            key = repr(sorted((k, repr(v)) for k, v in dataset_cfg.items()))
            if key in seen:
                continue
            seen.add(key)
            dataset = DATASETS.build(dataset_cfg)
            for i in range(len(dataset)):
                info = dataset.get_data_info(i)
                files.append(info['img_path'])
                if info.get('mask_path'):
                    files.append(info['mask_path'])
    files = sorted(set(files))
    bad = []
    bar = ProgressBar(len(files))
    for path in files:
        img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if img is None or img.size == 0:
            bad.append(path)
        bar.update()
    if bad:
        shown = '\n  '.join(bad[:50])
        more = f'\n  ... and {len(bad) - 50} more' if len(bad) > 50 else ''
        raise ValueError(
            f'{len(bad)} of {len(files)} files cannot be decoded:\n  '
            f'{shown}{more}\nReplace or delete them (and their masks) '
            'before training.')
    masks = sum(1 for p in files if '/masks/' in p)
    print(f'Data check: {len(files) - masks} images and {masks} masks '
          'decode.')
    return dict(images=len(files) - masks, masks=masks)
