"""Samplers that yield pairs: (source, target) and (anchor, positive)."""
from typing import List, Optional

import numpy as np

from mmreidgen.registry import DATA_SAMPLERS

from .base_group_sampler import BaseGroupSampler


@DATA_SAMPLERS.register_module()
class TwoDomainSampler(BaseGroupSampler):
    """Yield ``(source, target)`` index pairs of a two-domain dataset.

    The dataset must be ``ConcatDataset([source, target])``. Every source
    image appears once per epoch, paired with a random target image: even
    positions of a batch are source images, odd positions target images.

    Args:
        dataset: ``ConcatDataset`` of exactly two datasets.
        seed (int, optional): Random seed. Defaults to None.
    """

    def __init__(self, dataset, seed: Optional[int] = None) -> None:
        sizes = getattr(dataset, 'cumulative_sizes', None)
        if sizes is None or len(sizes) != 2:
            raise TypeError(
                'TwoDomainSampler needs dataset=dict(type="ConcatDataset", '
                'datasets=[source, target]); got '
                f'{type(dataset).__name__}.')
        super().__init__(dataset, seed)
        self.num_source = sizes[0]
        self.num_target = sizes[1] - sizes[0]

    def make_groups(self, rng: np.random.Generator) -> List[List[int]]:
        targets = self.num_source + rng.integers(
            0, self.num_target, size=self.num_source)
        return [[s, int(t)] for s, t in zip(range(self.num_source), targets)]


@DATA_SAMPLERS.register_module()
class PositivePairSampler(BaseGroupSampler):
    """Yield ``(anchor, positive)`` pairs: another image of the same pid.

    Even positions of a batch are anchors (every image once per epoch), odd
    positions a different image of the anchor's identity (the anchor itself
    when it is the identity's only image), as DG-Net's loaders do.

    Args:
        dataset: A training dataset with ``pid`` in its data infos.
        seed (int, optional): Random seed. Defaults to None.
    """

    def __init__(self, dataset, seed: Optional[int] = None) -> None:
        super().__init__(dataset, seed)
        self.index_by_pid = {}
        for idx, pid in enumerate(self.pids):
            self.index_by_pid.setdefault(int(pid), []).append(idx)

    def make_groups(self, rng: np.random.Generator) -> List[List[int]]:
        groups = []
        for idx, pid in enumerate(self.pids):
            same = self.index_by_pid[int(pid)]
            if len(same) == 1:
                groups.append([idx, idx])
                continue
            pos = same[int(rng.integers(0, len(same) - 1))]
            if pos == idx:
                pos = same[-1]
            groups.append([idx, pos])
        return groups
