"""D of DG-Net: three PatchGAN scales (Table 8), reference counts."""
import torch

from mmreidgen.registry import MODELS


def conv(cin, cout, k):
    return cout * cin * k * k + cout


def one_scale_params(c=32, num_res=4):
    """conv1x1, 3x3 s1, 3x3 s2, 3x3 s1, 3x3 s2 (-> 2c), ResBlocks, 1x1."""
    return (conv(3, c, 1) + 3 * conv(c, c, 3) + conv(c, 2 * c, 3) +
            num_res * 2 * conv(2 * c, 2 * c, 3) + conv(2 * c, 1, 1))


def test_three_scales_patch_maps_and_parameters():
    d = MODELS.build(dict(type='DGNetDiscriminator'))
    assert one_scale_params() == 341857
    assert sum(p.numel() for p in d.parameters()) == 3 * 341857
    outs = d(torch.randn(1, 3, 256, 128))
    assert [tuple(o.shape) for o in outs] == [(1, 1, 64, 32),
                                              (1, 1, 32, 16),
                                              (1, 1, 16, 8)]


def test_scales_see_downsampled_images():
    d = MODELS.build(
        dict(type='DGNetDiscriminator', base_channels=4, num_res=1))
    x = torch.randn(2, 3, 64, 32)
    outs = d(x)
    small = d.downsample(d.downsample(x))
    assert torch.allclose(outs[2], d.nets[2](small))
    assert [o.shape[-2:] for o in outs] == [(16, 8), (8, 4), (4, 2)]


def test_gaussian_init():
    d = MODELS.build(dict(type='DGNetDiscriminator'))
    d.init_weights()
    w = torch.cat([m.weight.flatten() for m in d.modules()
                   if isinstance(m, torch.nn.Conv2d)])
    assert abs(w.std().item() - 0.02) < 0.002
