"""E_a of DG-Net: ResNet-50 last stride 1, 8192-d code, two 512-d heads."""
import pytest
import torch

from mmreidgen.registry import MODELS

# One thread: OpenMP threads spin on a busy 2-core machine (conftest.py).
pytestmark = pytest.mark.usefixtures('one_thread')


def bottleneck(cin, mid, downsample):
    """1x1, 3x3, 1x1 convs (no bias) + BNs, and the projection shortcut."""
    out = 4 * mid
    params = cin * mid + 2 * mid + mid * mid * 9 + 2 * mid + \
        mid * out + 2 * out
    if downsample:
        params += cin * out + 2 * out
    return params


def resnet50_params():
    """torchvision/mmpretrain ResNet-50 without its fc layer."""
    params = 3 * 64 * 49 + 2 * 64  # stem conv 7x7 and its BN
    cin = 64
    for blocks, mid in ((3, 64), (4, 128), (6, 256), (3, 512)):
        for i in range(blocks):
            params += bottleneck(cin, mid, i == 0)
            cin = 4 * mid
    return params


def head_params(num_classes, cin=2048, feat=512):
    """Linear(2048, 512) -> BN1d(512) -> Dropout -> Linear(512, C)."""
    return cin * feat + feat + 2 * feat + feat * num_classes + num_classes


def r50_encoder(num_classes=751):
    return MODELS.build(
        dict(type='DGNetAppearanceEncoder', num_classes=num_classes,
             backbone=dict(type='mmpretrain.ResNet', depth=50,
                           strides=(1, 2, 2, 1), out_indices=(3, ))))


def test_resnet50_encoder_parameters_shapes_and_heads():
    enc = r50_encoder()
    assert resnet50_params() == 23508032
    expected = resnet50_params() + 2 * head_params(751)
    assert sum(p.numel() for p in enc.parameters()) == expected
    assert enc.head_prim.dropout.p == 0.5
    assert enc.head_fine.dropout.p == 0.75
    assert not any(isinstance(m, torch.nn.ReLU)
                   for m in enc.head_prim.modules())
    x = torch.randn(2, 3, 256, 128)
    feat_map = enc.feature_map(x)
    assert feat_map.shape == (2, 2048, 16, 8)  # last stride 1
    code = enc.code(feat_map)
    assert code.shape == (2, 8192)
    # channel-major layout: index = c * 4 + stripe, stripe = 4 rows.
    stripes = feat_map.view(2, 2048, 4, 4, 8).amax(dim=(3, 4))
    assert torch.equal(code.view(2, 2048, 4), stripes)


def tiny_encoder(num_classes=5):
    return MODELS.build(
        dict(type='DGNetAppearanceEncoder', num_classes=num_classes,
             in_channels=64,
             backbone=dict(type='mmpretrain.ResNet', depth=18,
                           stem_channels=8, base_channels=8,
                           strides=(1, 2, 2, 1), out_indices=(3, ))))


def test_forward_gives_code_and_two_logits_and_embed_two_features():
    enc = tiny_encoder()
    code, prim, fine = enc(torch.randn(4, 3, 64, 32))
    assert code.shape == (4, 256) and enc.code_dim == 256
    assert prim.shape == fine.shape == (4, 5)
    enc.eval()
    f_prim, f_fine = enc.embed(torch.randn(2, 3, 64, 32))
    assert f_prim.shape == f_fine.shape == (2, 512)


def test_heads_are_fed_by_the_global_max_pool():
    enc = tiny_encoder().eval()
    x = torch.randn(2, 3, 64, 32)
    pooled = enc.feature_map(x).amax(dim=(2, 3))
    assert torch.allclose(enc(x)[1], enc.head_prim(pooled))
    assert torch.allclose(enc.embed(x)[1], enc.head_fine.embed(pooled))


def test_head_initialisation():
    enc = tiny_encoder()
    head = enc.head_prim
    assert torch.all(head.bottleneck.bias == 0)
    assert torch.all(head.classifier.bias == 0)
    assert head.classifier.weight.std().item() < 0.002
    assert torch.all(head.bn.weight == 1)


def test_wrong_in_channels_is_reported():
    enc = MODELS.build(
        dict(type='DGNetAppearanceEncoder', num_classes=5, in_channels=128,
             backbone=dict(type='mmpretrain.ResNet', depth=18,
                           stem_channels=8, base_channels=8,
                           out_indices=(3, ))))
    with pytest.raises(ValueError, match='in_channels'):
        enc(torch.randn(1, 3, 64, 32))
