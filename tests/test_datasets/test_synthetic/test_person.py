import numpy as np
import pytest

from mmreidgen.datasets.synthetic import DOMAINS
from mmreidgen.datasets.synthetic.common import VIEWS
from mmreidgen.datasets.synthetic.person import draw_person, sample_identity

SENTINEL = (1, 2, 3)  # a BGR value no drawn colour takes


def _draw(person, view, h=120, w=64, height=100.0, cx=32.0, feet=112.0):
    layer = np.zeros((h, w, 3), np.uint8)
    layer[:] = SENTINEL
    mask = np.zeros((h, w), np.uint8)
    draw_person(layer, mask, person, cx, feet, height, view, 0.5)
    return layer, mask


def test_identity_is_deterministic_and_in_range():
    style = DOMAINS['synthmarket']
    a = sample_identity(np.random.default_rng(5), style)
    b = sample_identity(np.random.default_rng(5), style)
    c = sample_identity(np.random.default_rng(6), style)
    assert a == b and a != c
    assert 0.88 <= a['height'] <= 1.0 and 0.8 <= a['build'] <= 1.25
    assert a['lower_kind'] in ('trousers', 'shorts', 'skirt')
    assert a['pattern'] in ('plain', 'stripes', 'checks', 'logo')
    assert all(0 <= v <= 255 for v in a['upper'] + a['skin'])


def test_domain_season_changes_the_clothing():
    def share(name, key, value):
        rng = np.random.default_rng(0)
        people = [sample_identity(rng, DOMAINS[name]) for _ in range(300)]
        return np.mean([p[key] == value for p in people])

    # Summer (synthmarket) against winter (synthduke) footage.
    assert share('synthmarket', 'short_sleeves', True) > 0.6
    assert share('synthduke', 'short_sleeves', True) < 0.2
    assert (share('synthmarket', 'lower_kind', 'trousers') <
            share('synthduke', 'lower_kind', 'trousers'))


@pytest.mark.parametrize('view', VIEWS)
def test_mask_is_exactly_the_drawn_pixels(view):
    rng = np.random.default_rng(0)
    for style in DOMAINS.values():
        for _ in range(6):
            person = sample_identity(rng, style)
            layer, mask = _draw(person, view)
            painted = (layer != SENTINEL).any(-1)
            assert set(np.unique(mask).tolist()) == {0, 255}
            assert np.array_equal(painted, mask == 255)


def test_body_spans_its_height_and_stands_on_its_feet():
    person = sample_identity(np.random.default_rng(1),
                             DOMAINS['synthmarket'])
    person.update(hat=None)
    _, mask = _draw(person, 'front', height=100.0, feet=112.0)
    rows = np.flatnonzero(mask.any(1))
    body = 100.0 * person['height']
    assert abs(rows[-1] - 112) <= 2, rows[-1]
    assert abs((rows[-1] - rows[0] + 1) - body) <= 0.05 * body
    cols = np.flatnonzero(mask.any(0))
    assert abs((cols[0] + cols[-1]) / 2 - 32) <= 3


def test_backpack_is_seen_from_the_back():
    person = sample_identity(np.random.default_rng(2),
                             DOMAINS['synthduke'])
    person.update(backpack=(0, 0, 255), bag=None)
    bare = dict(person, backpack=None)
    layer, mask = _draw(person, 'back')
    _, bare_mask = _draw(bare, 'back')
    assert (layer == (0, 0, 255)).all(-1).sum() > 200
    assert np.array_equal(mask, bare_mask)  # drawn over the torso
    side, side_bare = _draw(person, 'left')[1], _draw(bare, 'left')[1]
    assert (side > 0).sum() > (side_bare > 0).sum()  # sticks out
