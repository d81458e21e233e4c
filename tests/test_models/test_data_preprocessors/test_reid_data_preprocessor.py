"""ReIDDataPreprocessor: mmengine's ImgDataPreprocessor output, faster.

Images of one size are stacked before the colour conversion and the
normalisation, and data samples already on the device are not copied;
the values must be mmengine's to the bit.
"""
import torch
from mmengine.model import ImgDataPreprocessor

from mmreidgen.models.data_preprocessors import ReIDDataPreprocessor
from mmreidgen.structures import ReIDDataSample

MEAN, STD = (123.675, 116.28, 103.53), (58.395, 57.12, 57.375)


def _batch(sizes, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (3, h, w), generator=gen,
                            dtype=torch.uint8) for h, w in sizes]
    samples = []
    for i in range(len(sizes)):
        sample = ReIDDataSample(metainfo=dict(img_path=f'{i}.jpg', pid=i))
        sample.gt_label = torch.tensor(i)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _mmengine(batch):
    pre = ImgDataPreprocessor(mean=MEAN, std=STD, bgr_to_rgb=True)
    return pre(dict(batch, inputs=list(batch['inputs']),
                    data_samples=list(batch['data_samples'])), True)


def test_same_values_as_mmengine_one_size():
    batch = _batch([(16, 8)] * 5)
    ours = ReIDDataPreprocessor()(dict(batch), True)
    ref = _mmengine(batch)
    assert ours['inputs'].dtype == torch.float32
    assert ours['inputs'].shape == (5, 3, 16, 8)
    assert torch.equal(ours['inputs'], ref['inputs'])
    # BGR in, RGB out: channel 0 of the output is channel 2 of the input
    expected = (batch['inputs'][1][2].float() - MEAN[0]) / STD[0]
    assert torch.equal(ours['inputs'][1, 0], expected)


def test_same_values_as_mmengine_mixed_sizes():
    """Images of different sizes take mmengine's per-image path (padded to
    the largest)."""
    batch = _batch([(16, 8), (12, 8), (16, 6)])
    ours = ReIDDataPreprocessor()(dict(batch), True)
    ref = _mmengine(batch)
    assert ours['inputs'].shape == (3, 3, 16, 8)
    assert torch.equal(ours['inputs'], ref['inputs'])


def test_samples_on_the_device_are_passed_on_not_copied():
    batch = _batch([(16, 8)] * 3)
    samples = list(batch['data_samples'])
    out = ReIDDataPreprocessor()(dict(batch), True)
    assert all(a is b for a, b in zip(out['data_samples'], samples))
    assert [s.gt_label.item() for s in out['data_samples']] == [0, 1, 2]
    assert [s.img_path for s in out['data_samples']] == [
        '0.jpg', '1.jpg', '2.jpg']


def test_samples_elsewhere_are_moved_the_mmengine_way():
    """With the model on another device (here the meta device, a stand-in
    for a GPU on a CPU machine), samples are moved by mmengine's ``to``
    into new samples, as before."""
    batch = _batch([(16, 8)] * 2)
    pre = ReIDDataPreprocessor()
    pre._device = torch.device('meta')
    sample = batch['data_samples'][0]
    moved = pre.cast_data(sample)
    assert moved is not sample
    assert moved.gt_label.device.type == 'meta'
    assert sample.gt_label.device.type == 'cpu'
    assert moved.img_path == '0.jpg'
