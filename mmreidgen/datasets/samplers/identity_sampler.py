"""P x K identity-balanced sampling for batch-hard triplet training."""
from typing import List, Optional

import numpy as np

from mmreidgen.registry import DATA_SAMPLERS

from .base_group_sampler import BaseGroupSampler


@DATA_SAMPLERS.register_module()
class IdentityBalancedSampler(BaseGroupSampler):
    """Yield groups of ``num_instances`` images of one identity.

    With ``batch_size = P * num_instances`` every batch holds P identities
    with K images each. Identities with fewer than K images are sampled
    with replacement. Each epoch visits every image about once.

    Args:
        dataset: A training dataset with ``pid`` in its data infos.
        num_instances (int): K, images per identity. Defaults to 4.
        seed (int, optional): Random seed. Defaults to None.
    """

    def __init__(self,
                 dataset,
                 num_instances: int = 4,
                 seed: Optional[int] = None) -> None:
        super().__init__(dataset, seed)
        if num_instances < 1:
            raise ValueError(
                f'num_instances must be >= 1, got {num_instances}')
        self.num_instances = num_instances
        self.index_by_pid = {}
        for idx, pid in enumerate(self.pids):
            self.index_by_pid.setdefault(int(pid), []).append(idx)

    def make_groups(self, rng: np.random.Generator) -> List[List[int]]:
        k = self.num_instances
        groups = []
        for indices in self.index_by_pid.values():
            indices = list(rng.permutation(indices))
            if len(indices) < k:
                indices = list(rng.choice(indices, size=k, replace=True))
            for start in range(0, len(indices) - k + 1, k):
                groups.append(indices[start:start + k])
        return groups
