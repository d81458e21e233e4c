"""Sizes, palette and small drawing helpers shared by the renderer."""
from typing import Dict, Sequence, Tuple

import cv2
import numpy as np

OUT_H, OUT_W = 128, 64
# People are drawn at twice the output size and downsampled (anti-aliasing).
CH, CW = 2 * OUT_H, 2 * OUT_W
# A camera's scene is wider than a box so boxes see different parts of it.
SCENE_H, SCENE_W = CH + 32, 3 * CW
VIEWS = ('front', 'back', 'left', 'right')

# Clothing colours (BGR) with a name; weights are per domain season.
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


def jitter_colour(rng: np.random.Generator, bgr: Sequence[float],
                  amount: float = 18) -> Tuple[int, int, int]:
    """Perturb a BGR colour with Gaussian noise and clip it to 0-255.

    Args:
        rng (np.random.Generator): Random generator.
        bgr (Sequence[float]): Base colour.
        amount (float): Noise std per channel. Defaults to 18.

    Returns:
        tuple[int, int, int]: The perturbed colour.
    """
    c = np.clip(np.asarray(bgr, float) + rng.normal(0, amount, 3), 0, 255)
    return tuple(int(v) for v in c)


def pick_colour(rng: np.random.Generator,
                weights: Dict[str, float]) -> Tuple[int, int, int]:
    """Draw a named colour of ``COLOURS`` by weight, then jitter it.

    Args:
        rng (np.random.Generator): Random generator.
        weights (dict[str, float]): Unnormalised weight per colour name.

    Returns:
        tuple[int, int, int]: A BGR colour.
    """
    return pick_named_colour(rng, weights)[1]


def pick_named_colour(rng: np.random.Generator, weights: Dict[str, float]
                      ) -> Tuple[str, Tuple[int, int, int]]:
    """:func:`pick_colour` that also returns the colour's name (the same
    draws)."""
    names = sorted(weights)
    p = np.array([weights[n] for n in names], float)
    name = names[rng.choice(len(names), p=p / p.sum())]
    return name, jitter_colour(rng, COLOURS[name])


def smooth_noise(rng: np.random.Generator, h: int, w: int, cell: int,
                 amp: float) -> np.ndarray:
    """Low-frequency noise: a coarse normal grid upsampled bicubically.

    Args:
        rng (np.random.Generator): Random generator.
        h (int): Output height.
        w (int): Output width.
        cell (int): Grid cell size in pixels.
        amp (float): Amplitude (std of the coarse grid).

    Returns:
        np.ndarray: float32 array of shape ``(h, w)``.
    """
    small = rng.normal(0, 1, (max(2, h // cell), max(2, w // cell)))
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    return big.astype(np.float32) * amp


def pt(x: float, y: float) -> Tuple[int, int]:
    """Round a point to OpenCV's integer pixel coordinates."""
    return int(round(x)), int(round(y))
