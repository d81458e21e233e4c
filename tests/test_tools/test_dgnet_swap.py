"""tools/misc/dgnet_swap.py: code-swap grid and interpolation from a
checkpoint."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO, load_tool

from mmreidgen.apis import dgnet_interpolate, dgnet_swap, load_config
from mmreidgen.apis.generation import _to_uint8 as to_uint8
from mmreidgen.registry import MODELS

CONFIG = osp.join(REPO, 'configs/dgnet/dgnet_r18w16_synthmarket.py')


@pytest.fixture(scope='module')
def tool():
    return load_tool('tools/misc/dgnet_swap.py')


# One intra-op thread for these small models (conftest.py).
pytestmark = pytest.mark.usefixtures('one_thread')


def test_grid_cells_are_decoded_from_swapped_codes(tool):
    cfg = load_config(CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(dict(cfg.model, teacher_ckpt=None)).eval()
    images = torch.randn(3, 3, 64, 32)
    grid = dgnet_swap(model, images)
    assert grid.shape == (4 * 64, 4 * 32, 3) and grid.dtype == np.uint8
    codes, structures = model.encode(images)
    cell = to_uint8(model, model.decode(codes[2:3], structures[0:1]))
    # row 3 (appearance of image 2), column 1 (structure of image 0)
    assert np.array_equal(grid[3 * 64:4 * 64, 32:64], cell[0])
    assert np.array_equal(grid[:64, 64:96], to_uint8(model,
                                                          images)[1])
    rows = dgnet_interpolate(model, images, steps=4)
    assert rows.shape == (64, 6 * 32, 3)
    first = to_uint8(model, model.decode(codes[:1], structures[:1]))
    assert np.array_equal(rows[:, 32:64], first[0])  # t = 0: image 0
    canvas = tool.compose(grid, rows)
    assert canvas.shape == (4 * 64 + 4 + 64, 6 * 32, 3)


def test_main_writes_the_png_from_a_checkpoint(tool, synth_root, tmp_path):
    cfg = load_config(CONFIG)
    model = MODELS.build(dict(cfg.model, teacher_ckpt=None))
    ckpt = tmp_path / 'dgnet.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    images = sorted(glob.glob(
        osp.join(synth_root, 'synthmarket', 'query', '*.jpg')))[:4]
    out = tmp_path / 'swap.png'
    tool.main([CONFIG, str(ckpt), '--out', str(out), '--images', *images,
               '--interp-steps', '3', '--scale', '2'])
    png = cv2.imread(str(out))
    assert png.shape == (2 * (5 * 64 + 4 + 2 * 64), 2 * 5 * 32, 3)
    with pytest.raises(ValueError, match='at least 2 images'):
        tool.main([CONFIG, str(ckpt), '--out', str(out), '--images',
                   images[0]])
