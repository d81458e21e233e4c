"""The synthetic two-domain re-id benchmark (synthmarket, synthduke).

``make_synthetic_reid`` renders it in the Market-1501 layout, as version 2
(the default) or version 1 (byte for byte the first benchmark). The
modules hold its parts: ``scene`` (camera backgrounds), ``person``
(identities and their drawing), ``camera`` (cameras and the rendering of
one box), ``lighting`` and ``parser_mask`` (what version 2 adds),
``styles`` (how each domain looks), ``writer`` (file names, images,
masks, stats) and ``benchmark`` (a domain and the whole benchmark).
``docs/en/synthetic_benchmark.md`` describes both versions.
"""
from .benchmark import (
    format_stats,
    make_synthetic_reid,
    render_domain,
    sample_visits,
)
from .camera import (
    camera_summary,
    render_image,
    render_image_v2,
    sample_camera,
    sample_cameras_v2,
    sample_tracklet,
)
from .common import VIEWS
from .parser_mask import mask_iou, parser_like_mask
from .person import PART_GROUPS, draw_person, sample_identity
from .pretrain_set import make_pretrain_set
from .scene import render_scene
from .styles import DOMAINS, REALISM_V2, DomainStyle, RealismV2
from .writer import SUBSET_DIRS, MarketWriter, write_stats

__all__ = [
    'make_synthetic_reid', 'format_stats', 'render_domain', 'sample_visits',
    'sample_camera', 'camera_summary', 'render_image', 'sample_cameras_v2',
    'sample_tracklet', 'render_image_v2', 'parser_like_mask', 'mask_iou',
    'sample_identity', 'draw_person', 'PART_GROUPS', 'render_scene',
    'DOMAINS', 'DomainStyle', 'REALISM_V2', 'RealismV2', 'VIEWS',
    'SUBSET_DIRS', 'MarketWriter', 'write_stats', 'make_pretrain_set'
]
