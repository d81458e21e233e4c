"""The synthetic two-domain re-id benchmark (synthmarket, synthduke).

``make_synthetic_reid`` renders it in the Market-1501 layout, as version 2
(the default) or version 1 (byte for byte the first benchmark). The
modules hold its parts: ``scene`` (camera backgrounds), ``person``
(identities and their drawing), ``camera`` (cameras and the rendering of
one box), ``lighting`` and ``parser_mask`` (what version 2 adds),
``styles`` (how each domain looks), ``writer`` (file names, images,
masks, stats) and ``benchmark`` (a domain and the whole benchmark); the
package exports what a user calls, the parts are imported from their
modules. ``docs/en/synthetic_benchmark.md`` describes both versions.
"""
from .benchmark import (
    format_stats,
    identity_attributes,
    make_synthetic_reid,
)
from .parser_mask import parser_like_mask
from .pretrain_set import make_pretrain_set
from .styles import DOMAINS, REALISM_V2, DomainStyle, RealismV2

__all__ = [
    'make_synthetic_reid', 'format_stats', 'identity_attributes',
    'make_pretrain_set', 'DOMAINS', 'DomainStyle', 'REALISM_V2',
    'RealismV2', 'parser_like_mask'
]
