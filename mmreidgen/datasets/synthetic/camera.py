"""Cameras: sampling, photometry and optics, and rendering of one box.

Version 1 (:func:`sample_camera`, :func:`render_image`) applies one
transform per camera; version 2 (:func:`sample_cameras_v2`,
:func:`sample_tracklet`, :func:`render_image_v2`) lights every tracklet
and every place in a scene differently, shares décor between cameras,
jitters boxes and writes parser-like masks beside the exact ones.
"""
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .common import (
    CH,
    COLOURS,
    CW,
    OUT_H,
    OUT_W,
    SCENE_H,
    SCENE_W,
    VIEWS,
    jitter_colour,
    pt,
)
from .lighting import light_map, response_curve, white_balance_residual
from .parser_mask import parser_like_mask
from .person import PART_GROUPS, draw_person, sample_identity
from .scene import draw_clutter, render_scene, render_scene_with_horizon
from .styles import INDOOR_SCENES, DomainStyle, RealismV2


def sample_camera(rng: np.random.Generator, style: DomainStyle, index: int,
                  low_res: bool) -> dict:
    """Draw a camera: scene, photometry, optics, viewpoints, box style.

    Args:
        rng (np.random.Generator): The domain's camera generator.
        style (DomainStyle): The camera network's ranges.
        index (int): 0-based camera index (selects the scene kind).
        low_res (bool): Whether the camera has a low-resolution sensor.

    Returns:
        dict: The camera's scene (BGR uint8) and parameters.
    """
    kind = style.scenes[index]
    cast = np.array(style.cast_bias) + rng.uniform(-style.cast, style.cast,
                                                   3)
    return dict(
        scene_kind=kind,
        scene=render_scene(kind, rng),
        gain=rng.uniform(*style.gain),
        gamma=rng.uniform(*style.gamma),
        **_sample_optics(rng, style, cast),
        low_res=low_res,
        view_p=rng.dirichlet(np.ones(4) * 1.5),
        scale=rng.uniform(*style.person_scale),
        box_jitter=style.box_jitter,
        busy=rng.uniform(0.5, 1.5),
    )


def _sample_optics(rng: np.random.Generator, style: DomainStyle,
                   cast: np.ndarray) -> dict:
    """Contrast, colour cast, light direction, shadow, blur, noise, JPEG."""
    return dict(
        contrast=rng.uniform(*style.contrast),
        cast=(1.0 + cast).astype(np.float32),
        light=rng.uniform(-1, 1),
        shadow=rng.uniform(*style.shadow),
        blur=rng.uniform(*style.blur),
        noise=rng.uniform(*style.noise),
        jpeg=int(rng.integers(style.jpeg[0], style.jpeg[1] + 1)))


def _adjust_for_kind(rng: np.random.Generator, kind: str, height: float,
                     cx: float, feet: float) -> Tuple[float, float, float]:
    """Move and scale the body for partial, far and junk boxes."""
    if kind == 'partial':
        cx += rng.choice([-1, 1]) * CW * rng.uniform(0.35, 0.5)
        feet += CH * rng.uniform(0.1, 0.35)
    elif kind == 'far':
        height *= rng.uniform(0.4, 0.6)
    elif kind == 'junk':
        height *= rng.uniform(1.8, 2.6)
        feet += CH * rng.uniform(0.5, 1.0)
    return height, cx, feet


def _cast_shadow(bg: np.ndarray, camera: dict, cx: float, feet: float,
                 height: float) -> None:
    """Darken the ground under the person, away from the light."""
    shadow = np.zeros((CH, CW), np.float32)
    cv2.ellipse(shadow, pt(cx + camera['light'] * -0.1 * height, feet),
                pt(0.2 * height, 0.03 * height), 0, 0, 360, 1.0, -1)
    shadow = cv2.GaussianBlur(shadow, (0, 0), 3)
    bg *= (1 - camera['shadow'] * shadow)[..., None]


def _light_direction(camera: dict) -> np.ndarray:
    """Horizontal shading of the body by the camera's light direction."""
    return 1 + 0.15 * camera['light'] * np.linspace(
        -1, 1, CW, dtype=np.float32)[None, :, None]


def _sample_occluder(rng: np.random.Generator, p: float, kind: str
                     ) -> Optional[Tuple[np.ndarray, Tuple[int, int, int]]]:
    """With probability ``p`` (person boxes only), an object in front.

    Returns:
        tuple | None: The occluder's canvas mask and colour, or None.
    """
    if not (rng.random() < p and kind == 'person'):
        return None
    occluder = np.zeros((CH, CW), np.uint8)
    colour = jitter_colour(rng, COLOURS[str(rng.choice(
        ['grey', 'darkgrey', 'green', 'brown']))], 20)
    if rng.random() < 0.5:  # a pole in front of the person
        x = int(rng.integers(CW // 4, 3 * CW // 4))
        cv2.rectangle(occluder, (x, 0), (x + int(rng.integers(6, 14)), CH),
                      255, -1)
    else:  # a bin, bench or bicycle in front of the legs
        cv2.rectangle(occluder, (int(rng.integers(-20, CW // 2)),
                                 int(CH * rng.uniform(0.7, 0.85))),
                      (int(rng.integers(CW // 2, CW + 20)), CH), 255, -1)
    return occluder, colour


def _optics(rng: np.random.Generator, img: np.ndarray, camera: dict,
            kind: str) -> Tuple[np.ndarray, float]:
    """Low-resolution sensor, blur and sensor noise (float image in/out).

    Returns:
        tuple[np.ndarray, float]: The image and the blur sigma applied.
    """
    if camera['low_res']:
        small = cv2.resize(img, (OUT_W // 2, OUT_H // 2),
                           interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (OUT_W, OUT_H),
                         interpolation=cv2.INTER_LINEAR)
    blur = camera['blur'] * (3.0 if kind == 'junk' else 1.0)
    img = cv2.GaussianBlur(img, (0, 0), blur)
    img += camera['noise'] * rng.standard_normal(img.shape, np.float32)
    return img, blur


def _shrink_mask(mask: np.ndarray) -> np.ndarray:
    """Canvas mask down to the box size, thresholded at half coverage."""
    small = cv2.resize(mask, (OUT_W, OUT_H), interpolation=cv2.INTER_AREA)
    return np.where(small > 127, 255, 0).astype(np.uint8)


def camera_summary(camera: dict) -> dict:
    """The camera's parameters as JSON-ready, rounded values."""
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
    height, cx, feet = _adjust_for_kind(rng, kind, height, cx, feet)
    if person is not None and kind != 'background':
        draw_person(layer, mask, person, cx, feet, height, view,
                    rng.uniform(-1, 1))
        # Shadow on the ground, then light direction on the body.
        _cast_shadow(bg, camera, cx, feet, height)
    alpha = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32) / 255.0
    img = cv2.blendLinear(layer.astype(np.float32) * _light_direction(camera),
                          bg, alpha, 1.0 - alpha)
    occluded = _sample_occluder(rng, 0.08, kind)
    if occluded is not None:
        occluder, colour = occluded
        img[occluder > 0] = colour
        mask[occluder > 0] = 0
    # Down to the box size, then the camera's photometry and optics.
    img = cv2.resize(img, (OUT_W, OUT_H), interpolation=cv2.INTER_AREA)
    mask = _shrink_mask(mask)
    gain = camera['gain'] * rng.uniform(0.94, 1.06)
    img = img * (camera['cast'] * gain)
    mean = img.mean()
    img = (img - mean) * camera['contrast'] + mean
    img = 255.0 * cv2.pow(np.clip(img, 0, 255) / 255.0, camera['gamma'])
    img, _ = _optics(rng, img, camera, kind)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), mask


# ------------------------------------------------------------ version 2
def sample_cameras_v2(rng: np.random.Generator, style: DomainStyle,
                      realism: RealismV2, low_res: Sequence[int]
                      ) -> List[dict]:
    """Draw a domain's cameras for version 2.

    Cameras of the same scene kind share one décor (as overlapping views
    of one place do), each seen mirrored or not, but every camera has its
    own photometry, response curve, local light and optics, so that the
    background alone does not give the camera away.

    Args:
        rng (np.random.Generator): The domain's camera generator.
        style (DomainStyle): The camera network's ranges.
        realism (RealismV2): The domain's version-2 parameters.
        low_res (Sequence[int]): Indices of low-resolution cameras.

    Returns:
        list[dict]: One dict per camera.
    """
    decors = {}
    for kind in style.scenes:
        if kind not in decors:
            decors[kind] = render_scene_with_horizon(kind, rng)
    cameras = []
    for index, kind in enumerate(style.scenes):
        scene, horizon = decors[kind]
        if rng.random() < 0.5:
            scene = scene[:, ::-1].copy()
        outdoor = kind not in INDOOR_SCENES
        cct = realism.outdoor_cct if outdoor else realism.indoor_cct
        shade = realism.outdoor_shade if outdoor else realism.indoor_shade
        cast = np.array(style.cast_bias) + rng.uniform(
            -style.cast, style.cast, 3)
        cameras.append(dict(
            scene_kind=kind, scene=scene, horizon=horizon, outdoor=outdoor,
            light_map=light_map(rng, outdoor, rng.uniform(*shade)),
            reference_cct=float(np.mean(cct)),
            gain=rng.uniform(*style.gain),
            gamma=rng.uniform(*style.gamma),
            s_curve=rng.uniform(*realism.s_curve),
            **_sample_optics(rng, style, cast),
            low_res=index in low_res,
            view_p=rng.dirichlet(np.ones(4) * 1.5),
            scale=rng.uniform(*style.person_scale),
            busy=rng.uniform(0.5, 1.5),
            bystanders=[sample_identity(rng, style) for _ in range(6)],
            realism=realism,
        ))
    return cameras


def camera_summary_v2(camera: dict) -> dict:
    """A version-2 camera's parameters as JSON-ready, rounded values."""
    out = camera_summary(camera)
    out.update(outdoor=camera['outdoor'],
               s_curve=round(float(camera['s_curve']), 3),
               reference_cct=round(camera['reference_cct']),
               light_map_min=round(float(camera['light_map'].min()), 3))
    return out


def sample_tracklet(rng: np.random.Generator, camera: dict) -> dict:
    """What one walk of a person past a camera shares (version 2).

    The light of the moment (exposure and colour temperature after auto
    exposure and white balance), the objects standing in the scene at
    that time, where the walk starts and which way it goes, and, for
    trajectory-annotated boxes, one box-height error for the walk.

    Args:
        rng (np.random.Generator): The tracklet's generator.
        camera (dict): From :func:`sample_cameras_v2`.

    Returns:
        dict: ``gain``, ``cct``, ``cast``, ``scene``, ``x0``, ``step`` and
        ``scale``.
    """
    r = camera['realism']
    gain_sd = r.outdoor_gain_sd if camera['outdoor'] else r.indoor_gain_sd
    cct = rng.uniform(*(r.outdoor_cct if camera['outdoor'] else
                        r.indoor_cct))
    scene = camera['scene'].copy()
    draw_clutter(scene, camera['horizon'], rng,
                 int(rng.integers(r.tracklet_clutter[0],
                                  r.tracklet_clutter[1] + 1)))
    return dict(
        gain=float(np.exp(rng.normal(0, gain_sd))), cct=float(cct),
        cast=white_balance_residual(cct, camera['reference_cct'], r.awb),
        scene=scene, x0=float(rng.uniform(0, SCENE_W - CW)),
        step=float(rng.uniform(-r.walk_px, r.walk_px)),
        scale=float(np.exp(rng.normal(0, r.tracklet_scale_sd))))


def box_iou_with_tight(height: float, cx: float, feet: float,
                       scale: float) -> float:
    """IoU of the box (the canvas) with a tight box around the person.

    The tight box is the one a person of ``height`` pixels gets when the
    camera's person scale is exact, centred on the body and ending just
    below the feet, with the canvas's aspect ratio.

    Args:
        height (float): Drawn body height (canvas pixels).
        cx (float): Body centre column.
        feet (float): Row of the soles.
        scale (float): The camera's person height / box height.

    Returns:
        float: IoU in ``[0, 1]``.
    """
    gh = height / scale
    gw = gh * CW / CH
    bottom = feet + 0.03 * gh
    left, right, top = cx - gw / 2, cx + gw / 2, bottom - gh
    iw = max(0.0, min(right, CW) - max(left, 0.0))
    ih = max(0.0, min(bottom, CH) - max(top, 0.0))
    inter = iw * ih
    return inter / (CW * CH + gw * gh - inter)


def sample_placement(rng: np.random.Generator, camera: dict,
                     tracklet: Optional[dict], hand_drawn: bool
                     ) -> Tuple[float, float, float]:
    """Where the person stands in a box and how big (version 2).

    Detector boxes jitter in centre and scale and are kept only when they
    overlap the tight box by more than ``min_box_iou`` (Market-1501's
    rule for a good box; after 20 rejected draws the tight box is used);
    hand-drawn boxes jitter less.

    Args:
        rng (np.random.Generator): The box's generator.
        camera (dict): From :func:`sample_cameras_v2`.
        tracklet (dict, optional): From :func:`sample_tracklet`.
        hand_drawn (bool): Whether the box is hand-drawn.

    Returns:
        tuple[float, float, float]: Body height, centre column and the
        row of the soles, in canvas pixels.
    """
    r = camera['realism']
    centre_sd = r.hand_centre_sd if hand_drawn else r.detector_centre_sd
    scale_sd = r.hand_scale_sd if hand_drawn else r.detector_scale_sd
    base = CH * camera['scale'] * (tracklet['scale'] if tracklet else 1.0)
    for _ in range(20):
        height = base * float(np.exp(rng.normal(0, scale_sd)))
        cx = CW * (0.5 + rng.normal(0, centre_sd))
        feet = CH * (0.97 + rng.normal(0, scale_sd / 2))
        if box_iou_with_tight(height, cx, feet,
                              camera['scale']) > r.min_box_iou:
            return height, cx, feet
    return base, CW / 2, 0.97 * CH  # no good box drawn: the tight one


def _draw_bystander(rng: np.random.Generator, bg: np.ndarray,
                    camera: dict, cx: float, feet: float,
                    height: float) -> None:
    """Another person passing behind the subject, part of the background."""
    other = camera['bystanders'][int(rng.integers(len(camera['bystanders'])))]
    layer = np.zeros((CH, CW, 3), np.uint8)
    mask = np.zeros((CH, CW), np.uint8)
    side = float(rng.choice([-1, 1]))
    far = rng.uniform(0.6, 0.9)  # further away: smaller, higher feet
    draw_person(layer, mask, other, cx + side * CW * rng.uniform(0.35, 0.7),
                feet - CH * (1 - far) * 0.3, height * far,
                VIEWS[int(rng.integers(4))], rng.uniform(-1, 1))
    alpha = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32)[..., None]
    alpha /= 255.0
    bg *= 1 - alpha
    bg += alpha * layer.astype(np.float32)


def render_image_v2(rng: np.random.Generator, camera: dict,
                    person: Optional[dict], view: str, kind: str = 'person',
                    tracklet: Optional[dict] = None, box_index: int = 0,
                    hand_drawn: bool = False
                    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render one box of a camera (version 2).

    ``rng``, ``person``, ``view`` and ``kind`` are those of
    :func:`render_image`; the camera comes from :func:`sample_cameras_v2`.

    Args:
        tracklet (dict, optional): From :func:`sample_tracklet`; None
            samples the moment's light and window for this box alone.
            Defaults to None.
        box_index (int): Position of the box in its tracklet (the walk
            moves the window). Defaults to 0.
        hand_drawn (bool): Hand-drawn rather than detected box.
            Defaults to False.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: BGR uint8 image
        (OUT_H x OUT_W), the parser-like mask and the exact mask (uint8,
        0 or 255).
    """
    r = camera['realism']
    if tracklet is None:
        tracklet = sample_tracklet(rng, camera)
    x0 = tracklet['x0'] + tracklet['step'] * box_index + rng.normal(0, 4)
    x0 = int(np.clip(round(x0), 0, SCENE_W - CW))
    y0 = int(rng.integers(0, SCENE_H - CH + 1))
    bg = tracklet['scene'][y0:y0 + CH, x0:x0 + CW].astype(np.float32)
    light = camera['light_map'][y0:y0 + CH, x0:x0 + CW]
    layer = np.zeros((CH, CW, 3), np.uint8)
    mask = np.zeros((CH, CW), np.uint8)
    parts = {g: np.zeros((CH, CW), np.uint8) for g in PART_GROUPS}
    height, cx, feet = _adjust_for_kind(
        rng, kind, *sample_placement(rng, camera, tracklet, hand_drawn))
    if rng.random() < r.bystander_p:
        _draw_bystander(rng, bg, camera, cx, feet, height)
    person_light = 1.0
    if person is not None and kind != 'background':
        draw_person(layer, mask, person, cx, feet, height, view,
                    rng.uniform(-1, 1), parts)
        _cast_shadow(bg, camera, cx, feet, height)
        # The person is lit by the light where they stand.
        fy = int(np.clip(feet - 0.5 * height, 0, CH - 1))
        fx = int(np.clip(cx, 0, CW - 1))
        person_light = float(light[fy, fx])
    bg *= light[..., None]
    alpha = cv2.GaussianBlur(mask, (3, 3), 0).astype(np.float32) / 255.0
    shade = person_light * _light_direction(camera)
    img = cv2.blendLinear(layer.astype(np.float32) * shade, bg, alpha,
                          1.0 - alpha)
    occluded = _sample_occluder(rng, r.occluder_p, kind)
    if occluded is not None:
        occluder, colour = occluded
        # The occluder stands in the same light as the background.
        img[occluder > 0] = np.asarray(colour, np.float32) * light[
            occluder > 0][:, None]
        mask[occluder > 0] = 0
        for part in parts.values():
            part[occluder > 0] = 0
    img = cv2.resize(img, (OUT_W, OUT_H), interpolation=cv2.INTER_AREA)
    exact = _shrink_mask(mask)
    # The light of the moment, then the camera's photometry and optics.
    flicker = rng.uniform(0.97, 1.03)
    img = img * (tracklet['gain'] * flicker * camera['gain'] *
                 tracklet['cast'] * camera['cast'])
    mean = img.mean()
    img = (img - mean) * camera['contrast'] + mean
    img = 255.0 * response_curve(img / 255.0, camera['gamma'],
                                 camera['s_curve'])
    img, blur = _optics(rng, img.astype(np.float32), camera, kind)
    parser = parser_like_mask(rng, exact, parts, blur, camera['low_res'], r)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8), parser, exact
