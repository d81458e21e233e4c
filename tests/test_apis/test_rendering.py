"""mmreidgen.apis.rendering: the helpers of CR-GAN rendered folders (the
whole path runs in tests/test_stages/test_crgan_pipeline.py)."""
import os.path as osp

import cv2
import pytest
import torch

from mmreidgen.apis import load_config, rendering

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_to_unit_luminance_and_masked_mean():
    x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 3.0])
    assert rendering.to_unit(x).tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]
    red = torch.zeros(1, 3, 2, 2)
    red[:, 0] = 1
    assert torch.allclose(rendering.luminance(red), torch.tensor(0.299))
    values = torch.arange(4.0).view(1, 1, 2, 2)
    mask = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]]])
    assert rendering.masked_mean(values, mask) == 1.5  # (0 + 3) / 2
    assert rendering.masked_mean(values, torch.zeros_like(mask)) == 0.0


def test_write_images_rgb_to_bgr_jpeg(tmp_path):
    images = torch.zeros(2, 3, 16, 8)
    images[0, 0] = 1  # red
    images[1, 2] = 1  # blue
    rendering.write_images(images, ['a.jpg', 'b.jpg'], str(tmp_path))
    a = cv2.imread(str(tmp_path / 'a.jpg')).astype(int)
    b = cv2.imread(str(tmp_path / 'b.jpg')).astype(int)
    assert abs(a[8, 4] - [0, 0, 255]).max() < 10
    assert abs(b[8, 4] - [255, 0, 0]).max() < 10


def test_pair_datasets_need_a_two_domain_config():
    cfg = load_config(osp.join(
        REPO, 'configs/baseline/baseline_r18w16_synthmarket.py'))
    with pytest.raises(KeyError, match='use a CR-GAN config'):
        rendering.crgan_pair_datasets(cfg)
