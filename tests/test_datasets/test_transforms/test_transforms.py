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


@pytest.mark.parametrize('pid', [3, -1, np.int64(7), np.int32(5), True])
def test_pack_label_is_torch_tensor_of_the_pid(pid):
    """The label is the 0-dim tensor torch.tensor(pid) gives: same value
    and dtype (int64 for a Python int), its own memory."""
    img = np.zeros((4, 2, 3), np.uint8)
    label = PackReIDInputs()(dict(img=img, pid=pid))['data_samples'].gt_label
    expected = torch.tensor(pid)
    assert label.dim() == 0 and label.dtype == expected.dtype
    assert label.item() == expected.item()
    other = PackReIDInputs()(dict(img=img, pid=pid))['data_samples'].gt_label
    other.fill_(0)
    assert label.item() == expected.item()


def test_random_erasing_draws_as_before():
    """The precomputed log-aspect bounds and fill give the rectangle and
    pixels of the formula written out (same draws, same order)."""
    img = np.full((32, 16, 3), 200, np.uint8)
    np.random.seed(3)
    out = RandomErasing(prob=1.0, min_aspect=0.3)(dict(img=img.copy()))['img']
    np.random.seed(3)
    assert np.random.rand() < 1.0
    while True:
        area = np.random.uniform(0.02, 0.4) * 32 * 16
        aspect = np.exp(np.random.uniform(np.log(0.3), -np.log(0.3)))
        eh = int(round(np.sqrt(area * aspect)))
        ew = int(round(np.sqrt(area / aspect)))
        if 0 < eh < 32 and 0 < ew < 16:
            top = np.random.randint(0, 32 - eh + 1)
            left = np.random.randint(0, 16 - ew + 1)
            break
    expected = img.copy()
    expected[top:top + eh, left:left + ew] = np.asarray(
        (103.53, 116.28, 123.675), np.float32).astype(np.uint8)
    np.testing.assert_array_equal(out, expected)


def test_decoded_image_cache_serves_copies_within_budget(image_with_mask,
                                                        tmp_path):
    load = LoadReIDImage(with_mask=True, cache_mb=1)
    first = load(dict(image_with_mask))
    cv2.imwrite(image_with_mask['img_path'], np.zeros((16, 8, 3), np.uint8))
    second = load(dict(image_with_mask))  # served from memory
    assert second['img'][0, 0].tolist() == [10, 20, 30]
    np.testing.assert_array_equal(second['mask'], first['mask'])
    # A transform writing into its image does not reach the cache.
    second['img'][:] = 255
    second['mask'][:] = 0
    third = load(dict(image_with_mask))
    assert third['img'][0, 0].tolist() == [10, 20, 30]
    assert third['mask'][:, :4].min() == 1
    # Without a cache (the default) the file is read again.
    assert LoadReIDImage()(dict(image_with_mask))['img'].max() == 0
    # Past the budget, images are decoded every time.
    other = tmp_path / 'b.png'
    cv2.imwrite(str(other), np.full((16, 8, 3), 7, np.uint8))
    tiny = LoadReIDImage(cache_mb=1e-6)  # 1 byte: the first image fills it
    tiny(dict(img_path=image_with_mask['img_path']))
    tiny(dict(img_path=str(other)))
    cv2.imwrite(str(other), np.full((16, 8, 3), 9, np.uint8))
    assert tiny(dict(img_path=str(other)))['img'].max() == 9
    with pytest.raises(ValueError, match='cache_mb'):
        LoadReIDImage(cache_mb=-1)


@pytest.mark.parametrize('padding', [0, 1, 3, 9, 20])
@pytest.mark.parametrize('mode', ['constant', 'edge'])
def test_pad_random_crop_is_a_crop_of_the_padded_image(padding, mode):
    rng = np.random.default_rng(padding)
    img = rng.integers(0, 255, (12, 6, 3), dtype=np.uint8)
    mask = rng.random((12, 6)).astype(np.float32)
    transform = PadRandomCrop(padding=padding, padding_mode=mode)
    np_mode = 'constant' if mode == 'constant' else 'edge'
    for seed in range(8):
        np.random.seed(seed)
        out = transform(dict(img=img.copy(), mask=mask.copy()))
        np.random.seed(seed)
        top = np.random.randint(0, 2 * padding + 1)
        left = np.random.randint(0, 2 * padding + 1)
        p = ((padding, padding), (padding, padding))
        want = np.pad(img, p + ((0, 0), ), mode=np_mode)[top:top + 12,
                                                          left:left + 6]
        np.testing.assert_array_equal(out['img'], want)
        np.testing.assert_array_equal(
            out['mask'], np.pad(mask, p, mode=np_mode)[top:top + 12,
                                                       left:left + 6])


@pytest.mark.parametrize('shape', [(6, 4, 3), (6, 4), (6, 4, 1), (5, 3, 4)])
@pytest.mark.parametrize('dtype', [np.uint8, np.float32])
def test_flip_mirrors_every_layout(shape, dtype):
    array = np.random.default_rng(0).random(shape).astype(dtype) * 200
    out = ReIDRandomFlip(prob=1.0)(dict(img=array.copy(),
                                        mask=array.copy()))
    for key in ('img', 'mask'):
        assert out[key].shape == shape and out[key].flags.c_contiguous
        np.testing.assert_array_equal(out[key], array[:, ::-1])
