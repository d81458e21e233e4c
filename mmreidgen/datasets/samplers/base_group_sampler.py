"""Shared logic of the samplers that yield groups of related indices."""
from typing import Iterator, List, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler


class BaseGroupSampler(Sampler):
    """Yield indices in groups that stay contiguous in a batch.

    Subclasses build, for one epoch, a list of groups (e.g. K images of one
    identity, or a (source, target) pair). Groups are dealt to the
    distributed ranks in turn, so every rank sees whole groups and the same
    number of them.

    Args:
        dataset: The dataset (an mmengine ``BaseDataset`` or
            ``ConcatDataset``).
        seed (int, optional): Random seed, shared across ranks. Defaults to
            a seed synchronised across ranks.
    """

    def __init__(self, dataset, seed: Optional[int] = None) -> None:
        self.dataset = dataset
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.pids = np.array([
            dataset.get_data_info(i)['pid'] for i in range(len(dataset))
        ])
        self._num_groups = None
        self._epoch_groups = None

    def make_groups(self, rng: np.random.Generator) -> List[List[int]]:
        raise NotImplementedError

    def _rank_groups(self) -> List[List[int]]:
        # mmengine's hooks ask len(dataloader) at every iteration; the
        # groups of an epoch depend only on the seed and the epoch, so they
        # are built once per epoch.
        if self._epoch_groups is None or self._epoch_groups[0] != self.epoch:
            groups = self._build_rank_groups()
            self._epoch_groups = (self.epoch, groups,
                                  sum(len(g) for g in groups))
        return self._epoch_groups[1]

    def _build_rank_groups(self) -> List[List[int]]:
        rng = np.random.default_rng(self.seed + self.epoch)
        groups = self.make_groups(rng)
        order = rng.permutation(len(groups))
        usable = len(groups) // self.world_size * self.world_size
        if usable == 0:
            raise ValueError(
                f'{type(self).__name__} built {len(groups)} groups, fewer '
                f'than the {self.world_size} ranks; use more data or fewer '
                'processes.')
        return [groups[i] for i in order[self.rank:usable:self.world_size]]

    def __iter__(self) -> Iterator[int]:
        groups = self._rank_groups()
        self._num_groups = len(groups)
        return iter([int(i) for group in groups for i in group])

    def __len__(self) -> int:
        self._rank_groups()
        return self._epoch_groups[2]

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch


