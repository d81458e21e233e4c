"""A generic pretraining set: the stand-in for ImageNet initialisation.

The three papers fine-tune ImageNet-pretrained backbones; the synthetic
benchmark cannot download ImageNet, so the small backbones of the proofs
are pretrained once on this set instead. It is deliberately
unlike the benchmark: no people and none of its cameras, scenes or
lighting (this module imports nothing from ``person``, ``scene``,
``camera``, ``lighting`` or ``styles``). Each class is an object
category: a shape (a regular polygon, a star, a ring, a cross, a crescent,
a bar or a smooth random blob), a surface texture (solid, stripes,
checks, dots, rings, a gradient, blotches, two halves) and two colours.
Every image draws one instance of its class with its own position,
scale, rotation, aspect, colour jitter and texture phase over a random
generic background (gradients, noise, stripes, clutter of other shapes),
with blur, noise and JPEG compression, so that the classes must be told
apart by shape, texture and colour rather than by one fixed picture.

Layout (read by :class:`~mmreidgen.datasets.ReIDListDataset`; the class
index is the ``pid``)::

    <out>/images/<class:04d>/<split>_<n:03d>.jpg
    <out>/train.txt     # "images/0007/train_012.jpg 7"
    <out>/query.txt     # held-out images, ``val_query`` per class
    <out>/gallery.txt   # held-out images, the other ``val`` per class
    <out>/classes.json  # each class's shape, texture and colours
    <out>/stats.json

The held-out split gives two figures with the existing tools: the
classifier's top-1 accuracy on ``query`` + ``gallery`` and the
nearest-neighbour accuracy (rank-1 of ``query`` against ``gallery``,
``tools/test.py``; see ``configs/pretrain/README.md``).

Example::

    from mmreidgen.datasets.synthetic.pretrain_set import make_pretrain_set
    make_pretrain_set('data/synthobjects', num_classes=200)
"""
import json
import math
import os
import os.path as osp
import time
from typing import Dict, Tuple

import cv2
import numpy as np

SHAPES = ('polygon', 'star', 'ring', 'cross', 'crescent', 'bar', 'blob')
TEXTURES = ('solid', 'stripes', 'checks', 'dots', 'rings', 'gradient',
            'blotches', 'halves')
BACKGROUNDS = ('gradient', 'noise', 'stripes', 'clutter')


def _hsv_to_bgr(h: float, s: float, v: float) -> np.ndarray:
    """One colour, hue in [0, 1), as float BGR in [0, 1]."""
    pixel = np.uint8([[[int(h * 180) % 180, int(s * 255), int(v * 255)]]])
    return cv2.cvtColor(pixel, cv2.COLOR_HSV2BGR)[0, 0].astype(
        np.float32) / 255


def sample_class(index: int, rng: np.random.Generator) -> dict:
    """The prototype of class ``index``: shape, texture, colours.

    Shape and texture cycle over their lists, so the first
    ``len(SHAPES) * len(TEXTURES)`` classes are all different
    combinations; later classes differ by their parameters and colours.
    """
    shape = SHAPES[index % len(SHAPES)]
    texture = TEXTURES[(index // len(SHAPES)) % len(TEXTURES)]
    proto = dict(
        index=index, shape=shape, texture=texture,
        hue=[float(rng.random()), float(rng.random())],
        sat=[float(rng.uniform(0.4, 1.0)), float(rng.uniform(0.2, 1.0))],
        val=[float(rng.uniform(0.5, 1.0)), float(rng.uniform(0.2, 0.9))],
        aspect=float(rng.uniform(0.6, 1.0)),
        texture_freq=float(rng.uniform(2.0, 6.0)),
        texture_angle=float(rng.uniform(0, math.pi)))
    if shape == 'polygon':
        proto['sides'] = int(rng.integers(3, 9))
    elif shape == 'star':
        proto['sides'] = int(rng.integers(4, 9))
        proto['inner'] = float(rng.uniform(0.35, 0.6))
    elif shape == 'ring':
        proto['inner'] = float(rng.uniform(0.4, 0.7))
    elif shape == 'cross':
        proto['inner'] = float(rng.uniform(0.25, 0.45))
    elif shape == 'crescent':
        proto['inner'] = float(rng.uniform(0.3, 0.6))
    elif shape == 'bar':
        proto['inner'] = float(rng.uniform(0.15, 0.35))
    else:  # blob: a smooth radial outline, fixed per class
        proto['harmonics'] = [
            [float(rng.normal(0, 0.25 / k)),
             float(rng.uniform(0, 2 * math.pi))] for k in range(2, 6)
        ]
    return proto


def _grid(size: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    h, w = size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    return (xs + 0.5) / w * 2 - 1, (ys + 0.5) / h * 2 - 1


def shape_mask(proto: dict, size: Tuple[int, int],
               rng: np.random.Generator) -> np.ndarray:
    """Float mask in [0, 1] of one instance of the class's shape."""
    x, y = _grid(size)
    cx, cy = rng.uniform(-0.25, 0.25, size=2)
    scale = rng.uniform(0.45, 0.85)
    angle = rng.uniform(0, 2 * math.pi)
    aspect = proto['aspect'] * math.exp(rng.normal(0, 0.1))
    u, v = x - cx, y - cy
    u, v = (u * math.cos(angle) + v * math.sin(angle),
            -u * math.sin(angle) + v * math.cos(angle))
    v = v / aspect
    r = np.sqrt(u * u + v * v) / scale
    theta = np.arctan2(v, u)
    shape = proto['shape']
    if shape == 'polygon':
        n = proto['sides']
        # Distance to a regular polygon's edge in polar form.
        sector = np.mod(theta, 2 * math.pi / n) - math.pi / n
        inside = r * np.cos(sector) / math.cos(math.pi / n) < 1
    elif shape == 'star':
        n, inner = proto['sides'], proto['inner']
        wave = np.abs(np.mod(theta * n / (2 * math.pi), 1) - 0.5) * 2
        inside = r < inner + (1 - inner) * wave
    elif shape == 'ring':
        inside = (r < 1) & (r > proto['inner'])
    elif shape == 'cross':
        half = proto['inner']
        au, av = np.abs(u) / scale, np.abs(v) / scale
        inside = ((au < half) & (av < 1)) | ((av < half) & (au < 1))
    elif shape == 'crescent':
        shift = proto['inner']
        r2 = np.sqrt((u / scale - shift) ** 2 + (v / scale) ** 2)
        inside = (r < 1) & (r2 > 0.85)
    elif shape == 'bar':
        inside = (np.abs(u) / scale < 1) & (np.abs(v) / scale <
                                            proto['inner'])
    else:
        outline = 0.8 + sum(a * np.cos(k * theta + p) for k, (a, p) in
                            enumerate(proto['harmonics'], start=2))
        inside = r < outline
    mask = inside.astype(np.float32)
    return cv2.GaussianBlur(mask, (3, 3), 0.6)


def surface(proto: dict, size: Tuple[int, int],
            rng: np.random.Generator) -> np.ndarray:
    """Float BGR image of the class's texture in its jittered colours."""
    x, y = _grid(size)
    colours = [
        _hsv_to_bgr(
            (proto['hue'][i] + rng.normal(0, 0.02)) % 1.0,
            float(np.clip(proto['sat'][i] + rng.normal(0, 0.08), 0, 1)),
            float(np.clip(proto['val'][i] + rng.normal(0, 0.1), 0.05, 1)))
        for i in (0, 1)
    ]
    angle = proto['texture_angle'] + rng.normal(0, 0.3)
    freq = proto['texture_freq'] * math.exp(rng.normal(0, 0.1))
    phase = rng.uniform(0, 2 * math.pi)
    t = x * math.cos(angle) + y * math.sin(angle)
    kind = proto['texture']
    if kind == 'solid':
        w = np.zeros_like(x)
    elif kind == 'stripes':
        w = (np.sin(t * freq * math.pi + phase) > 0).astype(np.float32)
    elif kind == 'checks':
        s = -x * math.sin(angle) + y * math.cos(angle)
        w = ((np.sin(t * freq * math.pi + phase) > 0) ^
             (np.sin(s * freq * math.pi) > 0)).astype(np.float32)
    elif kind == 'dots':
        s = -x * math.sin(angle) + y * math.cos(angle)
        w = ((np.sin(t * freq * math.pi + phase) *
              np.sin(s * freq * math.pi)) > 0.5).astype(np.float32)
    elif kind == 'rings':
        r = np.sqrt(x * x + y * y)
        w = (np.sin(r * freq * 2 * math.pi + phase) > 0).astype(np.float32)
    elif kind == 'gradient':
        w = np.clip(t * 0.5 + 0.5, 0, 1)
    elif kind == 'blotches':
        noise = rng.random((4, 4)).astype(np.float32)
        w = (cv2.resize(noise, size[::-1], interpolation=cv2.INTER_CUBIC)
             > 0.5).astype(np.float32)
    else:  # halves
        w = (t > rng.normal(0, 0.1)).astype(np.float32)
    w = w[..., None]
    return colours[0] * (1 - w) + colours[1] * w


def background(size: Tuple[int, int],
               rng: np.random.Generator) -> np.ndarray:
    """A generic background, independent of the class."""
    h, w = size
    kind = BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))]
    base = rng.random(3).astype(np.float32)
    if kind == 'gradient':
        other = rng.random(3).astype(np.float32)
        x, y = _grid(size)
        a = rng.uniform(0, 2 * math.pi)
        t = np.clip((x * math.cos(a) + y * math.sin(a)) * 0.5 + 0.5, 0, 1)
        img = base * (1 - t[..., None]) + other * t[..., None]
    elif kind == 'noise':
        cells = int(rng.integers(3, 12))
        noise = rng.random((cells, cells, 3)).astype(np.float32)
        img = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
        img = np.clip(base * 0.5 + img * 0.5, 0, 1)
    elif kind == 'stripes':
        other = rng.random(3).astype(np.float32)
        x, y = _grid(size)
        a = rng.uniform(0, math.pi)
        t = np.sin((x * math.cos(a) + y * math.sin(a)) *
                   rng.uniform(3, 10) * math.pi) > 0
        img = np.where(t[..., None], base, other * 0.7 + base * 0.3)
    else:  # clutter: small, faded random shapes (of no class)
        img = np.broadcast_to(base, (h, w, 3)).copy()
        for _ in range(int(rng.integers(2, 5))):
            proto = sample_class(int(rng.integers(1000)), rng)
            small = shape_mask(proto, size, rng)[..., None] * 0.5
            small = cv2.resize(small, (w // 2, h // 2))[..., None]
            oy, ox = rng.integers(0, h // 2), rng.integers(0, w // 2)
            patch = img[oy:oy + h // 2, ox:ox + w // 2]
            colour = rng.random(3).astype(np.float32)
            patch[:] = patch * (1 - small) + colour * small
    return img.astype(np.float32)


def render_instance(proto: dict, size: Tuple[int, int],
                    rng: np.random.Generator) -> np.ndarray:
    """One uint8 BGR image of class ``proto``."""
    img = background(size, rng)
    mask = shape_mask(proto, size, rng)[..., None]
    img = img * (1 - mask) + surface(proto, size, rng) * mask
    img = img * math.exp(rng.normal(0, 0.15))  # exposure
    sigma = rng.uniform(0, 1.0)
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    img = img + rng.normal(0, rng.uniform(0, 0.04), img.shape)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)


def make_pretrain_set(out: str, num_classes: int = 200,
                      train_per_class: int = 50, val_per_class: int = 10,
                      val_query: int = 2, size: Tuple[int, int] = (64, 64),
                      seed: int = 0, jpeg_quality: int = 90) -> Dict:
    """Render the pretraining set into ``out``.

    Args:
        out (str): Output folder.
        num_classes (int): Number of object classes. Defaults to 200.
        train_per_class (int): Training images per class. Defaults to 50.
        val_per_class (int): Held-out images per class. Defaults to 10.
        val_query (int): Of those, query images (the rest are the
            gallery). Defaults to 2.
        size (tuple[int, int]): Image (height, width). Defaults to
            (64, 64).
        seed (int): Random seed; the same seed gives the same bytes on the
            same OpenCV build. Defaults to 0.
        jpeg_quality (int): JPEG quality. Defaults to 90.

    Returns:
        dict: What ``stats.json`` holds.
    """
    if not 0 < val_query < val_per_class:
        raise ValueError(f'val_query={val_query} must be between 1 and '
                         f'val_per_class - 1 = {val_per_class - 1}.')
    start = time.time()
    rng = np.random.default_rng(seed)
    protos = [sample_class(i, rng) for i in range(num_classes)]
    lists = dict(train=[], query=[], gallery=[])
    for proto in protos:
        c = proto['index']
        folder = osp.join(out, 'images', f'{c:04d}')
        os.makedirs(folder, exist_ok=True)
        # One generator per class: a class's images do not depend on how
        # many classes the set has.
        crng = np.random.default_rng([seed, c])
        splits = [('train', n) for n in range(train_per_class)] + [
            ('query' if n < val_query else 'gallery', n)
            for n in range(val_per_class)
        ]
        for split, n in splits:
            img = render_instance(proto, size, crng)
            prefix = 'train' if split == 'train' else 'val'
            rel = f'images/{c:04d}/{prefix}_{n:03d}.jpg'
            cv2.imwrite(osp.join(out, rel), img,
                        [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
            lists[split].append(f'{rel} {c}')
    for split, lines in lists.items():
        with open(osp.join(out, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    with open(osp.join(out, 'classes.json'), 'w') as f:
        json.dump(protos, f, indent=1)
    stats = dict(
        out_dir=osp.abspath(out), seed=seed, num_classes=num_classes,
        size=list(size), images={k: len(v) for k, v in lists.items()},
        shapes=list(SHAPES), textures=list(TEXTURES),
        seconds=round(time.time() - start, 2))
    with open(osp.join(out, 'stats.json'), 'w') as f:
        json.dump(stats, f, indent=1)
    return stats
