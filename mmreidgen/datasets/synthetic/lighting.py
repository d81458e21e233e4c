"""Light for version 2: colour temperature, local light, response curves.

Every choice here is explained, with its source, in
``docs/en/synthetic_benchmark.md`` (fixed 2026-12-01).
"""
import cv2
import numpy as np

from .common import SCENE_H, SCENE_W, smooth_noise

# Approximate sRGB colour (R, G, B; 0-255) of a black body, i.e. of the
# Planckian locus, at a few colour temperatures in kelvin. Tungsten is
# near 2,856 K (CIE illuminant A) and average daylight near 6,504 K
# (CIE D65); values between are interpolated in mired (1e6 / K), the
# scale on which colour-temperature differences are perceived evenly.
_PLANCK_RGB = (
    (3000, (255, 180, 107)), (4000, (255, 209, 163)),
    (5000, (255, 228, 206)), (6000, (255, 243, 239)),
    (6500, (255, 249, 253)), (7000, (245, 243, 255)),
    (8000, (227, 233, 255)))


def cct_to_bgr(kelvin: float) -> np.ndarray:
    """Relative BGR gains of a light of the given colour temperature.

    Args:
        kelvin (float): Correlated colour temperature, 3,000-8,000 K.

    Returns:
        np.ndarray: float32 ``(3, )`` BGR gains, green normalised to 1.
    """
    kelvins = np.array([k for k, _ in _PLANCK_RGB], float)
    rgb = np.array([c for _, c in _PLANCK_RGB], float)
    mired = 1e6 / np.clip(kelvin, kelvins[0], kelvins[-1])
    # np.interp needs increasing x: mired decreases with kelvin.
    x = (1e6 / kelvins)[::-1]
    out = [np.interp(mired, x, rgb[::-1, c]) for c in range(3)]
    r, g, b = out
    return np.array([b / g, 1.0, r / g], np.float32)


def white_balance_residual(kelvin: float, reference: float,
                           adaptation: float) -> np.ndarray:
    """Colour cast left after a camera's automatic white balance.

    Args:
        kelvin (float): Colour temperature of the light now.
        reference (float): The temperature the camera is balanced for.
        adaptation (float): Share of the change the white balance
            removes (0: none, 1: all).

    Returns:
        np.ndarray: float32 ``(3, )`` BGR gains.
    """
    ratio = cct_to_bgr(kelvin) / cct_to_bgr(reference)
    return (ratio**(1.0 - adaptation)).astype(np.float32)


def light_map(rng: np.random.Generator, outdoor: bool,
              depth: float) -> np.ndarray:
    """Light falling on a camera's scene, 1 where brightest.

    Outdoors, buildings and trees cast shadows: broad bands of shade with
    soft edges. Indoors, ceiling lamps make pools of light along the
    corridor. People and background are both lit by this map.

    Args:
        rng (np.random.Generator): The camera's generator.
        outdoor (bool): Outdoor scene (shadow bands) or indoor (lamps).
        depth (float): Darkening of the darkest parts, in ``[0, 1)``.

    Returns:
        np.ndarray: float32 ``(SCENE_H, SCENE_W)`` in ``[1 - depth, 1]``.
    """
    xs = np.arange(SCENE_W, dtype=np.float32)
    if outdoor:
        shade = np.zeros(SCENE_W, np.float32)
        for _ in range(int(rng.integers(1, 4))):
            centre = rng.uniform(0, SCENE_W)
            half = rng.uniform(0.08, 0.25) * SCENE_W
            shade = np.maximum(shade, (np.abs(xs - centre) < half).astype(
                np.float32))
        shade = cv2.GaussianBlur(shade[None], (0, 0), 12)[0]
    else:
        period = rng.uniform(0.3, 0.6) * SCENE_W
        phase = rng.uniform(0, 2 * np.pi)
        shade = 0.5 - 0.5 * np.cos(2 * np.pi * xs / period + phase)
    field = np.repeat(shade[None], SCENE_H, 0)
    # A little unevenness everywhere (dappled light, reflections).
    field = np.clip(field + smooth_noise(rng, SCENE_H, SCENE_W, 48, 0.1), 0,
                    1)
    return (1.0 - depth * field).astype(np.float32)


def response_curve(x: np.ndarray, gamma: float, s_curve: float
                   ) -> np.ndarray:
    """A camera response: a power law blended with an S-shaped curve.

    Args:
        x (np.ndarray): Irradiance scaled to ``[0, 1]``.
        gamma (float): Exponent of the power law.
        s_curve (float): Weight of the S-shaped part (smoothstep), which
            lowers shadows and compresses highlights, in ``[0, 1]``.

    Returns:
        np.ndarray: Response in ``[0, 1]``, monotonic in ``x``.
    """
    p = cv2.pow(np.clip(x, 0, 1).astype(np.float32), gamma)
    return (1 - s_curve) * p + s_curve * p * p * (3 - 2 * p)
