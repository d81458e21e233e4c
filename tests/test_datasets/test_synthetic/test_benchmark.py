"""Whole-benchmark properties of both renderer versions."""
import hashlib
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmreidgen.datasets.synthetic import format_stats, make_synthetic_reid

TINY = dict(seed=1, num_train_ids=2, num_test_ids=2, num_distractors=1,
            num_junk=1)
# Digest of the tiny version-1 render above, computed with the renderer as
# it was before it moved into the package (the 878-line tool of
# 2026-12-01): version 1 must never change.
V1_TINY_DIGEST = (
    '39d0eaa021498c68f9c7073701bf64c79a1efaf5bdf5b20bd44c7cb277157a62')
# Version 2's realism parameters were fixed on 2026-12-01; this digest of
# the same tiny render pins them (change it only with a new version).
V2_TINY_DIGEST = (
    '845ce92797717fcb360289c8bd1dcba95d9725fc9f2afbaeb74f2ec635de9d5b')
SMALL = dict(seed=0, num_train_ids=12, num_test_ids=12)


def tree_digest(root: str) -> str:
    """sha256 over every file's relative path and bytes, but stats.json."""
    digest = hashlib.sha256()
    for folder, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for name in sorted(files):
            if name == 'stats.json':
                continue  # holds the render time
            path = osp.join(folder, name)
            digest.update(osp.relpath(path, root).encode())
            with open(path, 'rb') as f:
                digest.update(f.read())
    return digest.hexdigest()


@pytest.fixture(scope='module')
def small(tmp_path_factory):
    out = {}
    for version in (1, 2):
        root = str(tmp_path_factory.mktemp(f'small_v{version}'))
        out[version] = (root, make_synthetic_reid(root, version=version,
                                                  **SMALL))
    return out


def test_v1_is_unchanged(tmp_path):
    stats = make_synthetic_reid(str(tmp_path), version=1, **TINY)
    assert tree_digest(str(tmp_path)) == V1_TINY_DIGEST
    assert stats['version'] == 1
    assert not osp.exists(osp.join(str(tmp_path), 'synthduke',
                                   'masks_exact'))


def test_v2_bytes_are_deterministic(tmp_path):
    first = make_synthetic_reid(str(tmp_path / 'a'), **TINY)
    make_synthetic_reid(str(tmp_path / 'b'), **TINY)
    make_synthetic_reid(str(tmp_path / 'c'), **dict(TINY, seed=2))
    digest = tree_digest(str(tmp_path / 'a'))
    assert digest == tree_digest(str(tmp_path / 'b')) == V2_TINY_DIGEST
    assert digest != tree_digest(str(tmp_path / 'c'))
    assert digest != V1_TINY_DIGEST
    assert first['version'] == 2  # the default
    with open(tmp_path / 'a' / 'stats.json', encoding='utf-8') as f:
        assert json.load(f)['version'] == 2


def test_unknown_version_is_refused(tmp_path):
    with pytest.raises(ValueError, match='version=3'):
        make_synthetic_reid(str(tmp_path), version=3, **TINY)


def _pairs(root):
    """(parser-like, exact) masks of every box of a domain folder."""
    for folder, _, files in os.walk(osp.join(root, 'masks_exact')):
        for name in files:
            exact = cv2.imread(osp.join(folder, name), cv2.IMREAD_UNCHANGED)
            parser = cv2.imread(
                osp.join(folder.replace('masks_exact', 'masks'), name),
                cv2.IMREAD_UNCHANGED)
            yield parser, exact


@pytest.mark.parametrize('domain', ['synthmarket', 'synthduke'])
def test_parser_masks_meet_the_published_target(small, domain):
    root, stats = small[2]
    ious = []
    for parser, exact in _pairs(osp.join(root, domain)):
        if exact.any():
            inter = np.logical_and(parser > 0, exact > 0).sum()
            ious.append(inter / np.logical_or(parser > 0, exact > 0).sum())
    # Target 0.80 (LIP-JPPNet, see docs/en/synthetic_benchmark.md).
    assert 0.75 <= np.mean(ious) <= 0.85, np.mean(ious)
    assert min(ious) < 0.7  # some boxes are parsed badly, as in Fig. 9
    recorded = stats['domains'][domain]['parser_mask_iou']
    assert recorded['num_boxes'] == len(ious)
    assert recorded['mean'] == pytest.approx(np.mean(ious), abs=1e-4)
    assert 'parser-like masks: mean IoU' in format_stats(stats)


def _boxes(root):
    """Per camera: person centre column and height (exact masks, train)."""
    per_cam = {}
    folder = osp.join(root, 'masks_exact', 'bounding_box_train')
    if not osp.isdir(folder):
        folder = osp.join(root, 'masks', 'bounding_box_train')
    for name in sorted(os.listdir(folder)):
        mask = cv2.imread(osp.join(folder, name), cv2.IMREAD_UNCHANGED) > 0
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        if len(rows) == 0:
            continue
        cam = int(name.split('_c')[1].split('s')[0])
        per_cam.setdefault(cam, []).append(
            ((cols[0] + cols[-1]) / 2 / mask.shape[1],
             (rows[-1] - rows[0] + 1) / mask.shape[0]))
    return {c: np.array(v) for c, v in per_cam.items() if len(v) >= 4}


def test_placement_jitters_per_box(small):
    """People are not always centred, nor always the same size."""
    spread = {}
    for version in (1, 2):
        boxes = _boxes(osp.join(small[version][0], 'synthmarket'))
        spread[version] = np.median([b.std(0) for b in boxes.values()], 0)
    centre_v1, height_v1 = spread[1]
    centre_v2, height_v2 = spread[2]
    assert centre_v2 > 0.06 and centre_v2 > 1.2 * centre_v1, spread
    assert height_v2 > 0.06 and height_v2 > 1.2 * height_v1, spread


def test_v2_writes_both_mask_folders(small):
    root, stats = small[2]
    for domain in ('synthmarket', 'synthduke'):
        for sub in ('bounding_box_train', 'query', 'bounding_box_test'):
            images = sorted(f[:-4] for f in os.listdir(
                osp.join(root, domain, sub)))
            for mask_dir in ('masks', 'masks_exact'):
                masks = sorted(f[:-4] for f in os.listdir(
                    osp.join(root, domain, mask_dir, sub)))
                assert masks == images
        assert stats['domains'][domain]['realism']['drop_carried'] == 0.7
