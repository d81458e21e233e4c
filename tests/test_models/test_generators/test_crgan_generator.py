"""CR-GAN dual conditional generator (Table 8) and cut-and-paste."""
import pytest
import torch

from mmreidgen.models.generators.crgan_generator import (
    CRGANDownBlock,
    CRGANUpBlock,
    num_unet_levels,
    same_pad,
)
from mmreidgen.registry import MODELS

# One intra-op thread for these small models (conftest.py).
pytestmark = pytest.mark.usefixtures('one_thread')


def build(**kwargs):
    cfg = dict(type='CRGANGenerator', img_size=(64, 32), base_channels=4)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_depth_adapts_to_size():
    # 224x112: 112x56 -> 56x28 -> 28x14 -> 14x7 -> 7x4 -> 4x2 -> 2x1.
    assert num_unet_levels((224, 112), 7) == 6
    assert num_unet_levels((64, 32), 7) == 4
    assert num_unet_levels((256, 128), 3) == 3
    assert num_unet_levels((8, 8), 7) == 2


@pytest.mark.parametrize('size', [(64, 32), (56, 28), (65, 33), (32, 32)])
def test_outputs_and_eq3(size):
    torch.manual_seed(0)
    g = build(img_size=size)
    xs, xt = torch.rand(2, 3, *size) * 2 - 1, torch.rand(2, 3, *size)
    mt = (torch.rand(2, 1, *size) > 0.5).float()
    out = g(xs, xt, target_mask=mt)
    assert out['fake'].shape == xs.shape
    assert out['context_mask'].shape == (2, 1, *size)
    assert out['residual'].abs().max() <= 1
    assert 0 <= out['context_mask'].min() <= out['context_mask'].max() <= 1
    # Eq. (3) and Eq. (2).
    expected = out['residual'] * out['context_mask'] + xs * (
        1 - out['context_mask'])
    assert torch.allclose(out['fake'], expected)
    assert torch.equal(out['masked_target'], xt * (1 - mt))


def test_table8_widths_at_paper_size():
    g = MODELS.build(dict(type='CRGANGenerator'))
    assert g.img_size == (224, 112) and g.num_levels == 6
    assert g.identity_pathway[0].out_channels == 64
    assert g.context_pathway[0].out_channels == 64
    widths = [b.conv1.out_channels for b in g.encoder]
    assert widths == [128, 256, 512, 512, 512]
    assert g.bottleneck.out_channels == 512
    assert g.decoder_out.conv.out_channels == 128
    assert g.decoder[-1].conv1.in_channels == 2 * 256  # with the skip
    # Instance norm only in the decoder.
    enc_norms = [m for m in g.encoder.modules()
                 if isinstance(m, torch.nn.InstanceNorm2d)]
    dec_norms = [m for m in g.decoder.modules()
                 if isinstance(m, torch.nn.InstanceNorm2d)]
    assert not enc_norms and dec_norms


def test_target_changes_output_only_with_dual_condition():
    torch.manual_seed(0)
    xs = torch.rand(1, 3, 64, 32)
    t1, t2 = torch.rand(1, 3, 64, 32), torch.rand(1, 3, 64, 32)
    g = build()
    assert not torch.allclose(g(xs, t1)['fake'], g(xs, t2)['fake'])
    single = build(dual_condition=False)
    assert single.context_pathway is None
    assert torch.equal(single(xs, t1)['fake'], single(xs, t2)['fake'])
    assert torch.equal(single(xs)['fake'], single(xs, t1)['fake'])
    with pytest.raises(ValueError, match='needs the target'):
        g(xs)


def test_masked_target_pixels_do_not_matter():
    # Whatever lies under M_T is removed by Eq. (2) before G sees it.
    torch.manual_seed(0)
    g = build()
    xs, xt = torch.rand(1, 3, 64, 32), torch.rand(1, 3, 64, 32)
    mt = torch.zeros(1, 1, 64, 32)
    mt[..., 16:48, 8:24] = 1
    xt2 = xt + 5 * mt
    assert torch.allclose(g(xs, xt, target_mask=mt)['fake'],
                          g(xs, xt2, target_mask=mt)['fake'])


def test_gradients_reach_both_pathways():
    g = build()
    out = g(torch.rand(2, 3, 64, 32), torch.rand(2, 3, 64, 32))
    out['fake'].mean().backward()
    assert g.identity_pathway[0].weight.grad.abs().sum() > 0
    assert g.context_pathway[0].weight.grad.abs().sum() > 0


def test_blocks_and_same_pad():
    x = torch.rand(1, 4, 7, 5)
    assert same_pad(x, 4, 2).shape[-2:] == (10, 8)
    down = CRGANDownBlock(4, 6)
    assert down(x).shape == (1, 6, 4, 3)  # ceil(7/2), ceil(5/2)
    up = CRGANUpBlock(6, 4)
    assert up(down(x), (7, 5)).shape == (1, 4, 7, 5)


def test_invalid_args():
    with pytest.raises(ValueError, match='img_size'):
        build(img_size=(2, 2))
    with pytest.raises(ValueError, match='max_levels'):
        build(max_levels=9)


def test_cut_paste():
    cp = MODELS.build(dict(type='CRGANCutPaste'))
    xs, xt = torch.ones(1, 3, 4, 2), torch.zeros(1, 3, 4, 2)
    ms = torch.tensor([[[[1., 0.], [1., 1.], [0., 0.], [0., 1.]]]])
    out = cp(xs, xt, source_mask=ms)
    assert torch.equal(out['fake'], ms.expand(1, 3, 4, 2))
    assert torch.equal(out['context_mask'], 1 - ms)
    with pytest.raises(ValueError, match='source_mask'):
        cp(xs, xt)
