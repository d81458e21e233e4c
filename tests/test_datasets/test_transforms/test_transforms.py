import cv2
import numpy as np
import pytest
import torch

from mmreidgen.datasets.transforms import (
    LoadReIDImage,
    PackReIDInputs,
    PadRandomCrop,
    RandomErasing,
    ReIDRandomFlip,
    ReIDResize,
)
from mmreidgen.structures import ReIDDataSample


@pytest.fixture
def image_with_mask(tmp_path):
    img = np.zeros((16, 8, 3), np.uint8)
    img[:, :4] = (10, 20, 30)  # left half coloured
    mask = np.zeros((16, 8), np.uint8)
    mask[:, :4] = 255
    (tmp_path / 'masks').mkdir()
    cv2.imwrite(str(tmp_path / 'a.png'), img)
    cv2.imwrite(str(tmp_path / 'masks' / 'a.png'), mask)
    return dict(
        img_path=str(tmp_path / 'a.png'),
        mask_path=str(tmp_path / 'masks' / 'a.png'),
        pid=3,
        camid=1,
        subset='query')


def test_load_image_and_mask(image_with_mask):
    results = LoadReIDImage(with_mask=True)(dict(image_with_mask))
    assert results['img'].shape == (16, 8, 3)
    assert results['img'][0, 0].tolist() == [10, 20, 30]
    assert results['mask'].dtype == np.float32
    assert results['mask'][:, :4].min() == 1
    assert results['mask'][:, 4:].max() == 0


def test_missing_mask_is_clear_error_unless_fallback(image_with_mask):
    info = dict(image_with_mask, mask_path='/nonexistent/m.png')
    with pytest.raises(FileNotFoundError, match='/nonexistent/m.png'):
        LoadReIDImage(with_mask=True)(dict(info))
    results = LoadReIDImage(with_mask=True, mask_fallback='full')(dict(info))
    assert results['mask'].min() == 1


def test_unreadable_image_names_the_file(tmp_path, image_with_mask):
    bad = tmp_path / 'broken.jpg'
    bad.write_bytes(b'\xff\xd8\xff\xe0 truncated')
    with pytest.raises(OSError, match='broken.jpg'):
        LoadReIDImage()(dict(img_path=str(bad)))
    assert LoadReIDImage(skip_bad_images=True)(dict(img_path=str(bad))) is None


def test_resize_flip_crop_keep_mask_aligned(image_with_mask):
    results = LoadReIDImage(with_mask=True)(dict(image_with_mask))
    results = ReIDResize(scale=(32, 16), interpolation='nearest')(results)
    assert results['img'].shape == (32, 16, 3)
    assert results['mask'].shape == (32, 16)
    results = ReIDRandomFlip(prob=1.0)(results)
    # The coloured (person) half moved to the right, with the mask.
    assert results['mask'][:, 8:].min() == 1
    assert results['img'][0, -1].tolist() == [10, 20, 30]
    np.random.seed(0)
    results = PadRandomCrop(padding=2)(results)
    assert results['img'].shape == (32, 16, 3)
    person = results['mask'] > 0
    assert (results['img'][person] == [10, 20, 30]).all()


def test_random_erasing_changes_a_region_only_when_drawn():
    img = np.full((32, 16, 3), 200, np.uint8)
    out = RandomErasing(prob=0.0)(dict(img=img.copy()))['img']
    assert (out == 200).all()
    np.random.seed(1)
    out = RandomErasing(prob=1.0, fill=(0, 0, 0))(dict(img=img.copy()))['img']
    erased = (out == 0).all(axis=2).mean()
    assert 0.02 * 0.5 <= erased <= 0.4 * 1.5


def test_pack_inputs(image_with_mask):
    results = LoadReIDImage(with_mask=True)(dict(image_with_mask))
    packed = PackReIDInputs()(results)
    assert packed['inputs'].shape == (3, 16, 8)
    assert packed['inputs'].dtype == torch.uint8
    sample = packed['data_samples']
    assert isinstance(sample, ReIDDataSample)
    assert sample.pid == 3 and sample.camid == 1 and sample.is_query
    assert sample.gt_label.item() == 3
    assert sample.mask.shape == (1, 16, 8)
