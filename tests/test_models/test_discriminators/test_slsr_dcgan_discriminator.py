import pytest
import torch

from mmreidgen.registry import MODELS


def test_default_discriminator_shapes_and_parameters():
    d = MODELS.build(dict(type='SLSRDCGANDiscriminator'))
    assert d(torch.randn(2, 3, 128, 128)).shape == (2, )
    convs = (3 * 64 + 64 * 128 + 128 * 256 + 256 * 512) * 25 + \
        (64 + 128 + 256 + 512)
    bns = 2 * (128 + 256 + 512)  # no BN after the first convolution
    linear = 8 * 8 * 512 + 1
    assert sum(p.numel() for p in d.parameters()) == convs + bns + linear


def test_small_discriminator_and_size_check():
    d = MODELS.build(
        dict(type='SLSRDCGANDiscriminator', input_size=(32, 16),
             base_channels=4, num_downsamples=3))
    assert d(torch.randn(3, 3, 32, 16)).shape == (3, )
    with pytest.raises(ValueError, match='ReIDResize'):
        d(torch.randn(1, 3, 64, 32))
