"""G of DG-Net: Table 7 shapes, AdaIN routing and the building blocks."""
import pytest
import torch

from mmreidgen.models.generators.dgnet_modules import (
    DGNetLayerNorm,
    adaptive_instance_norm,
)
from mmreidgen.registry import MODELS


def conv(cin, cout, k):
    return cout * cin * k * k + cout


def linear(cin, cout):
    return cin * cout + cout


def decoder_params(c=128, code_dim=8192, num_res=4, mlp=512):
    """Table 7 plus the 2 x num_res AdaIN MLPs of the reference."""
    res = num_res * 2 * conv(c, c, 3)  # AdaIN has no own parameters
    up = conv(c, c // 2, 5) + 2 * (c // 2) + conv(c // 2, c // 4, 5) + \
        2 * (c // 4)  # + layer-norm gamma and beta per channel
    head = 2 * conv(c // 4, c // 4, 3) + conv(c // 4, 3, 1)
    mlp_one = linear(code_dim // num_res, mlp) + linear(mlp, mlp) + \
        linear(mlp, 2 * c)
    return res + up + head + 2 * num_res * mlp_one


def test_full_size_image_and_parameters():
    dec = MODELS.build(dict(type='DGNetDecoder'))
    # 1,455,555 for the convolutions and norms, 8 x 1,443,072 for the MLPs
    assert decoder_params() == 1455555 + 8 * 1443072
    assert sum(p.numel() for p in dec.parameters()) == decoder_params()
    assert dec.num_adain_params() == 2 * 2 * 128 * 4
    code = torch.randn(1, 8192)
    assert dec(code, torch.randn(1, 128, 64, 32)).shape == (1, 3, 256, 128)
    params = dec.adain_params(code)
    assert len(params) == 4
    assert all(w.shape == (1, 128) and b.shape == (1, 128)
               for pair in params for w, b in pair)


def tiny_decoder():
    return MODELS.build(
        dict(type='DGNetDecoder', in_channels=16, code_dim=64, mlp_dim=8))


def test_small_decoder_output_shape():
    dec = tiny_decoder()
    out = dec(torch.randn(2, 64), torch.randn(2, 16, 16, 8))
    assert out.shape == (2, 3, 64, 32)
    with pytest.raises(ValueError, match='code_dim'):
        dec(torch.randn(2, 60), torch.randn(2, 16, 16, 8))
    with pytest.raises(ValueError, match='channels'):
        dec(torch.randn(2, 64), torch.randn(2, 8, 16, 8))


def test_code_slice_k_drives_only_residual_block_k():
    dec = tiny_decoder()
    code = torch.randn(1, 64)
    moved = code.clone()
    moved[:, 32:48] += 1.0  # slice 2 of 4 (16 dims each)
    before, after = dec.adain_params(code), dec.adain_params(moved)
    for k in range(4):
        same = all(
            torch.equal(x, y) for pair_a, pair_b in zip(before[k], after[k])
            for x, y in zip(pair_a, pair_b))
        assert same == (k != 2)


def test_appearance_code_changes_the_image():
    dec = tiny_decoder()
    s = torch.randn(1, 16, 16, 8)
    assert not torch.allclose(dec(torch.randn(1, 64), s),
                              dec(torch.randn(1, 64), s))


def test_adain_matches_its_definition():
    x = torch.randn(2, 3, 5, 4)
    w, b = torch.randn(2, 3), torch.randn(2, 3)
    mean = x.mean((2, 3), keepdim=True)
    var = x.var((2, 3), unbiased=False, keepdim=True)
    expected = (x - mean) / (var + 1e-5).sqrt() * w[..., None, None] + \
        b[..., None, None]
    assert torch.allclose(adaptive_instance_norm(x, w, b), expected,
                          atol=1e-5)
    with pytest.raises(ValueError, match='B x C'):
        adaptive_instance_norm(x, w[:, :2], b)


def test_munit_layer_norm_uses_sample_mean_and_unbiased_std():
    ln = DGNetLayerNorm(3)
    assert torch.all((ln.gamma >= 0) & (ln.gamma <= 1))
    assert torch.all(ln.beta == 0)
    x = torch.randn(2, 3, 4, 4) * 3 + 1
    flat = x.flatten(1)
    norm = (x - flat.mean(1).view(-1, 1, 1, 1)) / (
        flat.std(1).view(-1, 1, 1, 1) + 1e-5)
    expected = norm * ln.gamma.view(1, -1, 1, 1)
    assert torch.allclose(ln(x), expected, atol=1e-5)


def test_interpolated_codes():
    a, b = torch.zeros(4), torch.ones(4)
    codes = MODELS.get('DGNetDecoder').interpolate_codes(
        a, b, [0, 0.25, 1])
    assert torch.allclose(codes[:, 0], torch.tensor([0, 0.25, 1.0]))
