"""Render a small two-domain synthetic person re-id benchmark.

Two domains, ``synthmarket`` and ``synthduke``, are written in the exact
Market-1501 layout so that :class:`mmreidgen.datasets.Market1501` reads
both::

    <out>/synthmarket/bounding_box_train/0002_c1s1_000451_03.jpg
    <out>/synthmarket/query/...
    <out>/synthmarket/bounding_box_test/...
    <out>/synthmarket/masks/<subfolder>/<same stem>.png   # person = 255
    <out>/synthduke/...                                   # same layout

Everything is drawn with numpy and OpenCV from one seed; the same seed
gives the same bytes on the same OpenCV build.

Design, taken from how real camera networks differ rather than from any
method:

- Identity (drawn independently per domain, so the two domains hold
  different people): body height, build, head size and leg length; skin
  and hair colour, long or short hair; upper and lower clothing colours
  from a clothing palette, sleeve length, trousers/shorts/skirt, an open
  jacket over a shirt; a torso pattern (plain, stripes, checks, or a chest
  logo seen only from the front); accessories (backpack seen as straps from
  the front and as a pack from the back or side, hat, shoulder bag). A
  domain's season changes only how often each garment occurs, as summer
  (Market-1501) and winter (DukeMTMC-reID) footage does.
- Camera (fixed per camera): its own textured scene (sky/facade/trees/
  glass or indoor walls above a road, lawn, tiled, floor or snowy ground,
  with clutter objects), illumination gain, gamma, contrast, colour cast,
  light direction and shadow strength, optical blur, sensor noise, JPEG
  quality, optionally a low-resolution sensor, the distribution of
  viewpoints (cameras along a path see fronts and backs, others see
  sides), the person size in the box and the looseness of the boxes
  (detector boxes jitter more than hand-drawn ones).
- Image: identities walk past 2-4 cameras (cameras differ in how busy
  they are); the images of an identity in one camera form a tracklet with
  one viewpoint, changing stride, box jitter, background position and a
  little illumination flicker; 8 % of images have a foreground occluder,
  which the mask excludes.
- ``synthmarket``: 6 bright outdoor summer cameras (street, lawn, plaza),
  mild warm casts, sharp images, high JPEG quality, one standard-definition
  camera, loose detector boxes; more short sleeves, shorts and bright
  colours.
- ``synthduke``: 8 darker cameras, half indoor (corridor, lobby) and half
  winter outdoor (walkway), stronger cool/green casts, lower contrast,
  more blur, noise and compression, two low-resolution cameras, tight
  hand-drawn boxes; mostly long sleeves, trousers, dark coats.

Test identities have one query per visited camera and 1-3 gallery images
in every visited camera, so every query has gallery matches in another
camera. The gallery also holds distractors (id ``0000``: background,
partial bodies, far-away people) and a few junk boxes (id ``-1``: body
parts, heavy blur), which the Market-1501 rules drop.

Example::

    python tools/dataset_converters/make_synthetic_reid.py --out data/synthreid
"""
import argparse
import json
import os
import os.path as osp
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

OUT_H, OUT_W = 128, 64
# People are drawn at twice the output size and downsampled (anti-aliasing).
CH, CW = 2 * OUT_H, 2 * OUT_W
# A camera's scene is wider than a box so boxes see different parts of it.
SCENE_H, SCENE_W = CH + 32, 3 * CW
SUBSET_DIRS = dict(
    train='bounding_box_train', query='query', gallery='bounding_box_test')
VIEWS = ('front', 'back', 'left', 'right')

# Clothing colours (BGR) with a name; weights below are per domain season.
COLOURS = dict(
    black=(25, 25, 25), white=(235, 235, 235), grey=(128, 128, 128),
    darkgrey=(65, 65, 65), navy=(90, 40, 25), blue=(180, 90, 30),
    lightblue=(225, 180, 120), red=(40, 40, 200), darkred=(35, 30, 120),
    pink=(180, 150, 240), yellow=(60, 210, 235), orange=(30, 130, 240),
    green=(60, 150, 50), olive=(50, 110, 100), beige=(150, 190, 215),
    brown=(40, 70, 110), purple=(130, 50, 110), denim=(140, 95, 60))
SKIN = ((170, 195, 230), (140, 170, 215), (100, 135, 185), (70, 95, 140),
        (50, 65, 100))
HAIR = ((20, 20, 20), (30, 45, 70), (60, 110, 160), (150, 150, 150))


@dataclass
class DomainStyle:
    """How one camera network looks; ranges are sampled per camera."""

    name: str
    scenes: Tuple[str, ...]          # one scene kind per camera
    gain: Tuple[float, float]
    gamma: Tuple[float, float]
    contrast: Tuple[float, float]
    cast: float                      # max per-channel colour cast
    cast_bias: Tuple[float, float, float]  # BGR mean cast of the domain
    blur: Tuple[float, float]        # Gaussian sigma at output resolution
    noise: Tuple[float, float]       # sensor noise std (0-255 scale)
    jpeg: Tuple[int, int]
    low_res_cameras: int
    shadow: Tuple[float, float]
    person_scale: Tuple[float, float]  # person height / box height
    box_jitter: float                # detector looseness (fraction)
    short_sleeves: float
    short_lower: float               # shorts or skirt
    jacket: float
    upper_weights: Dict[str, float] = field(default_factory=dict)
    lower_weights: Dict[str, float] = field(default_factory=dict)


DOMAINS = dict(
    synthmarket=DomainStyle(
        name='synthmarket',
        scenes=('street', 'lawn', 'plaza', 'street', 'plaza', 'lawn'),
        gain=(1.0, 1.2), gamma=(0.85, 1.0), contrast=(1.0, 1.15),
        cast=0.06, cast_bias=(-0.03, 0.0, 0.04), blur=(0.2, 0.6),
        noise=(1.5, 3.0), jpeg=(90, 96), low_res_cameras=1,
        shadow=(0.25, 0.45), person_scale=(0.76, 0.9), box_jitter=0.07,
        short_sleeves=0.7, short_lower=0.35, jacket=0.1,
        upper_weights=dict(
            white=3, black=3, grey=2, lightblue=1.5, blue=1.5, red=1.5,
            pink=1, yellow=1, orange=0.7, green=1, purple=0.6, navy=1,
            beige=1),
        lower_weights=dict(
            black=3, denim=3, grey=1.5, beige=1.5, white=0.8, navy=1.5,
            brown=0.7, darkgrey=1)),
    synthduke=DomainStyle(
        name='synthduke',
        scenes=('walkway', 'corridor', 'lobby', 'walkway', 'corridor',
                'walkway', 'lobby', 'walkway'),
        gain=(0.6, 0.9), gamma=(1.0, 1.2), contrast=(0.8, 0.95),
        cast=0.15, cast_bias=(0.06, 0.03, -0.06), blur=(0.5, 1.1),
        noise=(3.0, 6.0), jpeg=(75, 88), low_res_cameras=2,
        shadow=(0.1, 0.2), person_scale=(0.84, 0.94), box_jitter=0.03,
        short_sleeves=0.1, short_lower=0.05, jacket=0.5,
        upper_weights=dict(
            black=4, darkgrey=2.5, navy=2, grey=1.5, white=1, darkred=1,
            brown=1.2, olive=1, blue=0.8, red=0.6, beige=0.8, purple=0.4),
        lower_weights=dict(
            black=4, denim=2.5, darkgrey=2, navy=1.5, grey=1, brown=0.8,
            beige=0.6)),
)


# --------------------------------------------------------------- helpers
def _jitter_colour(rng: np.random.Generator, bgr: Sequence[float],
                   amount: float = 18) -> Tuple[int, int, int]:
    c = np.clip(np.asarray(bgr, float) + rng.normal(0, amount, 3), 0, 255)
    return tuple(int(v) for v in c)


def _pick_colour(rng: np.random.Generator,
                 weights: Dict[str, float]) -> Tuple[int, int, int]:
    names = sorted(weights)
    p = np.array([weights[n] for n in names], float)
    name = names[rng.choice(len(names), p=p / p.sum())]
    return _jitter_colour(rng, COLOURS[name])


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cell: int,
                  amp: float) -> np.ndarray:
    small = rng.normal(0, 1, (max(2, h // cell), max(2, w // cell)))
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return big.astype(np.float32) * amp


def _pt(x: float, y: float) -> Tuple[int, int]:
    return int(round(x)), int(round(y))


# ---------------------------------------------------------------- scenes
def _draw_top(img: np.ndarray, kind: str, horizon: int,
              rng: np.random.Generator) -> None:
    """Fill the part above the horizon: sky, facades, trees, walls."""
    h, w = horizon, img.shape[1]
    col = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    if kind in ('street', 'lawn', 'plaza'):
        sky_top = np.array(_jitter_colour(rng, (235, 190, 140), 12))
        sky_low = np.array(_jitter_colour(rng, (250, 235, 215), 8))
        img[:h] = (sky_top * (1 - col) + sky_low * col).astype(np.uint8)
    elif kind == 'walkway':
        grey = rng.uniform(150, 195)
        img[:h] = np.array(_jitter_colour(rng, (grey + 8, grey, grey - 6),
                                          6))
    else:  # indoor wall
        base = np.array(_jitter_colour(
            rng, (170, 185, 195) if kind == 'corridor' else (95, 90, 70),
            20))
        img[:h] = (base * (0.8 + 0.2 * col)).astype(np.uint8)
    if kind in ('street', 'plaza'):
        facade = _jitter_colour(rng, (120, 150, 175) if rng.random() < 0.5
                                else (60, 70, 150), 20)
        top = int(h * rng.uniform(0.05, 0.35))
        cv2.rectangle(img, (0, top), (w, h), facade, -1)
        win = _jitter_colour(rng, (90, 70, 50), 15)
        step_x, step_y = rng.integers(26, 44), rng.integers(26, 40)
        for y in range(top + 8, h - 14, step_y):
            for x in range(int(rng.integers(2, 12)), w - 10, step_x):
                cv2.rectangle(img, (x, y), (x + step_x // 2, y + step_y // 2),
                              win, -1)
    if kind in ('lawn', 'walkway'):
        trunk = _jitter_colour(rng, (40, 55, 70), 10)
        leaves = (_jitter_colour(rng, (50, 120, 60), 20) if kind == 'lawn'
                  else None)
        for _ in range(int(rng.integers(3, 7))):
            x = int(rng.integers(0, w))
            y0 = int(h * rng.uniform(0.2, 0.5))
            cv2.line(img, (x, y0), (x, h), trunk, int(rng.integers(3, 7)))
            if leaves is not None:
                cv2.ellipse(img, (x, y0), (int(rng.integers(20, 40)),
                                           int(rng.integers(18, 32))), 0, 0,
                            360, leaves, -1)
            else:  # bare winter branches
                for _ in range(4):
                    dx, dy = rng.integers(-25, 26), rng.integers(-30, -5)
                    cv2.line(img, (x, y0 + 20), (x + dx, y0 + 20 + dy),
                             trunk, 2)
    if kind == 'corridor':
        door = _jitter_colour(rng, (60, 90, 120), 20)
        for x in range(int(rng.integers(0, 40)), w, int(rng.integers(70,
                                                                     110))):
            cv2.rectangle(img, (x, int(h * 0.3)), (x + 34, h), door, -1)
        cv2.rectangle(img, (0, 0), (w, 6), (245, 250, 250), -1)
    if kind == 'lobby':
        frame = _jitter_colour(rng, (50, 50, 50), 10)
        for x in range(0, w, int(rng.integers(40, 64))):
            cv2.line(img, (x, 0), (x, h), frame, 3)
        cv2.line(img, (0, int(h * 0.45)), (w, int(h * 0.45)), frame, 3)


def _draw_ground(img: np.ndarray, kind: str, horizon: int,
                 rng: np.random.Generator) -> None:
    """Fill the part below the horizon: road, grass, tiles, floor, snow."""
    h, w = img.shape[:2]
    colours = dict(
        street=(110, 110, 115), lawn=(60, 140, 80), plaza=(175, 180, 185),
        walkway=(125, 125, 120), corridor=(110, 130, 150), lobby=(55, 50,
                                                                  45))
    ground = _jitter_colour(rng, colours[kind], 14)
    img[horizon:] = ground
    if kind == 'street':
        y = int((horizon + h) / 2)
        for x in range(int(rng.integers(0, 30)), w, 60):
            cv2.rectangle(img, (x, y), (x + 30, y + 4), (210, 215, 215), -1)
        cv2.rectangle(img, (0, horizon), (w, horizon + 8),
                      _jitter_colour(rng, (160, 165, 170), 8), -1)
    elif kind == 'plaza' or kind == 'corridor':
        line = _jitter_colour(rng, (90, 95, 100), 10)
        step = int(rng.integers(18, 30))
        for x in range(0, w, step):
            cv2.line(img, (x, horizon), (x + (x - w // 2) // 3, h), line, 1)
        for y in range(horizon, h, step // 2):
            cv2.line(img, (0, y), (w, y), line, 1)
    elif kind == 'walkway':
        snow = _jitter_colour(rng, (230, 230, 225), 6)
        for _ in range(int(rng.integers(2, 5))):
            cx, cy = int(rng.integers(0, w)), int(rng.integers(horizon, h))
            cv2.ellipse(img, (cx, cy), (int(rng.integers(20, 60)),
                                        int(rng.integers(6, 16))), 0, 0,
                        360, snow, -1)
    elif kind == 'lobby':
        # A polished floor reflects the light of the windows.
        band = np.linspace(1.4, 1.0, h - horizon, dtype=np.float32)
        img[horizon:] = np.clip(img[horizon:] * band[:, None, None], 0,
                                255).astype(np.uint8)


def _draw_clutter(img: np.ndarray, horizon: int,
                  rng: np.random.Generator) -> None:
    """Poles, bins, benches and boxes standing on the ground."""
    h, w = img.shape[:2]
    for _ in range(int(rng.integers(2, 7))):
        colour = _jitter_colour(
            rng, COLOURS[str(rng.choice(['grey', 'darkgrey', 'green', 'blue',
                                         'brown', 'red', 'beige']))], 20)
        x = int(rng.integers(0, w))
        base = int(rng.integers(horizon, min(h, horizon + 60)))
        kind = rng.integers(0, 3)
        if kind == 0:  # pole or sign
            cv2.rectangle(img, (x, base - int(rng.integers(60, 140))),
                          (x + int(rng.integers(3, 7)), base), colour, -1)
        elif kind == 1:  # bin or box
            bw, bh = int(rng.integers(12, 30)), int(rng.integers(14, 40))
            cv2.rectangle(img, (x, base - bh), (x + bw, base), colour, -1)
        else:  # bench or low wall
            bw = int(rng.integers(40, 90))
            cv2.rectangle(img, (x, base - 14), (x + bw, base - 8), colour, -1)
            cv2.rectangle(img, (x + 4, base - 8), (x + 8, base), colour, -1)
            cv2.rectangle(img, (x + bw - 8, base - 8), (x + bw - 4, base),
                          colour, -1)


def render_scene(kind: str, rng: np.random.Generator) -> np.ndarray:
    """Render one camera's background scene (SCENE_H x SCENE_W, BGR)."""
    img = np.zeros((SCENE_H, SCENE_W, 3), np.uint8)
    horizon = int(SCENE_H * rng.uniform(0.4, 0.62))
    _draw_top(img, kind, horizon, rng)
    _draw_ground(img, kind, horizon, rng)
    _draw_clutter(img, horizon, rng)
    texture = (_smooth_noise(rng, SCENE_H, SCENE_W, 24, 10) +
               rng.normal(0, 4, (SCENE_H, SCENE_W)).astype(np.float32))
    return np.clip(img + texture[..., None], 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- people
def sample_identity(rng: np.random.Generator, style: DomainStyle) -> dict:
    """Draw one person: body, clothing, pattern and accessories."""
    short_lower = rng.random() < style.short_lower
    pattern = str(rng.choice(['plain', 'stripes', 'checks', 'logo'],
                             p=[0.55, 0.2, 0.1, 0.15]))
    return dict(
        height=rng.uniform(0.88, 1.0),
        build=rng.uniform(0.8, 1.25),
        head=rng.uniform(0.062, 0.075),
        legs=rng.uniform(0.45, 0.52),
        skin=_jitter_colour(rng, SKIN[rng.integers(len(SKIN))], 8),
        hair=_jitter_colour(rng, HAIR[rng.integers(len(HAIR))], 8),
        long_hair=bool(rng.random() < 0.3),
        upper=_pick_colour(rng, style.upper_weights),
        lower=_pick_colour(rng, style.lower_weights),
        short_sleeves=bool(rng.random() < style.short_sleeves),
        lower_kind=(str(rng.choice(['shorts', 'skirt'])) if short_lower
                    else 'trousers'),
        jacket=(_pick_colour(rng, style.upper_weights)
                if rng.random() < style.jacket else None),
        pattern=pattern,
        pattern_colour=_pick_colour(rng, style.upper_weights),
        pattern_period=int(rng.integers(5, 10)),
        shoes=_jitter_colour(rng, COLOURS[str(rng.choice(
            ['black', 'white', 'brown', 'grey']))], 10),
        backpack=(_pick_colour(rng, dict(black=3, navy=1, grey=1, red=0.5,
                                         blue=0.5, green=0.3))
                  if rng.random() < 0.35 else None),
        hat=(_pick_colour(rng, dict(black=2, white=1, red=0.5, navy=1,
                                    beige=1)) if rng.random() < 0.12
             else None),
        bag=(_pick_colour(rng, dict(black=2, brown=2, beige=1, white=0.5,
                                    red=0.3)) if rng.random() < 0.2
             else None),
        bag_side=int(rng.choice([-1, 1])),
    )


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
                phase: float) -> None:
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

    def shape(fn, colour, *args, **kwargs):
        fn(layer, *args, colour, **kwargs)
        fn(mask, *args, 255, **kwargs)

    def limb(p0, p1, colour, thick):
        shape(cv2.line, colour, _pt(*p0), _pt(*p1), thickness=thick)

    pack = person['backpack']
    if pack is not None and side:  # the pack sticks out behind the back
        bx = cx - facing * (sw + 0.05 * h)
        shape(cv2.rectangle, pack, _pt(bx - 0.06 * h, shoulder + 0.03 * h),
              _pt(bx + 0.06 * h, hip - 0.03 * h), thickness=-1)
    # Legs: far leg first; knees halfway.
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
              _pt(foot[0] + (facing * 0.02 * h if side else 0), feet - 0.015
                  * h), _pt(0.035 * h, 0.018 * h), 0, 0, 360, thickness=-1)
    if person['lower_kind'] == 'skirt':
        pts = np.array([_pt(cx - hw, hip - 0.03 * h),
                        _pt(cx + hw, hip - 0.03 * h),
                        _pt(cx + hw * 1.5, hip + 0.22 * h),
                        _pt(cx - hw * 1.5, hip + 0.22 * h)], np.int32)
    else:
        pts = np.array([_pt(cx - hw, hip - 0.03 * h),
                        _pt(cx + hw, hip - 0.03 * h),
                        _pt(cx + hw, hip + 0.05 * h),
                        _pt(cx - hw, hip + 0.05 * h)], np.int32)
    shape(cv2.fillPoly, lower, [pts])
    # Torso with its pattern.
    torso = np.array([_pt(cx - sw, shoulder), _pt(cx + sw, shoulder),
                      _pt(cx + hw, hip), _pt(cx - hw, hip)], np.int32)
    region = np.zeros_like(mask)
    cv2.fillPoly(region, [torso], 255)
    layer[region > 0] = outer
    mask[region > 0] = 255
    box = (int(cx - sw), int(shoulder), int(cx + sw) + 1, int(hip) + 1)
    if person['jacket'] is None:
        _fill_pattern(layer, region, person, view, box)
    elif view == 'front':  # open jacket shows the shirt
        shirt = np.zeros_like(mask)
        cv2.rectangle(shirt, _pt(cx - sw * 0.3, shoulder),
                      _pt(cx + sw * 0.3, hip), 255, -1)
        layer[shirt > 0] = upper
        _fill_pattern(layer, shirt, person, view, box)
    if pack is not None and view == 'back':
        shape(cv2.rectangle, pack, _pt(cx - sw * 0.75, shoulder + 0.03 * h),
              _pt(cx + sw * 0.75, hip - 0.02 * h), thickness=-1)
    elif pack is not None and view == 'front':
        for sign in (-1, 1):
            limb((cx + sign * sw * 0.6, shoulder),
                 (cx + sign * sw * 0.55, shoulder + 0.18 * h), pack,
                 max(1, arm_t // 2))
    if person['bag'] is not None:
        s = person['bag_side']
        limb((cx - s * sw * 0.7, shoulder), (cx + s * hw, hip), person['bag'],
             max(1, arm_t // 2))
        shape(cv2.rectangle, person['bag'], _pt(cx + s * (hw + 0.01 * h),
                                                hip - 0.06 * h),
              _pt(cx + s * (hw + 0.11 * h), hip + 0.06 * h), thickness=-1)
    # Arms: sleeve colour down to the elbow (short) or the wrist (long).
    sleeve = person['jacket'] or upper
    short = person['short_sleeves'] and person['jacket'] is None
    for sign in ((-1, 1) if not side else (0, )):
        sx = cx + sign * sw * 0.92
        hand = (sx + sign * 0.02 * h + swing, shoulder + 0.37 * h)
        elbow = ((sx + hand[0]) / 2, (shoulder + hand[1]) / 2)
        limb((sx, shoulder + 0.02 * h), hand, skin, arm_t)
        limb((sx, shoulder + 0.02 * h), elbow if short else hand, sleeve,
             arm_t + 1)
        shape(cv2.circle, skin, _pt(*hand), max(2, int(0.025 * h)),
              thickness=-1)
    # Neck, head, hair, hat.
    shape(cv2.rectangle, skin, _pt(cx - 0.02 * h, neck - 0.02 * h),
          _pt(cx + 0.02 * h, shoulder + 0.01 * h), thickness=-1)
    head_c = (cx + (facing * 0.01 * h if side else 0), top + head_r)
    axes = _pt(head_r * 0.8, head_r)
    shape(cv2.ellipse, skin, _pt(*head_c), axes, 0, 0, 360, thickness=-1)
    hair = person['hair']
    if view == 'back':
        shape(cv2.ellipse, hair, _pt(*head_c), axes, 0, 0, 360, thickness=-1)
    elif side:
        start = 90 if facing > 0 else -90
        shape(cv2.ellipse, hair, _pt(*head_c), axes, 0, start, start + 180,
              thickness=-1)
    else:
        shape(cv2.ellipse, hair, _pt(*head_c), axes, 0, 180, 360,
              thickness=-1)
    if person['long_hair'] and view != 'front':
        shape(cv2.rectangle, hair, _pt(head_c[0] - head_r * 0.75, head_c[1]),
              _pt(head_c[0] + head_r * 0.75, shoulder + 0.05 * h),
              thickness=-1)
    if person['hat'] is not None:
        shape(cv2.ellipse, person['hat'], _pt(head_c[0], head_c[1] -
                                              head_r * 0.3),
              _pt(head_r * 0.85, head_r * 0.75), 0, 180, 360, thickness=-1)
        brim_x = head_c[0] + (facing * head_r * 0.9 if side else 0)
        limb((brim_x - head_r * 0.6, head_c[1] - head_r * 0.3),
             (brim_x + head_r * 0.6, head_c[1] - head_r * 0.3),
             person['hat'], 2)


# --------------------------------------------------------------- cameras
def sample_camera(rng: np.random.Generator, style: DomainStyle, index: int,
                  low_res: bool) -> dict:
    """Draw a camera: scene, photometry, optics, viewpoints, box style."""
    kind = style.scenes[index]
    cast = np.array(style.cast_bias) + rng.uniform(-style.cast, style.cast,
                                                   3)
    return dict(
        scene_kind=kind,
        scene=render_scene(kind, rng),
        gain=rng.uniform(*style.gain),
        gamma=rng.uniform(*style.gamma),
        contrast=rng.uniform(*style.contrast),
        cast=(1.0 + cast).astype(np.float32),
        light=rng.uniform(-1, 1),
        shadow=rng.uniform(*style.shadow),
        blur=rng.uniform(*style.blur),
        noise=rng.uniform(*style.noise),
        jpeg=int(rng.integers(style.jpeg[0], style.jpeg[1] + 1)),
        low_res=low_res,
        view_p=rng.dirichlet(np.ones(4) * 1.5),
        scale=rng.uniform(*style.person_scale),
        box_jitter=style.box_jitter,
        busy=rng.uniform(0.5, 1.5),
    )


def _camera_summary(camera: dict) -> dict:
    keys = ('scene_kind', 'gain', 'gamma', 'contrast', 'light', 'shadow',
            'blur', 'noise', 'jpeg', 'low_res', 'scale')
    out = {k: (round(float(camera[k]), 3) if isinstance(
        camera[k], (float, np.floating)) else camera[k]) for k in keys}
    out['cast_bgr'] = [round(float(c), 3) for c in camera['cast']]
    out['view_p'] = [round(float(p), 3) for p in camera['view_p']]
    return out


def render_image(rng: np.random.Generator, camera: dict,
                 person: Optional[dict], view: str, kind: str = 'person'
                 ) -> Tuple[np.ndarray, np.ndarray]:
    """Render one box of a camera.

    Args:
        rng (np.random.Generator): Per-image generator.
        camera (dict): From :func:`sample_camera`.
        person (dict, optional): From :func:`sample_identity`; None for a
            background-only box.
        view (str): One of ``VIEWS``.
        kind (str): ``'person'``, ``'partial'`` (box cuts the body),
            ``'far'`` (small person), ``'background'`` or ``'junk'``
            (a body part, heavily blurred). Defaults to ``'person'``.

    Returns:
        tuple[np.ndarray, np.ndarray]: BGR uint8 image (OUT_H x OUT_W) and
        uint8 mask (0 or 255).
    """
    x0 = int(rng.integers(0, SCENE_W - CW + 1))
    y0 = int(rng.integers(0, SCENE_H - CH + 1))
    bg = camera['scene'][y0:y0 + CH, x0:x0 + CW].astype(np.float32)
    layer = np.zeros((CH, CW, 3), np.uint8)
    mask = np.zeros((CH, CW), np.uint8)
    jit = camera['box_jitter']
    height = CH * camera['scale'] * (1 + rng.normal(0, jit))
    cx = CW / 2 + rng.normal(0, jit) * CW
    feet = CH * (0.97 + rng.normal(0, jit / 2))
    if kind == 'partial':
        cx += rng.choice([-1, 1]) * CW * rng.uniform(0.35, 0.5)
        feet += CH * rng.uniform(0.1, 0.35)
    elif kind == 'far':
        height *= rng.uniform(0.4, 0.6)
    elif kind == 'junk':
        height *= rng.uniform(1.8, 2.6)
        feet += CH * rng.uniform(0.5, 1.0)
    if person is not None and kind != 'background':
        draw_person(layer, mask, person, cx, feet, height, view,
                    rng.uniform(-1, 1))
        # Shadow on the ground, then light direction on the body.
        shadow = np.zeros((CH, CW), np.float32)
        cv2.ellipse(shadow, _pt(cx + camera['light'] * -0.1 * height, feet),
                    _pt(0.2 * height, 0.03 * height), 0, 0, 360, 1.0, -1)
        shadow = cv2.GaussianBlur(shadow, (0, 0), 3)
        bg *= (1 - camera['shadow'] * shadow)[..., None]
    alpha = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32) / 255.0
    shade = 1 + 0.15 * camera['light'] * np.linspace(
        -1, 1, CW, dtype=np.float32)[None, :, None]
    img = cv2.blendLinear(layer.astype(np.float32) * shade, bg, alpha,
                          1.0 - alpha)
    if rng.random() < 0.08 and kind == 'person':
        occluder = np.zeros((CH, CW), np.uint8)
        colour = _jitter_colour(rng, COLOURS[str(rng.choice(
            ['grey', 'darkgrey', 'green', 'brown']))], 20)
        if rng.random() < 0.5:  # a pole in front of the person
            x = int(rng.integers(CW // 4, 3 * CW // 4))
            cv2.rectangle(occluder, (x, 0), (x + int(rng.integers(6, 14)),
                                             CH), 255, -1)
        else:  # a bin, bench or bicycle in front of the legs
            cv2.rectangle(occluder, (int(rng.integers(-20, CW // 2)),
                                     int(CH * rng.uniform(0.7, 0.85))),
                          (int(rng.integers(CW // 2, CW + 20)), CH), 255, -1)
        img[occluder > 0] = colour
        mask[occluder > 0] = 0
    # Down to the box size, then the camera's photometry and optics.
    img = cv2.resize(img, (OUT_W, OUT_H), interpolation=cv2.INTER_AREA)
    mask = cv2.resize(mask, (OUT_W, OUT_H), interpolation=cv2.INTER_AREA)
    mask = np.where(mask > 127, 255, 0).astype(np.uint8)
    gain = camera['gain'] * rng.uniform(0.94, 1.06)
    img = img * (camera['cast'] * gain)
    mean = img.mean()
    img = (img - mean) * camera['contrast'] + mean
    img = 255.0 * cv2.pow(np.clip(img, 0, 255) / 255.0, camera['gamma'])
    if camera['low_res']:
        small = cv2.resize(img, (OUT_W // 2, OUT_H // 2),
                           interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (OUT_W, OUT_H),
                         interpolation=cv2.INTER_LINEAR)
    blur = camera['blur'] * (3.0 if kind == 'junk' else 1.0)
    img = cv2.GaussianBlur(img, (0, 0), blur)
    img += camera['noise'] * rng.standard_normal(img.shape, np.float32)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), mask


# ------------------------------------------------------------- benchmark
class _Writer:
    """Names boxes the Market-1501 way and writes image and mask files."""

    def __init__(self, root: str, num_cameras: int, masks: bool) -> None:
        self.root = root
        self.masks = masks
        self.frames = [0] * num_cameras
        # A re-render replaces earlier files instead of mixing with them.
        for sub in (*SUBSET_DIRS.values(), 'masks'):
            shutil.rmtree(osp.join(root, sub), ignore_errors=True)
        for sub in SUBSET_DIRS.values():
            os.makedirs(osp.join(root, sub), exist_ok=True)
            if masks:
                os.makedirs(osp.join(root, 'masks', sub), exist_ok=True)

    def write(self, rng: np.random.Generator, subset: str, pid: int,
              cam: int, img: np.ndarray, mask: np.ndarray,
              quality: int) -> str:
        self.frames[cam] += int(rng.integers(5, 60))
        seq = 1 + self.frames[cam] // 20000
        stem = (f'{pid:04d}' if pid >= 0 else str(pid)) + (
            f'_c{cam + 1}s{seq}_{self.frames[cam]:06d}_'
            f'{int(rng.integers(0, 4)):02d}')
        sub = SUBSET_DIRS[subset]
        path = osp.join(self.root, sub, stem + '.jpg')
        cv2.imwrite(path, img, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if self.masks:
            cv2.imwrite(osp.join(self.root, 'masks', sub, stem + '.png'),
                        mask)
        return path


def _visits(rng: np.random.Generator, cameras: List[dict]) -> np.ndarray:
    """Cameras one identity walks past: 2-4, busier cameras more often."""
    busy = np.array([c['busy'] for c in cameras])
    k = int(rng.choice([2, 3, 4], p=[0.4, 0.4, 0.2]))
    k = min(k, len(cameras))
    return np.sort(rng.choice(len(cameras), k, replace=False,
                              p=busy / busy.sum()))


def render_domain(out_root: str, style: DomainStyle, seed: int,
                  domain_index: int, num_train_ids: int, num_test_ids: int,
                  num_distractors: int, num_junk: int,
                  masks: bool = True) -> dict:
    """Render one domain in the Market-1501 layout.

    Returns:
        dict: Root folder, camera summaries and per-subset counts.
    """
    root = osp.join(out_root, style.name)
    base = [seed, domain_index]
    rng = np.random.default_rng(base + [0])
    num_cams = len(style.scenes)
    low_res = set(rng.choice(num_cams, style.low_res_cameras,
                             replace=False).tolist())
    cameras = [
        sample_camera(rng, style, c, c in low_res) for c in range(num_cams)
    ]
    id_rng = np.random.default_rng(base + [1])
    num_ids = num_train_ids + num_test_ids
    # Market-style ids: 1..N shuffled, so training ids are not contiguous.
    pids = id_rng.permutation(np.arange(1, num_ids + 1))
    people = {int(p): sample_identity(id_rng, style) for p in np.sort(pids)}
    train_pids = sorted(int(p) for p in pids[:num_train_ids])
    test_pids = sorted(int(p) for p in pids[num_train_ids:])

    writer = _Writer(root, num_cams, masks)
    counts = {s: dict(images=0, ids=set(), cams=set()) for s in SUBSET_DIRS}
    image_index = [0]

    def emit(subset, pid, cam, person, view, kind='person'):
        img_rng = np.random.default_rng(base + [2, image_index[0]])
        image_index[0] += 1
        img, mask = render_image(img_rng, cameras[cam], person, view, kind)
        writer.write(img_rng, subset, pid, cam, img, mask,
                     cameras[cam]['jpeg'])
        counts[subset]['images'] += 1
        counts[subset]['ids'].add(pid)
        counts[subset]['cams'].add(cam)

    plan_rng = np.random.default_rng(base + [3])
    train_set = set(train_pids)
    for pid in train_pids + test_pids:
        is_train = pid in train_set
        for cam in _visits(plan_rng, cameras):
            view = VIEWS[plan_rng.choice(4, p=cameras[cam]['view_p'])]
            if is_train:
                for _ in range(int(plan_rng.integers(2, 5))):
                    emit('train', pid, cam, people[pid], view)
            else:
                emit('query', pid, cam, people[pid], view)
                for _ in range(int(plan_rng.integers(1, 4))):
                    emit('gallery', pid, cam, people[pid], view)
    for _ in range(num_distractors):
        kind = str(plan_rng.choice(['background', 'partial', 'far'],
                                   p=[0.4, 0.3, 0.3]))
        cam = int(plan_rng.integers(num_cams))
        emit('gallery', 0, cam, sample_identity(plan_rng, style),
             VIEWS[plan_rng.integers(4)], kind)
    for _ in range(num_junk):
        cam = int(plan_rng.integers(num_cams))
        emit('gallery', -1, cam, sample_identity(plan_rng, style),
             VIEWS[plan_rng.integers(4)], 'junk')
    subsets = {}
    for subset, c in counts.items():
        real = {p for p in c['ids'] if p > 0}
        subsets[subset] = dict(num_ids=len(real), num_images=c['images'],
                               num_cameras=len(c['cams']))
    subsets['gallery'].update(num_distractors=num_distractors,
                              num_junk=num_junk)
    return dict(root=root, num_cameras=num_cams, subsets=subsets,
                cameras=[_camera_summary(c) for c in cameras])


def make_synthetic_reid(out_dir: str,
                        seed: int = 0,
                        num_train_ids: int = 100,
                        num_test_ids: int = 100,
                        num_distractors: Optional[int] = None,
                        num_junk: Optional[int] = None,
                        domains: Sequence[str] = ('synthmarket', 'synthduke'),
                        masks: bool = True,
                        workers: int = 1) -> dict:
    """Render the synthetic benchmark; see the module docstring.

    Args:
        out_dir (str): Output folder; one sub-folder per domain.
        seed (int): Seed of everything. Defaults to 0.
        num_train_ids (int): Training identities per domain.
            Defaults to 100.
        num_test_ids (int): Query/gallery identities per domain.
            Defaults to 100.
        num_distractors (int, optional): Gallery distractors (id 0000) per
            domain. None means ``max(2, num_test_ids // 2)``.
            Defaults to None.
        num_junk (int, optional): Gallery junk boxes (id -1) per domain.
            None means ``max(1, num_test_ids // 10)``. Defaults to None.
        domains (Sequence[str]): Domains to render, from ``DOMAINS``.
            Defaults to ``('synthmarket', 'synthduke')``.
        masks (bool): Write person masks. Defaults to True.
        workers (int): Processes, one domain each; the output does not
            depend on it. Defaults to 1.

    Returns:
        dict: ``out_dir``, ``seed``, ``seconds`` and ``domains``:
        per-domain ``root``, ``num_cameras``, ``subsets`` (``num_ids``,
        ``num_images``, ``num_cameras``) and ``cameras`` (parameters).
        The same dict is saved as ``<out_dir>/stats.json``.
    """
    unknown = [d for d in domains if d not in DOMAINS]
    if unknown:
        raise ValueError(
            f'Unknown domains {unknown}; choose from {sorted(DOMAINS)}.')
    if num_train_ids < 1 or num_test_ids < 1:
        raise ValueError(
            f'num_train_ids={num_train_ids} and num_test_ids='
            f'{num_test_ids} must both be at least 1.')
    if num_distractors is None:
        num_distractors = max(2, num_test_ids // 2)
    if num_junk is None:
        num_junk = max(1, num_test_ids // 10)
    os.makedirs(out_dir, exist_ok=True)
    start = time.perf_counter()
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # boxes are tiny: threads cost more than they save
    jobs = [(out_dir, DOMAINS[name], seed, list(DOMAINS).index(name),
             num_train_ids, num_test_ids, num_distractors, num_junk, masks)
            for name in domains]
    try:
        if workers > 1 and len(jobs) > 1:
            with ProcessPoolExecutor(min(workers, len(jobs))) as pool:
                done = list(pool.map(render_domain, *zip(*jobs)))
        else:
            done = [render_domain(*job) for job in jobs]
    finally:
        cv2.setNumThreads(threads)
    result = dict(out_dir=osp.abspath(out_dir), seed=seed,
                  seconds=round(time.perf_counter() - start, 2),
                  domains=dict(zip(domains, done)))
    with open(osp.join(out_dir, 'stats.json'), 'w', encoding='utf-8') as f:
        json.dump(result, f, indent=1)
    return result


def format_stats(result: dict) -> str:
    """Format the per-domain, per-subset counts as a table."""
    lines = [f'{"domain":<12} {"subset":<8} {"# ids":>6} {"# images":>9} '
             f'{"# cameras":>9}']
    for name, dom in result['domains'].items():
        for subset, s in dom['subsets'].items():
            lines.append(f'{name:<12} {subset:<8} {s["num_ids"]:>6} '
                         f'{s["num_images"]:>9} {s["num_cameras"]:>9}')
        g = dom['subsets']['gallery']
        lines.append(f'{"":<12} gallery includes {g["num_distractors"]} '
                     f'distractors (0000) and {g["num_junk"]} junk (-1)')
    lines.append(f'rendered in {result["seconds"]} s into '
                 f'{result["out_dir"]}')
    return '\n'.join(lines)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Render the synthmarket/synthduke re-id benchmark in '
        'the Market-1501 layout.')
    parser.add_argument('--out', default='data/synthreid',
                        help='output folder (default: data/synthreid)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train-ids', type=int, default=100)
    parser.add_argument('--num-test-ids', type=int, default=100)
    parser.add_argument('--num-distractors', type=int, default=None,
                        help='default: max(2, num_test_ids // 2)')
    parser.add_argument('--num-junk', type=int, default=None,
                        help='default: max(1, num_test_ids // 10)')
    parser.add_argument('--domains', nargs='+',
                        default=['synthmarket', 'synthduke'],
                        choices=sorted(DOMAINS))
    parser.add_argument('--no-masks', action='store_true',
                        help='do not write person masks')
    parser.add_argument('--workers', type=int, default=2,
                        help='processes, one domain each (default: 2)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    result = make_synthetic_reid(
        args.out, seed=args.seed, num_train_ids=args.num_train_ids,
        num_test_ids=args.num_test_ids,
        num_distractors=args.num_distractors, num_junk=args.num_junk,
        domains=args.domains, masks=not args.no_masks,
        workers=args.workers)
    print(format_stats(result))


if __name__ == '__main__':
    main()
