import dataclasses

import cv2
import numpy as np
import pytest

from mmreidgen.datasets.synthetic import DOMAINS
from mmreidgen.datasets.synthetic.parser_mask import (
    parser_like_mask,
    signed_distance,
)
from mmreidgen.datasets.synthetic.person import (
    PART_GROUPS,
    draw_person,
    sample_identity,
)
from mmreidgen.datasets.synthetic.styles import REALISM_V2
from mmreidgen.utils.masks import mask_iou

EXACT_ONLY = dataclasses.replace(
    REALISM_V2['synthmarket'], drop_carried=0.0, drop_hat=0.0,
    drop_arms=0.0, boundary_px=0.0, bias_px=0.0, hole_p=0.0)


def _person(backpack=True, seed=0):
    person = sample_identity(np.random.default_rng(seed),
                             DOMAINS['synthmarket'])
    person.update(backpack=(0, 0, 200) if backpack else None, bag=None,
                  hat=None)
    layer = np.zeros((128, 64, 3), np.uint8)
    mask = np.zeros((128, 64), np.uint8)
    parts = {g: np.zeros((128, 64), np.uint8) for g in PART_GROUPS}
    draw_person(layer, mask, person, 32, 124, 110, 'left', 0.3, parts)
    return mask, parts


def test_parts_cover_the_mask_exactly():
    mask, parts = _person()
    union = np.zeros_like(mask)
    for part in parts.values():
        union |= part
    assert np.array_equal(union, mask)
    assert parts['backpack'].any() and parts['arms'].any()
    assert not parts['hat'].any()


def test_signed_distance_sign():
    mask, _ = _person()
    sdf = signed_distance(mask)
    assert np.all(sdf[mask > 0] > 0) and np.all(sdf[mask == 0] < 0)


def test_no_degradation_gives_the_exact_mask():
    mask, parts = _person()
    out = parser_like_mask(np.random.default_rng(0), mask, parts, 0.5,
                           False, EXACT_ONLY)
    assert np.array_equal(out, mask)


def test_backpack_and_arms_can_be_dropped():
    mask, parts = _person()
    drop = dataclasses.replace(EXACT_ONLY, drop_carried=1.0, drop_arms=1.0)
    out = parser_like_mask(np.random.default_rng(0), mask, parts, 0.5,
                           False, drop)
    only_pack = (parts['backpack'] > 0) & (parts['body'] == 0)
    assert only_pack.any() and not (out[only_pack] > 0).any()
    # What is also body stays: a parser loses what sticks out.
    assert np.array_equal(out > 0, (parts['body'] > 0))


@pytest.mark.parametrize('name', ['synthmarket', 'synthduke'])
def test_iou_near_the_target_and_worse_under_blur(name):
    realism = REALISM_V2[name]
    mask, parts = _person(backpack=False, seed=1)

    def mean_iou(blur, low_res=False):
        return np.mean([
            mask_iou(parser_like_mask(np.random.default_rng(s), mask, parts,
                                      blur, low_res, realism), mask)
            for s in range(40)
        ])

    sharp, blurred = mean_iou(0.3), mean_iou(1.1)
    assert 0.72 < sharp < 0.92, sharp
    assert blurred < sharp - 0.02
    assert mean_iou(0.3, low_res=True) < sharp - 0.02


def test_empty_exact_mask_gives_an_empty_parser_mask():
    empty = np.zeros((128, 64), np.uint8)
    parts = {g: empty.copy() for g in PART_GROUPS}
    out = parser_like_mask(np.random.default_rng(0), empty, parts, 0.5,
                           False, REALISM_V2['synthduke'])
    assert not out.any()


def test_parts_at_drawing_resolution_are_shrunk_to_the_mask():
    mask, parts = _person()
    exact = np.where(cv2.resize(mask, (32, 64), interpolation=cv2.INTER_AREA)
                     > 127, 255, 0).astype(np.uint8)
    out = parser_like_mask(np.random.default_rng(0), exact, parts, 0.5,
                           False, EXACT_ONLY)
    assert np.array_equal(out, exact)
