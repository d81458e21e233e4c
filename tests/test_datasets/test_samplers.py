from collections import Counter

import pytest

from mmreidgen.datasets.samplers import (
    IdentityBalancedSampler,
    PositivePairSampler,
    TwoDomainSampler,
)


class FakeDataset:
    def __init__(self, pids, domain='source'):
        self.pids = pids
        self.domain = domain
        self._fully_initialized = True

    def __len__(self):
        return len(self.pids)

    def get_data_info(self, i):
        return dict(pid=self.pids[i], domain=self.domain)

    def full_init(self):
        pass

    @property
    def metainfo(self):
        return {}


def test_identity_balanced_batches_hold_k_images_per_pid():
    pids = [p for p in range(6) for _ in range(4 + p)]
    sampler = IdentityBalancedSampler(FakeDataset(pids), num_instances=4,
                                      seed=0)
    indices = list(sampler)
    assert len(indices) == len(sampler)
    for start in range(0, len(indices), 4):
        group = [pids[i] for i in indices[start:start + 4]]
        assert len(set(group)) == 1, group
    # Every identity appears, deterministic for a seed.
    assert set(pids[i] for i in indices) == set(range(6))
    assert indices == list(IdentityBalancedSampler(
        FakeDataset(pids), num_instances=4, seed=0))


def test_identity_balanced_pads_small_identities():
    sampler = IdentityBalancedSampler(FakeDataset([0, 1, 1, 1, 1]),
                                      num_instances=4, seed=0)
    counts = Counter(sampler.pids[i] for i in sampler)
    assert counts == {0: 4, 1: 4}


def test_two_domain_sampler_alternates_source_and_target():
    dataset = FakeDataset([0, 0, 1, 1, 2, 9, 9, 9])
    dataset.cumulative_sizes = [5, 8]  # as ConcatDataset([source, target])
    sampler = TwoDomainSampler(dataset, seed=0)
    indices = list(sampler)
    assert len(indices) == 10
    assert sorted(indices[0::2]) == [0, 1, 2, 3, 4]
    assert all(5 <= t < 8 for t in indices[1::2])


def test_two_domain_sampler_rejects_single_dataset():
    with pytest.raises(TypeError, match='ConcatDataset'):
        TwoDomainSampler(FakeDataset([0, 1]))


def test_positive_pair_sampler():
    pids = [0, 0, 0, 1, 1, 2]
    indices = list(PositivePairSampler(FakeDataset(pids), seed=0))
    anchors, positives = indices[0::2], indices[1::2]
    assert sorted(anchors) == list(range(6))
    for a, p in zip(anchors, positives):
        assert pids[a] == pids[p]
        if pids[a] != 2:  # identity 2 has a single image
            assert a != p


def test_group_samplers_split_across_ranks(monkeypatch):
    import mmreidgen.datasets.samplers.base_group_sampler as base
    pids = [p for p in range(8) for _ in range(4)]
    seen = []
    for rank in range(2):
        monkeypatch.setattr(base, 'get_dist_info', lambda r=rank: (r, 2))
        sampler = IdentityBalancedSampler(FakeDataset(pids), 4, seed=3)
        seen.append(list(sampler))
    assert len(seen[0]) == len(seen[1]) == 16
    assert not set(seen[0]) & set(seen[1])


def test_length_is_built_once_per_epoch_and_matches_iteration():
    pids = [p for p in range(8) for _ in range(3 + p % 3)]
    sampler = IdentityBalancedSampler(FakeDataset(pids), num_instances=4,
                                      seed=0)
    calls = []
    build = sampler._build_rank_groups
    sampler._build_rank_groups = lambda: calls.append(1) or build()
    for _ in range(5):
        len(sampler)
    first = list(sampler)
    assert len(calls) == 1 and len(first) == len(sampler)
    sampler.set_epoch(1)
    second = list(sampler)
    assert len(calls) == 2 and len(second) == len(sampler)
    assert second != first  # a new epoch draws new groups
    fresh = IdentityBalancedSampler(FakeDataset(pids), num_instances=4,
                                    seed=0)
    fresh.set_epoch(1)
    assert list(fresh) == second
