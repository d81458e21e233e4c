import numpy as np

from mmreidgen.datasets.synthetic.common import SCENE_H, SCENE_W
from mmreidgen.datasets.synthetic.lighting import (
    cct_to_bgr,
    light_map,
    response_curve,
    white_balance_residual,
)


def test_colour_temperature_goes_from_warm_to_cool():
    warm, d65, cool = cct_to_bgr(3000), cct_to_bgr(6500), cct_to_bgr(8000)
    assert warm[2] > 1.3 and warm[0] < 0.7  # BGR: red over blue
    assert np.allclose(d65, 1, atol=0.05)  # about white at D65
    assert cool[0] > cool[2]
    blues = [cct_to_bgr(k)[0] for k in range(3000, 8001, 250)]
    assert np.all(np.diff(blues) > 0)
    assert np.array_equal(cct_to_bgr(2000), warm)  # clipped to the table


def test_white_balance_removes_part_of_the_change():
    assert np.allclose(white_balance_residual(4000, 4000, 0.6), 1)
    raw = cct_to_bgr(3500) / cct_to_bgr(5000)
    left = white_balance_residual(3500, 5000, 0.6)
    assert np.allclose(np.log(left), 0.4 * np.log(raw), atol=1e-5)
    assert np.allclose(white_balance_residual(3500, 5000, 1.0), 1)


def test_light_map_range_and_kinds():
    for outdoor in (True, False):
        light = light_map(np.random.default_rng(0), outdoor, 0.5)
        assert light.shape == (SCENE_H, SCENE_W)
        assert light.min() >= 0.5 - 1e-6 and light.max() <= 1 + 1e-6
        # Light varies along the scene: people stand in light or shade.
        columns = light.mean(0)
        assert columns.max() - columns.min() > 0.2
    again = light_map(np.random.default_rng(0), False, 0.5)
    assert np.array_equal(light, again)


def test_response_curve_is_monotonic_with_fixed_ends():
    x = np.linspace(0, 1, 101, dtype=np.float32)
    for gamma, s in [(1.0, 0.0), (0.85, 0.6), (1.2, 0.3)]:
        y = response_curve(x, gamma, s)
        assert np.all(np.diff(y) >= 0)
        assert abs(y[0]) < 1e-6 and abs(y[-1] - 1) < 1e-6
    assert np.allclose(response_curve(x, 1.0, 0.0), x, atol=1e-6)
    # The S-shaped part darkens shadows and lifts highlights.
    s_shaped = response_curve(x, 1.0, 0.6)
    assert s_shaped[20] < x[20] and s_shaped[80] > x[80]
