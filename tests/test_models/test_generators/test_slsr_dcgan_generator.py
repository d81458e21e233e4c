import pytest
import torch

from mmreidgen.registry import MODELS


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def test_default_generator_follows_the_paper_layer_list():
    g = MODELS.build(dict(type='SLSRDCGANGenerator'))
    out = g(torch.rand(2, 100) * 2 - 1)
    assert out.shape == (2, 3, 128, 128)
    assert out.min() >= -1 and out.max() <= 1  # tanh
    # Linear 100 -> 8*8*512 (+bias), BN(512), then four 5x5 transposed
    # convolutions 512->256->128->64->3 (+bias), BN after all but the last.
    linear = 100 * 8 * 8 * 512 + 8 * 8 * 512
    chans = [512, 256, 128, 64, 3]
    deconvs = sum(chans[i] * chans[i + 1] * 5 * 5 + chans[i + 1]
                  for i in range(4))
    bns = 2 * (512 + 256 + 128 + 64)
    assert num_params(g) == linear + deconvs + bns == 7617539


def test_small_non_square_generator_and_noise_range():
    g = MODELS.build(
        dict(type='SLSRDCGANGenerator', noise_size=8, output_size=(32, 16),
             base_channels=16, num_upsamples=3))
    assert g.init_shape == (16, 4, 2)
    assert g(5).shape == (5, 3, 32, 16)
    z = g.sample_noise(1000, generator=torch.Generator().manual_seed(0))
    assert z.shape == (1000, 8)
    assert z.min() >= -1 and z.max() <= 1 and z.min() < -0.9
    expected = (8 * 16 * 4 * 2 + 16 * 4 * 2) + 2 * 16 + \
        (16 * 8 * 25 + 8) + 2 * 8 + (8 * 4 * 25 + 4) + 2 * 4 + \
        (4 * 3 * 25 + 3)
    assert num_params(g) == expected


def test_generator_rejects_bad_sizes_with_the_fix():
    with pytest.raises(ValueError, match='divisible by'):
        MODELS.build(dict(type='SLSRDCGANGenerator', output_size=(100, 50)))
    g = MODELS.build(
        dict(type='SLSRDCGANGenerator', noise_size=4, output_size=16,
             base_channels=8, num_upsamples=2))
    with pytest.raises(ValueError, match=r'\(B, 4\)'):
        g(torch.zeros(2, 5))
