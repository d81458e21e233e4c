"""Checks of a config's data before training starts: every image and mask
decodes (``--check-data``), and the train set is as large as the schedule
assumed."""
import copy
from typing import Dict, Iterable, List, Optional

from mmreidgen.config import resolve_stage, stage_names, to_plain
from mmreidgen.registry import DATASETS
from mmreidgen.utils.progress import ProgressBar

from .transforms.loading import decode_image


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
        top = to_plain(cfg._cfg_dict)
        configs = [
            resolve_stage(top, name, str(cfg.work_dir))
            for name in stage_names(top)
        ]
    for c in configs:
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            if c.get(key):
                loaders.append(c[key])
    return loaders


def _backend_args(pipeline: Optional[list]) -> Optional[dict]:
    """The file backend arguments of the pipeline's LoadReIDImage."""
    for step in pipeline or []:
        if isinstance(step, dict) and step.get('type') == 'LoadReIDImage':
            return step.get('backend_args')
    return None


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
    seen, found = set(), {}
    for loader in _loaders(cfg):
        for dataset_cfg in _datasets(loader):
            if dataset_cfg.get('type') in ('ReIDListDataset',
                                           'SLSRGeneratedDataset'):
                continue
            dataset_cfg = copy.deepcopy(dataset_cfg)
            backend_args = _backend_args(dataset_cfg.get('pipeline'))
            dataset_cfg['pipeline'] = []
            key = repr(sorted((k, repr(v)) for k, v in dataset_cfg.items()))
            if key in seen:
                continue
            seen.add(key)
            dataset = DATASETS.build(dataset_cfg)
            for i in range(len(dataset)):
                info = dataset.get_data_info(i)
                found[info['img_path']] = ('color', backend_args)
                if info.get('mask_path'):
                    found[info['mask_path']] = ('grayscale', backend_args)
    files = sorted(found)
    bad = []
    bar = ProgressBar(len(files))
    for path in files:
        # Decoded exactly as LoadReIDImage decodes (not cv2.imread, which
        # accepts a truncated JPEG that the loader rejects).
        if decode_image(path, *found[path]) is None:
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


def _without_pipelines(node):
    if isinstance(node, dict):
        return {k: [] if k == 'pipeline' else _without_pipelines(v)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_without_pipelines(v) for v in node]
    return node


def check_epoch_images(cfg, where: str = 'the config') -> None:
    """Refuse a schedule computed from another number of training images.

    ``max_epochs`` with ``num_images`` become ``max_iters`` before any data
    is read (:func:`mmreidgen.config.resolve_schedule`, which
    records the count as ``cfg.epoch_images``); here the train set is
    built and its length compared with that count.

    Args:
        cfg (Config): A resolved config about to train.
        where (str): The config or stage, for the message. Defaults to
            'the config'.

    Raises:
        ValueError: The train set holds another number of images; the
            message names both numbers.
    """
    assumed = cfg.get('epoch_images')
    loader = cfg.get('train_dataloader') or {}
    if not assumed or not loader.get('dataset'):
        return
    dataset = DATASETS.build(_without_pipelines(
        copy.deepcopy(_plain(loader['dataset']))))
    actual = len(dataset)
    if actual == assumed['num_images']:
        return
    epochs, batch = assumed['epochs'], assumed['batch_size']
    total = assumed['num_images']
    counts = assumed.get('counts') or [total]
    shown = ' + '.join(map(str, counts)) + (
        f' = {total}' if len(counts) > 1 else '')
    raise ValueError(
        f'The schedule of {where} assumes {shown} training images '
        "(train_cfg.num_images, from the config's num_train_images), but "
        f'its train set holds {actual}: max_iters = {epochs} epochs x '
        f'({total} // {batch}) = {epochs * (total // batch)} instead of '
        f'{epochs * (actual // batch)}. Set num_train_images to the real '
        'count (--cfg-options num_train_images=N), check data_root, or give '
        'train_cfg.max_iters.')


def _plain(node):
    to_dict = getattr(node, 'to_dict', None)
    return to_dict() if to_dict is not None else node
