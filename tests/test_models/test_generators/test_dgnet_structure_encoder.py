"""E_s of DG-Net: shapes of Table 6 and the reference's parameter count."""
import pytest
import torch

from mmreidgen.registry import MODELS


def conv(cin, cout, k):
    """A biased conv: weights plus biases."""
    return cout * cin * k * k + cout


def structure_encoder_params(c=16, num_res=4):
    """Table 6 / the reference ContentEncoder (instance norm: no params)."""
    stem = conv(1, c, 3) + conv(c, 2 * c, 3)
    down = conv(2 * c, 2 * c, 3) + conv(2 * c, 4 * c, 3)
    res = num_res * 2 * conv(4 * c, 4 * c, 3)
    half = 2 * c  # ASPP branch width = channels / 2
    aspp = (conv(4 * c, half, 1) + 3 * (conv(4 * c, half, 1) +
                                        conv(half, half, 3)) +
            conv(4 * half, 4 * half, 1))
    return stem + down + res + aspp


def test_full_size_structure_code_and_parameters():
    enc = MODELS.build(dict(type='DGNetStructureEncoder'))
    # 160 + 4640 + 9248 + 18496 + 4 x 73856 + ASPP 52576
    assert structure_encoder_params() == 380544
    assert sum(p.numel() for p in enc.parameters()) == 380544
    gray = torch.randn(1, 1, 256, 128)
    assert enc(gray).shape == (1, 128, 64, 32)
    assert enc.out_channels == 128


def test_rgb_input_is_converted_to_gray():
    enc = MODELS.build(
        dict(type='DGNetStructureEncoder', base_channels=4,
             aspp_dilations=(1, 2, 3))).eval()
    rgb = torch.randn(2, 3, 64, 32)
    gray = rgb.mean(1, keepdim=True)
    assert torch.allclose(enc(rgb), enc(gray))
    assert enc(rgb).shape == (2, 32, 16, 8)
    with pytest.raises(ValueError, match='input channels'):
        enc(torch.randn(1, 2, 64, 32))


def test_too_small_image_for_the_dilations_is_reported():
    enc = MODELS.build(dict(type='DGNetStructureEncoder', base_channels=4))
    with pytest.raises(ValueError, match='aspp_dilations'):
        enc(torch.randn(1, 1, 64, 32))  # 16x8 code, dilation 9


def test_without_aspp_and_three_downsamplings():
    enc = MODELS.build(
        dict(type='DGNetStructureEncoder', base_channels=4,
             num_downsample=3, aspp=False))
    assert enc(torch.randn(1, 1, 64, 32)).shape == (1, 32, 8, 4)


def test_init_cfg_is_kaiming_fan_in_with_zero_bias():
    enc = MODELS.build(dict(type='DGNetStructureEncoder'))
    enc.init_weights()
    conv4 = enc.layers[3].conv  # 32 -> 64, 3x3
    assert torch.all(conv4.bias == 0)
    # Kaiming-normal fan-in: std = sqrt(2 / fan_in), fan_in = 32 * 9.
    expected = (2 / (32 * 9))**0.5
    assert abs(conv4.weight.std().item() - expected) < 0.1 * expected
