"""Parser-like masks: how a human parser would see a rendered person.

A fixed, seeded degradation of the exact silhouette (version 2): carried
objects, hats and thin arms are dropped with some probability, the
boundary moves in and out, holes appear, and all of it grows with blur
and with a low-resolution sensor. The parameters and their sources are in
``docs/en/synthetic_benchmark.md`` (fixed 2026-12-01).
"""
from typing import Dict

import cv2
import numpy as np

from .common import smooth_noise
from .styles import RealismV2

# Part groups a parser may lose, and the probability field naming each.
DROPPABLE = (('arms', 'drop_arms'), ('backpack', 'drop_carried'),
             ('bag', 'drop_carried'), ('hat', 'drop_hat'))


def signed_distance(mask: np.ndarray) -> np.ndarray:
    """Distance to the boundary, positive inside, negative outside.

    Args:
        mask (np.ndarray): Boolean or 0/255 mask.

    Returns:
        np.ndarray: float32 map; boundary pixels are at +-0.5.
    """
    inside = (mask > 0).astype(np.uint8)
    d_in = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    d_out = cv2.distanceTransform(1 - inside, cv2.DIST_L2, 3)
    return np.where(inside > 0, d_in - 0.5, 0.5 - d_out).astype(np.float32)


def parser_like_mask(rng: np.random.Generator, exact: np.ndarray,
                     parts: Dict[str, np.ndarray], blur: float,
                     low_res: bool, realism: RealismV2) -> np.ndarray:
    """Degrade an exact silhouette into what a human parser would give.

    Args:
        rng (np.random.Generator): The box's generator.
        exact (np.ndarray): uint8 exact mask (0 or 255).
        parts (dict[str, np.ndarray]): uint8 masks (0 or 255) of the part
            groups of ``person.PART_GROUPS``, at the resolution of
            ``exact`` or at the drawing resolution (then the kept parts
            are shrunk to ``exact``'s size at half coverage).
        blur (float): The camera's blur sigma (output pixels).
        low_res (bool): Whether the camera has a low-resolution sensor.
        realism (RealismV2): The domain's version-2 parameters.

    Returns:
        np.ndarray: uint8 mask (0 or 255).
    """
    keep = parts['body'].copy()
    for group, field in DROPPABLE:
        # One draw per group whether or not it is present, so that the
        # random stream does not depend on what the person carries.
        if rng.random() >= getattr(realism, field):
            keep |= parts[group]
    h, w = exact.shape
    if keep.shape != (h, w):  # drop at the drawing resolution, then shrink
        keep = cv2.resize(keep, (w, h), interpolation=cv2.INTER_AREA) > 127
    base = (exact > 0) & (keep > 0)
    error = 1.0 + realism.blur_gain * blur + (
        realism.low_res_gain if low_res else 0.0)
    offset = (smooth_noise(rng, h, w, realism.boundary_cell,
                           realism.boundary_px * error) +
              rng.normal(0, realism.bias_px * error))
    sdf = signed_distance(base)
    out = (sdf + offset > 0) & (sdf > -realism.max_grow_px * error)
    if rng.random() < realism.hole_p:
        ys, xs = np.nonzero(sdf > 2.5)
        for _ in range(int(rng.integers(1, 3))):
            if len(ys) == 0:
                break
            i = int(rng.integers(len(ys)))
            axes = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
            hole = np.zeros((h, w), np.uint8)
            cv2.ellipse(hole, (int(xs[i]), int(ys[i])), axes, 0, 0, 360, 1,
                        -1)
            out &= hole == 0
    if not exact.any():
        out[:] = False  # nobody to parse: a parser finds no one
    return np.where(out, 255, 0).astype(np.uint8)
