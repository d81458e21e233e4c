"""The one way tools, stages and benchmarks build a dataloader."""
import copy
from typing import Optional

from torch.utils.data import DataLoader

from mmreidgen.engine.runner import ReIDRunner


def build_dataloader(loader_cfg: dict,
                     dataset: Optional[dict] = None,
                     batch_size: Optional[int] = None,
                     num_workers: Optional[int] = None) -> DataLoader:
    """Build a dataloader as the runners build theirs.

    The loader goes through :meth:`ReIDRunner.build_dataloader`, so a
    config that keeps ``persistent_workers=True`` beside
    ``num_workers=0`` (the small synthetic configs) loads in the main
    process instead of failing in PyTorch.

    Args:
        loader_cfg (dict): A dataloader config (``cfg.test_dataloader``,
            or ``dict(num_workers=0)`` for a plain one that reads every
            sample once, in order). It is copied, never changed.
        dataset (dict, optional): Replaces the config's dataset.
            Defaults to None.
        batch_size (int, optional): Replaces the config's batch size.
            Defaults to None.
        num_workers (int, optional): Replaces the config's worker count
            (``persistent_workers`` follows it). Defaults to None.

    Returns:
        DataLoader: The loader.
    """
    loader_cfg = copy.deepcopy(dict(loader_cfg))
    if dataset is not None:
        loader_cfg['dataset'] = dataset
    if batch_size is not None:
        loader_cfg['batch_size'] = batch_size
    if num_workers is not None:
        loader_cfg['num_workers'] = num_workers
        loader_cfg['persistent_workers'] = num_workers > 0
    # Without a sampler: every sample once, in order.
    loader_cfg.setdefault('sampler', dict(type='DefaultSampler',
                                          shuffle=False))
    return ReIDRunner.build_dataloader(loader_cfg)
