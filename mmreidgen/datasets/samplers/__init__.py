from .identity_sampler import IdentityBalancedSampler
from .pair_samplers import PositivePairSampler, TwoDomainSampler

__all__ = [
    'IdentityBalancedSampler', 'TwoDomainSampler', 'PositivePairSampler'
]
