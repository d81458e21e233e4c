import json
import os
import os.path as osp

import numpy as np
import pytest

from mmreidgen.datasets import Market1501
from mmreidgen.datasets.synthetic.writer import (
    SUBSET_DIRS,
    MarketWriter,
    write_stats,
)


def _box(value):
    img = np.full((8, 4, 3), value, np.uint8)
    mask = np.zeros((8, 4), np.uint8)
    mask[2:6, 1:3] = 255
    return img, mask


def test_names_parse_as_market1501(tmp_path):
    writer = MarketWriter(str(tmp_path), 3, ('masks', ))
    rng = np.random.default_rng(0)
    paths = []
    for pid, cam in [(2, 0), (2, 2), (0, 1), (-1, 1), (15, 0)]:
        img, mask = _box(100)
        paths.append(writer.write(rng, 'gallery', pid, cam, img,
                                  dict(masks=mask), 95))
    names = [osp.basename(p) for p in paths]
    parsed = [Market1501.NAME_PATTERN.match(n) for n in names]
    assert all(parsed), names
    assert [(int(m.group(1)), int(m.group(2))) for m in parsed] == [
        (2, 1), (2, 3), (0, 2), (-1, 2), (15, 1)]
    assert names[2].startswith('0000_c2s1_')
    assert names[3].startswith('-1_c2s1_')
    # Frame numbers grow per camera, box indices are 00-03.
    frames = [int(n.split('_')[2]) for n in names]
    assert frames[4] > frames[0] and all(len(n.split('_')[2]) == 6
                                         for n in names)
    assert all(n.endswith(('_00.jpg', '_01.jpg', '_02.jpg', '_03.jpg'))
               for n in names)
    for path in paths:
        assert osp.dirname(path) == osp.join(str(tmp_path),
                                             'bounding_box_test')
        stem = osp.splitext(osp.basename(path))[0]
        assert osp.isfile(osp.join(str(tmp_path), 'masks',
                                   'bounding_box_test', stem + '.png'))


def test_market1501_reads_what_the_writer_wrote(tmp_path):
    writer = MarketWriter(str(tmp_path), 2, ('masks', 'masks_exact'))
    rng = np.random.default_rng(1)
    for subset in SUBSET_DIRS:
        for pid, cam in [(3, 0), (3, 1), (7, 1)]:
            img, mask = _box(50)
            writer.write(rng, subset, pid, cam, img,
                         dict(masks=mask, masks_exact=mask), 90)
    train = Market1501(data_root=str(tmp_path), subset='train',
                       with_mask=True)
    infos = [train.get_data_info(i) for i in range(len(train))]
    assert sorted((i['orig_pid'], i['camid']) for i in infos) == [
        (3, 0), (3, 1), (7, 1)]
    for info in infos:
        exact = info['mask_path'].replace(
            osp.join(str(tmp_path), 'masks'),
            osp.join(str(tmp_path), 'masks_exact'))
        assert osp.isfile(info['mask_path']) and osp.isfile(exact)


def test_rerender_replaces_old_files_and_no_masks(tmp_path):
    writer = MarketWriter(str(tmp_path), 1, ('masks', 'masks_exact'))
    img, mask = _box(10)
    writer.write(np.random.default_rng(0), 'train', 1, 0, img,
                 dict(masks=mask, masks_exact=mask), 90)
    MarketWriter(str(tmp_path), 1, ())
    for sub in SUBSET_DIRS.values():
        assert os.listdir(osp.join(str(tmp_path), sub)) == []
    assert not osp.exists(osp.join(str(tmp_path), 'masks'))
    assert not osp.exists(osp.join(str(tmp_path), 'masks_exact'))


def test_unknown_mask_folder_is_refused(tmp_path):
    with pytest.raises(ValueError, match='parsing'):
        MarketWriter(str(tmp_path), 1, ('parsing', ))


def test_stats_round_trip(tmp_path):
    stats = dict(seed=0, domains=dict(a=dict(num_cameras=2)))
    path = write_stats(stats, str(tmp_path))
    with open(path, encoding='utf-8') as f:
        assert json.load(f) == stats
