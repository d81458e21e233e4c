import json

import numpy as np
import pytest

from mmreidgen.datasets.synthetic import DOMAINS
from mmreidgen.datasets.synthetic.camera import (
    box_iou_with_tight,
    camera_summary,
    camera_summary_v2,
    render_image,
    render_image_v2,
    sample_camera,
    sample_cameras_v2,
    sample_placement,
    sample_tracklet,
)
from mmreidgen.datasets.synthetic.common import CH, CW, OUT_H, OUT_W
from mmreidgen.datasets.synthetic.person import sample_identity
from mmreidgen.datasets.synthetic.styles import REALISM_V2


@pytest.fixture(scope='module')
def camera():
    return sample_camera(np.random.default_rng(0), DOMAINS['synthduke'], 1,
                         False)


@pytest.fixture(scope='module')
def person():
    return sample_identity(np.random.default_rng(0), DOMAINS['synthduke'])


def test_camera_parameters_come_from_the_style(camera):
    style = DOMAINS['synthduke']
    assert camera['scene_kind'] == style.scenes[1]
    for key in ('gain', 'gamma', 'contrast', 'blur', 'noise', 'shadow'):
        low, high = getattr(style, key)
        assert low <= camera[key] <= high, key
    assert style.jpeg[0] <= camera['jpeg'] <= style.jpeg[1]
    assert np.isclose(camera['view_p'].sum(), 1)
    again = sample_camera(np.random.default_rng(0), style, 1, False)
    assert np.array_equal(camera['scene'], again['scene'])
    assert camera_summary(camera) == camera_summary(again)
    summary = json.loads(json.dumps(camera_summary(camera)))
    assert summary['scene_kind'] == 'corridor' and len(
        summary['cast_bgr']) == 3


@pytest.mark.parametrize('kind', ['person', 'partial', 'far', 'junk'])
def test_box_shape_mask_and_determinism(camera, person, kind):
    img, mask = render_image(np.random.default_rng(3), camera, person,
                             'front', kind)
    assert img.shape == (OUT_H, OUT_W, 3) and img.dtype == np.uint8
    assert mask.shape == (OUT_H, OUT_W) and mask.dtype == np.uint8
    assert set(np.unique(mask).tolist()) <= {0, 255}
    again = render_image(np.random.default_rng(3), camera, person, 'front',
                         kind)
    assert np.array_equal(img, again[0]) and np.array_equal(mask, again[1])


def test_background_box_has_an_empty_mask(camera, person):
    _, mask = render_image(np.random.default_rng(0), camera, person, 'back',
                           'background')
    assert not mask.any()


def test_person_fills_the_box_and_far_people_are_small(camera, person):
    def area(kind):
        return np.mean([
            (render_image(np.random.default_rng(s), camera, person, 'front',
                          kind)[1] > 0).mean() for s in range(8)
        ])

    assert 0.1 < area('person') < 0.6
    assert area('far') < 0.5 * area('person')


def test_gain_reaches_the_image(camera, person):
    dark = dict(camera, gain=camera['gain'] * 0.5)
    bright, _ = render_image(np.random.default_rng(1), camera, person,
                             'front')
    dim, _ = render_image(np.random.default_rng(1), dark, person, 'front')
    assert dim.mean() < 0.8 * bright.mean()


# ------------------------------------------------------------ version 2
@pytest.fixture(scope='module')
def cameras_v2():
    style = DOMAINS['synthmarket']
    return sample_cameras_v2(np.random.default_rng(0), style,
                             REALISM_V2['synthmarket'], [2])


def _person_brightness(img, exact):
    return float(img[exact > 0].mean())


def test_cameras_share_decor_but_not_photometry(cameras_v2):
    by_kind = {}
    for cam in cameras_v2:
        by_kind.setdefault(cam['scene_kind'], []).append(cam)
    assert all(len(c) == 2 for c in by_kind.values())  # 6 cameras, 3 kinds
    for a, b in by_kind.values():
        same = (np.array_equal(a['scene'], b['scene']) or
                np.array_equal(a['scene'], b['scene'][:, ::-1]))
        assert same, a['scene_kind']
        assert a['gain'] != b['gain'] and a['s_curve'] != b['s_curve']
        assert not np.array_equal(a['light_map'], b['light_map'])
    assert [c['low_res'] for c in cameras_v2].count(True) == 1
    summary = json.loads(json.dumps(camera_summary_v2(cameras_v2[0])))
    assert summary['outdoor'] is True and 0 <= summary['s_curve'] <= 0.6


def test_background_changes_between_tracklets(cameras_v2):
    cam = cameras_v2[0]
    scenes = [sample_tracklet(np.random.default_rng(s), cam)['scene']
              for s in range(6)]
    changed = [not np.array_equal(s, cam['scene']) for s in scenes]
    assert sum(changed) >= 3  # objects come and go between walks
    assert not np.array_equal(scenes[0], scenes[1])


def test_light_varies_between_tracklets_not_within(cameras_v2, person):
    """The same person in one camera: the light changes with the walk."""
    cam = cameras_v2[0]

    def brightness(tracklet_seed, box_seed):
        tracklet = sample_tracklet(np.random.default_rng(tracklet_seed), cam)
        tracklet['step'] = 0.0  # same place: only the moment's light
        img, _, exact = render_image_v2(np.random.default_rng(box_seed),
                                        cam, person, 'front', 'person',
                                        tracklet, 0, hand_drawn=True)
        return _person_brightness(img, exact)

    across = [np.mean([brightness(t, b) for b in range(3)])
              for t in range(10)]
    within = [np.std([brightness(t, b) for b in range(4)]) for t in range(3)]
    spread = np.std(across) / np.mean(across)
    assert spread > 0.08, spread
    assert np.mean(within) < 0.5 * np.std(across)
    # Version 1 lights every box of a camera the same way (+-6 % flicker).
    v1_cam = sample_camera(np.random.default_rng(0), DOMAINS['synthmarket'],
                           0, False)
    v1 = [_person_brightness(*render_image(np.random.default_rng(s), v1_cam,
                                           person, 'front'))
          for s in range(10)]
    assert np.std(v1) / np.mean(v1) < 0.6 * spread


def test_detector_boxes_jitter_but_stay_good(cameras_v2):
    cam = cameras_v2[0]
    rng = np.random.default_rng(0)
    detected = np.array([sample_placement(rng, cam, None, False)
                         for _ in range(400)])
    hand = np.array([sample_placement(rng, cam, None, True)
                     for _ in range(400)])
    ious = [box_iou_with_tight(h, c, f, cam['scale']) for h, c, f in detected]
    assert min(ious) > 0.5  # Market-1501's rule for a good DPM box
    assert np.mean(ious) < 0.85
    centre_sd = detected[:, 1].std() / CW
    assert 0.06 < centre_sd < 0.11, centre_sd
    assert hand[:, 1].std() / CW < 0.5 * centre_sd
    assert detected[:, 0].std() > 2 * hand[:, 0].std()
    assert box_iou_with_tight(CH * cam['scale'], CW / 2, 0.97 * CH,
                              cam['scale']) == pytest.approx(1.0)


@pytest.mark.parametrize('kind', ['person', 'partial', 'far', 'junk',
                                  'background'])
def test_v2_box_outputs(cameras_v2, person, kind):
    cam = cameras_v2[1]
    out = render_image_v2(np.random.default_rng(5), cam, person, 'back',
                          kind)
    again = render_image_v2(np.random.default_rng(5), cam, person, 'back',
                            kind)
    img, parser, exact = out
    assert img.shape == (OUT_H, OUT_W, 3) and img.dtype == np.uint8
    for m in (parser, exact):
        assert m.shape == (OUT_H, OUT_W)
        assert set(np.unique(m).tolist()) <= {0, 255}
    assert all(np.array_equal(a, b) for a, b in zip(out, again))
    if kind == 'background':
        assert not exact.any() and not parser.any()
    else:
        assert exact.any()
