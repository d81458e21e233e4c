"""Camera backgrounds: sky, facades, trees or walls above a ground, clutter.

Each camera of the benchmark has one scene wider than a box
(``SCENE_H x SCENE_W``); every box crops a window of it.
"""
from typing import Optional, Tuple

import cv2
import numpy as np

from .common import COLOURS, SCENE_H, SCENE_W, jitter_colour, smooth_noise


def _draw_top(img: np.ndarray, kind: str, horizon: int,
              rng: np.random.Generator) -> None:
    """Fill the part above the horizon: sky, facades, trees, walls."""
    h, w = horizon, img.shape[1]
    col = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    if kind in ('street', 'lawn', 'plaza'):
        sky_top = np.array(jitter_colour(rng, (235, 190, 140), 12))
        sky_low = np.array(jitter_colour(rng, (250, 235, 215), 8))
        img[:h] = (sky_top * (1 - col) + sky_low * col).astype(np.uint8)
    elif kind == 'walkway':
        grey = rng.uniform(150, 195)
        img[:h] = np.array(jitter_colour(rng, (grey + 8, grey, grey - 6),
                                          6))
    else:  # indoor wall
        base = np.array(jitter_colour(
            rng, (170, 185, 195) if kind == 'corridor' else (95, 90, 70),
            20))
        img[:h] = (base * (0.8 + 0.2 * col)).astype(np.uint8)
    if kind in ('street', 'plaza'):
        facade = jitter_colour(rng, (120, 150, 175) if rng.random() < 0.5
                                else (60, 70, 150), 20)
        top = int(h * rng.uniform(0.05, 0.35))
        cv2.rectangle(img, (0, top), (w, h), facade, -1)
        win = jitter_colour(rng, (90, 70, 50), 15)
        step_x, step_y = rng.integers(26, 44), rng.integers(26, 40)
        for y in range(top + 8, h - 14, step_y):
            for x in range(int(rng.integers(2, 12)), w - 10, step_x):
                cv2.rectangle(img, (x, y), (x + step_x // 2, y + step_y // 2),
                              win, -1)
    if kind in ('lawn', 'walkway'):
        trunk = jitter_colour(rng, (40, 55, 70), 10)
        leaves = (jitter_colour(rng, (50, 120, 60), 20) if kind == 'lawn'
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
        door = jitter_colour(rng, (60, 90, 120), 20)
        for x in range(int(rng.integers(0, 40)), w, int(rng.integers(70,
                                                                     110))):
            cv2.rectangle(img, (x, int(h * 0.3)), (x + 34, h), door, -1)
        cv2.rectangle(img, (0, 0), (w, 6), (245, 250, 250), -1)
    if kind == 'lobby':
        frame = jitter_colour(rng, (50, 50, 50), 10)
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
    ground = jitter_colour(rng, colours[kind], 14)
    img[horizon:] = ground
    if kind == 'street':
        y = int((horizon + h) / 2)
        for x in range(int(rng.integers(0, 30)), w, 60):
            cv2.rectangle(img, (x, y), (x + 30, y + 4), (210, 215, 215), -1)
        cv2.rectangle(img, (0, horizon), (w, horizon + 8),
                      jitter_colour(rng, (160, 165, 170), 8), -1)
    elif kind == 'plaza' or kind == 'corridor':
        line = jitter_colour(rng, (90, 95, 100), 10)
        step = int(rng.integers(18, 30))
        for x in range(0, w, step):
            cv2.line(img, (x, horizon), (x + (x - w // 2) // 3, h), line, 1)
        for y in range(horizon, h, step // 2):
            cv2.line(img, (0, y), (w, y), line, 1)
    elif kind == 'walkway':
        snow = jitter_colour(rng, (230, 230, 225), 6)
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


def draw_clutter(img: np.ndarray, horizon: int, rng: np.random.Generator,
                 count: Optional[int] = None) -> None:
    """Poles, bins, benches and boxes standing on the ground.

    Args:
        img (np.ndarray): BGR scene, drawn on in place.
        horizon (int): Row where the ground starts.
        rng (np.random.Generator): Random generator.
        count (int, optional): Objects to draw; None draws 2-6.
            Defaults to None.
    """
    h, w = img.shape[:2]
    if count is None:
        count = int(rng.integers(2, 7))
    for _ in range(count):
        colour = jitter_colour(
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


def render_scene_with_horizon(kind: str, rng: np.random.Generator
                              ) -> Tuple[np.ndarray, int]:
    """Render one camera's background scene and say where its ground is.

    Args:
        kind (str): Scene kind: ``'street'``, ``'lawn'``, ``'plaza'``,
            ``'walkway'``, ``'corridor'`` or ``'lobby'``.
        rng (np.random.Generator): The camera's generator.

    Returns:
        tuple[np.ndarray, int]: BGR uint8 scene (SCENE_H x SCENE_W) and
        the row of its horizon.
    """
    img = np.zeros((SCENE_H, SCENE_W, 3), np.uint8)
    horizon = int(SCENE_H * rng.uniform(0.4, 0.62))
    _draw_top(img, kind, horizon, rng)
    _draw_ground(img, kind, horizon, rng)
    draw_clutter(img, horizon, rng)
    texture = (smooth_noise(rng, SCENE_H, SCENE_W, 24, 10) +
               rng.normal(0, 4, (SCENE_H, SCENE_W)).astype(np.float32))
    return np.clip(img + texture[..., None], 0, 255).astype(np.uint8), horizon


def render_scene(kind: str, rng: np.random.Generator) -> np.ndarray:
    """Render one camera's background scene (SCENE_H x SCENE_W, BGR)."""
    return render_scene_with_horizon(kind, rng)[0]
