"""People: identity sampling (body, clothing, accessories) and drawing."""
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

from .common import (
    COLOURS,
    HAIR,
    SKIN,
    jitter_colour,
    pick_colour,
    pick_named_colour,
    pt,
)
from .styles import DomainStyle

# What ``draw_person`` can report separately: the parts a human parser
# tends to lose (thin arms, carried objects, hats) and the rest.
PART_GROUPS = ('body', 'arms', 'backpack', 'bag', 'hat')

def sample_identity(rng: np.random.Generator, style: DomainStyle) -> dict:
    """Draw one person: body, clothing, pattern and accessories.

    ``upper_name`` and ``lower_name`` name the clothing colours before
    their jitter (the metadata :func:`identity_attributes` reports); they
    take no draw of their own.
    """
    short_lower = rng.random() < style.short_lower
    pattern = str(rng.choice(['plain', 'stripes', 'checks', 'logo'],
                             p=[0.55, 0.2, 0.1, 0.15]))
    person = dict(
        height=rng.uniform(0.88, 1.0),
        build=rng.uniform(0.8, 1.25),
        head=rng.uniform(0.062, 0.075),
        legs=rng.uniform(0.45, 0.52),
        skin=jitter_colour(rng, SKIN[rng.integers(len(SKIN))], 8),
        hair=jitter_colour(rng, HAIR[rng.integers(len(HAIR))], 8),
        long_hair=bool(rng.random() < 0.3),
        upper=(upper := pick_named_colour(rng, style.upper_weights))[1],
        lower=(lower := pick_named_colour(rng, style.lower_weights))[1],
        short_sleeves=bool(rng.random() < style.short_sleeves),
        lower_kind=(str(rng.choice(['shorts', 'skirt'])) if short_lower
                    else 'trousers'),
        jacket=(pick_colour(rng, style.upper_weights)
                if rng.random() < style.jacket else None),
        pattern=pattern,
        pattern_colour=pick_colour(rng, style.upper_weights),
        pattern_period=int(rng.integers(5, 10)),
        shoes=jitter_colour(rng, COLOURS[str(rng.choice(
            ['black', 'white', 'brown', 'grey']))], 10),
        backpack=(pick_colour(rng, dict(black=3, navy=1, grey=1, red=0.5,
                                         blue=0.5, green=0.3))
                  if rng.random() < 0.35 else None),
        hat=(pick_colour(rng, dict(black=2, white=1, red=0.5, navy=1,
                                    beige=1)) if rng.random() < 0.12
             else None),
        bag=(pick_colour(rng, dict(black=2, brown=2, beige=1, white=0.5,
                                    red=0.3)) if rng.random() < 0.2
             else None),
        bag_side=int(rng.choice([-1, 1])),
    )
    person.update(upper_name=upper[0], lower_name=lower[0])
    return person


def _fill_pattern(layer: np.ndarray, region: np.ndarray, person: dict,
                  view: str, box: Tuple[int, int, int, int]) -> None:
    """Paint the torso pattern inside ``region`` (a uint8 mask)."""
    x0, y0, x1, y1 = box
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, layer.shape[1]), min(y1, layer.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    period = person['pattern_period']
    yy, xx = np.mgrid[y0:y1, x0:x1]
    if person['pattern'] == 'stripes':
        on = (yy - y0) % period < period // 2
    elif person['pattern'] == 'checks':
        on = ((yy - y0) // period + (xx - x0) // period) % 2 == 0
    elif person['pattern'] == 'logo' and view == 'front':
        cx, cy = (x0 + x1) / 2, y0 + (y1 - y0) * 0.35
        r = max(3.0, (x1 - x0) * 0.18)
        on = (np.abs(xx - cx) < r) & (np.abs(yy - cy) < r * 0.8)
    else:
        return
    sel = on & (region[y0:y1, x0:x1] > 0)
    layer[y0:y1, x0:x1][sel] = person['pattern_colour']


def draw_person(layer: np.ndarray, mask: np.ndarray, person: dict,
                cx: float, feet: float, height: float, view: str,
                phase: float,
                parts: Optional[Dict[str, np.ndarray]] = None) -> None:
    """Draw a walking person into ``layer`` and 255 into ``mask``.

    Args:
        layer (np.ndarray): BGR canvas the person is painted on.
        mask (np.ndarray): uint8 canvas that receives the silhouette.
        person (dict): From :func:`sample_identity`.
        cx (float): Horizontal centre of the body.
        feet (float): Row of the soles.
        height (float): Body height in pixels.
        view (str): One of ``VIEWS``.
        phase (float): Walking stride in ``[-1, 1]``.
        parts (dict[str, np.ndarray], optional): uint8 canvases, one per
            group of ``PART_GROUPS``; each receives 255 where its group
            is drawn (a part drawn over another keeps both). Their union
            is ``mask``. Drawing is the same with or without them.
            Defaults to None.
    """
    side = view in ('left', 'right')
    facing = -1 if view == 'left' else 1
    h = height * person['height']
    build = person['build']
    head_r = person['head'] * h * 1.25
    top = feet - h
    neck = top + 2 * head_r
    shoulder = neck + 0.02 * h
    hip = feet - person['legs'] * h
    sw = (0.075 if side else 0.125) * h * build
    hw = sw * (0.9 if side else 0.75)
    arm_t = max(2, int(0.05 * h * build))
    leg_t = max(3, int(0.075 * h * build))
    skin, upper, lower = person['skin'], person['upper'], person['lower']
    outer = person['jacket'] or upper
    stride = phase * 0.14 * h if side else phase * 0.03 * h
    swing = -phase * 0.12 * h if side else 0.0

    group = ['body']  # the part group that the next shapes belong to

    def shape(fn, colour, *args, **kwargs):
        fn(layer, *args, colour, **kwargs)
        fn(mask, *args, 255, **kwargs)
        if parts is not None:
            fn(parts[group[0]], *args, 255, **kwargs)

    def limb(p0, p1, colour, thick):
        shape(cv2.line, colour, pt(*p0), pt(*p1), thickness=thick)

    pack = person['backpack']
    group[0] = 'backpack'
    if pack is not None and side:  # the pack sticks out behind the back
        bx = cx - facing * (sw + 0.05 * h)
        shape(cv2.rectangle, pack, pt(bx - 0.06 * h, shoulder + 0.03 * h),
              pt(bx + 0.06 * h, hip - 0.03 * h), thickness=-1)
    # Legs: far leg first; knees halfway.
    group[0] = 'body'
    for sign in ((-1, 1) if not side else (1, -1)):
        hip_pt = (cx + sign * hw * 0.5 * (0.3 if side else 1), hip)
        foot = (hip_pt[0] + sign * stride, feet - 0.02 * h)
        knee = ((hip_pt[0] + foot[0]) / 2, (hip + feet) / 2)
        if person['lower_kind'] == 'trousers':
            limb(hip_pt, foot, lower, leg_t)
        else:
            limb(hip_pt, foot, skin, max(2, leg_t - 2))
            if person['lower_kind'] == 'shorts':
                limb(hip_pt, knee, lower, leg_t)
        shape(cv2.ellipse, person['shoes'],
              pt(foot[0] + (facing * 0.02 * h if side else 0), feet - 0.015
                  * h), pt(0.035 * h, 0.018 * h), 0, 0, 360, thickness=-1)
    if person['lower_kind'] == 'skirt':
        pts = np.array([pt(cx - hw, hip - 0.03 * h),
                        pt(cx + hw, hip - 0.03 * h),
                        pt(cx + hw * 1.5, hip + 0.22 * h),
                        pt(cx - hw * 1.5, hip + 0.22 * h)], np.int32)
    else:
        pts = np.array([pt(cx - hw, hip - 0.03 * h),
                        pt(cx + hw, hip - 0.03 * h),
                        pt(cx + hw, hip + 0.05 * h),
                        pt(cx - hw, hip + 0.05 * h)], np.int32)
    shape(cv2.fillPoly, lower, [pts])
    # Torso with its pattern.
    torso = np.array([pt(cx - sw, shoulder), pt(cx + sw, shoulder),
                      pt(cx + hw, hip), pt(cx - hw, hip)], np.int32)
    region = np.zeros_like(mask)
    cv2.fillPoly(region, [torso], 255)
    layer[region > 0] = outer
    mask[region > 0] = 255
    if parts is not None:
        parts['body'][region > 0] = 255
    box = (int(cx - sw), int(shoulder), int(cx + sw) + 1, int(hip) + 1)
    if person['jacket'] is None:
        _fill_pattern(layer, region, person, view, box)
    elif view == 'front':  # open jacket shows the shirt
        shirt = np.zeros_like(mask)
        cv2.rectangle(shirt, pt(cx - sw * 0.3, shoulder),
                      pt(cx + sw * 0.3, hip), 255, -1)
        layer[shirt > 0] = upper
        _fill_pattern(layer, shirt, person, view, box)
    group[0] = 'backpack'
    if pack is not None and view == 'back':
        shape(cv2.rectangle, pack, pt(cx - sw * 0.75, shoulder + 0.03 * h),
              pt(cx + sw * 0.75, hip - 0.02 * h), thickness=-1)
    elif pack is not None and view == 'front':
        for sign in (-1, 1):
            limb((cx + sign * sw * 0.6, shoulder),
                 (cx + sign * sw * 0.55, shoulder + 0.18 * h), pack,
                 max(1, arm_t // 2))
    group[0] = 'bag'
    if person['bag'] is not None:
        s = person['bag_side']
        limb((cx - s * sw * 0.7, shoulder), (cx + s * hw, hip), person['bag'],
             max(1, arm_t // 2))
        shape(cv2.rectangle, person['bag'], pt(cx + s * (hw + 0.01 * h),
                                                hip - 0.06 * h),
              pt(cx + s * (hw + 0.11 * h), hip + 0.06 * h), thickness=-1)
    # Arms: sleeve colour down to the elbow (short) or the wrist (long).
    group[0] = 'arms'
    sleeve = person['jacket'] or upper
    short = person['short_sleeves'] and person['jacket'] is None
    for sign in ((-1, 1) if not side else (0, )):
        sx = cx + sign * sw * 0.92
        hand = (sx + sign * 0.02 * h + swing, shoulder + 0.37 * h)
        elbow = ((sx + hand[0]) / 2, (shoulder + hand[1]) / 2)
        limb((sx, shoulder + 0.02 * h), hand, skin, arm_t)
        limb((sx, shoulder + 0.02 * h), elbow if short else hand, sleeve,
             arm_t + 1)
        shape(cv2.circle, skin, pt(*hand), max(2, int(0.025 * h)),
              thickness=-1)
    # Neck, head, hair, hat.
    group[0] = 'body'
    shape(cv2.rectangle, skin, pt(cx - 0.02 * h, neck - 0.02 * h),
          pt(cx + 0.02 * h, shoulder + 0.01 * h), thickness=-1)
    head_c = (cx + (facing * 0.01 * h if side else 0), top + head_r)
    axes = pt(head_r * 0.8, head_r)
    shape(cv2.ellipse, skin, pt(*head_c), axes, 0, 0, 360, thickness=-1)
    hair = person['hair']
    if view == 'back':
        shape(cv2.ellipse, hair, pt(*head_c), axes, 0, 0, 360, thickness=-1)
    elif side:
        start = 90 if facing > 0 else -90
        shape(cv2.ellipse, hair, pt(*head_c), axes, 0, start, start + 180,
              thickness=-1)
    else:
        shape(cv2.ellipse, hair, pt(*head_c), axes, 0, 180, 360,
              thickness=-1)
    if person['long_hair'] and view != 'front':
        shape(cv2.rectangle, hair, pt(head_c[0] - head_r * 0.75, head_c[1]),
              pt(head_c[0] + head_r * 0.75, shoulder + 0.05 * h),
              thickness=-1)
    group[0] = 'hat'
    if person['hat'] is not None:
        shape(cv2.ellipse, person['hat'], pt(head_c[0], head_c[1] -
                                              head_r * 0.3),
              pt(head_r * 0.85, head_r * 0.75), 0, 180, 360, thickness=-1)
        brim_x = head_c[0] + (facing * head_r * 0.9 if side else 0)
        limb((brim_x - head_r * 0.6, head_c[1] - head_r * 0.3),
             (brim_x + head_r * 0.6, head_c[1] - head_r * 0.3),
             person['hat'], 2)

