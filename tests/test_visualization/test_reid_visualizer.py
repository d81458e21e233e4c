"""ReIDVisualizer: rank lists, CMC curves, grids, and the vis backends."""
import glob
import os.path as osp

import cv2
import numpy as np
import torch

from mmreidgen.registry import VISUALIZERS
from mmreidgen.visualization import ReIDVisualizer
from mmreidgen.visualization import reid_visualizer as vis_module


def image(path, value):
    cv2.imwrite(str(path), np.full((32, 16, 3), value, np.uint8))
    return str(path)


def test_rank_list_borders_follow_the_matches(tmp_path):
    vis = ReIDVisualizer(name='rank_test', tile_size=(64, 32))
    query = image(tmp_path / 'q.png', 50)
    gallery = [
        dict(path=image(tmp_path / f'g{i}.png', 100 + i), match=m, pid=i,
             camid=1, dist=0.1 * i)
        for i, m in enumerate([True, False, None])
    ]
    row = vis.draw_rank_list(query, 'pid 3 c1', gallery)
    tile_w, gap = 32, 12
    assert row.shape[1] == tile_w + gap + 3 * (tile_w + 2)
    colours = [row[30, tile_w + gap + k * (tile_w + 2) + 1].tolist()
               for k in range(3)]
    assert colours[0] == list(vis_module.TRUE_COLOR)
    assert colours[1] == list(vis_module.FALSE_COLOR)
    assert colours[2] == [200, 200, 200]  # unknown identity
    assert row[30, 1].tolist() == list(vis_module.QUERY_COLOR)


def test_long_labels_wrap_inside_their_tiles(tmp_path):
    """File names as labels (demo/reid_demo.py on one's own folder) are
    wrapped, never cut off at a tile's right edge."""
    vis = ReIDVisualizer(name='rank_wrap_test', tile_size=(128, 64))
    name = 'camera_07_2026-12-07_morning_walk_person_0042.jpg'
    query = image(tmp_path / 'q.png', 50)
    gallery = [dict(path=image(tmp_path / f'{i}_{name}', 100 + i), pid=-1,
                    camid=-1, dist=0.5, match=None) for i in range(3)]
    row = vis.draw_rank_list(query, name, gallery)
    tile_w, gap = 64, 12
    lines = vis_module.wrap_caption(f'1: 0_{name}', tile_w, 0.33)
    assert len(lines) > 2
    assert ''.join(lines).replace(' ', '') == f'1:0_{name}'
    for line in lines:
        text_w = cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, 0.33,
                                 1)[0][0]
        assert text_w + 6 <= tile_w, line
    # Below the images, the rightmost columns of every tile stay white.
    captions = row[128:]
    assert captions.shape[0] > 13 * 3
    for k in range(4):
        right = tile_w - 1 if k == 0 else tile_w + gap + k * (tile_w + 2) - 3
        assert (captions[:, right] == 255).all(), k


def test_image_grid_and_backends(tmp_path):
    rows = dict(a=torch.zeros(2, 3, 4, 2), b=torch.ones(2, 3, 4, 2))
    grid = ReIDVisualizer.image_grid(rows, pad=1)
    assert grid.shape == (2 * 5 + 1, 2 * 3 + 1, 3)
    assert grid[1, 1].tolist() == [0, 0, 0]  # column a
    assert grid[1, 4].tolist() == [255, 255, 255]  # column b
    vis = VISUALIZERS.build(dict(
        type='ReIDVisualizer', name='backend_test',
        vis_backends=[dict(type='LocalVisBackend')], save_dir=str(tmp_path)))
    vis.save('grid', grid[..., ::-1].copy(), step=3)
    written = glob.glob(osp.join(str(tmp_path), '**', 'grid_3.png'),
                        recursive=True)
    assert written and cv2.imread(written[0]).shape == grid.shape


def test_cmc_curve_file(tmp_path):
    out = tmp_path / 'sub' / 'cmc.png'
    ReIDVisualizer.draw_cmc(
        {'a': dict(cmc=[0.5, 0.7, 0.9], mAP=0.4)}, str(out))
    assert cv2.imread(str(out)) is not None
