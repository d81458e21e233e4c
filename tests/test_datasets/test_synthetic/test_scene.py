import numpy as np
import pytest

from mmreidgen.datasets.synthetic import DOMAINS
from mmreidgen.datasets.synthetic.common import SCENE_H, SCENE_W
from mmreidgen.datasets.synthetic.scene import render_scene

KINDS = sorted({k for style in DOMAINS.values() for k in style.scenes})


@pytest.mark.parametrize('kind', KINDS)
def test_scene_shape_and_determinism(kind):
    scene = render_scene(kind, np.random.default_rng(0))
    assert scene.shape == (SCENE_H, SCENE_W, 3) and scene.dtype == np.uint8
    again = render_scene(kind, np.random.default_rng(0))
    other = render_scene(kind, np.random.default_rng(1))
    assert np.array_equal(scene, again)
    assert not np.array_equal(scene, other)
    # A textured scene, not a flat fill.
    assert scene.reshape(-1, 3).std(0).min() > 5


def test_kinds_cover_both_domains():
    assert KINDS == ['corridor', 'lawn', 'lobby', 'plaza', 'street',
                     'walkway']


@pytest.mark.parametrize('kind', ['street', 'lawn', 'plaza'])
def test_outdoor_scenes_have_a_blue_sky_above_the_horizon(kind):
    for seed in range(3):
        scene = render_scene(kind, np.random.default_rng(seed))
        top = scene[:3].reshape(-1, 3).astype(float).mean(0)
        assert top[0] > top[2] + 40, (seed, top)  # BGR: blue over red


def test_ground_differs_from_the_top():
    scene = render_scene('lawn', np.random.default_rng(0)).astype(float)
    top, bottom = scene[:20].mean((0, 1)), scene[-20:].mean((0, 1))
    # Lawn: green ground under a blue sky.
    assert bottom[1] > bottom[0] and top[0] > top[1]
