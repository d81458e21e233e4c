"""CR-GAN domain (Table 9) and camera (Table 10) discriminators."""
import pytest
import torch

from mmreidgen.registry import MODELS

# One intra-op thread for these small models (conftest.py).
pytestmark = pytest.mark.usefixtures('one_thread')


def test_domain_discriminator_patchgan():
    d = MODELS.build(dict(type='CRGANDomainDiscriminator', base_channels=8))
    out = d(torch.rand(2, 3, 64, 32))
    # Two stride-2 convs, then three stride-1 4x4 convs: a patch map.
    assert out.shape == (2, 1, 13, 5)
    # Linear LSGAN scores by default; Table 9's sigmoid on request.
    assert not any(isinstance(m, torch.nn.Sigmoid) for m in d.modules())
    full = MODELS.build(dict(type='CRGANDomainDiscriminator'))
    widths = [m.out_channels for m in full.modules()
              if isinstance(m, torch.nn.Conv2d)]
    assert widths == [128, 256, 512, 512, 1]
    sig = MODELS.build(dict(type='CRGANDomainDiscriminator', base_channels=8,
                            output_act='sigmoid'))
    assert isinstance(sig.model[-1], torch.nn.Sigmoid)
    scores = sig(torch.rand(2, 3, 64, 32))
    assert 0 <= scores.min() and scores.max() <= 1


def test_domain_discriminator_noise_only_in_training():
    torch.manual_seed(0)
    d = MODELS.build(dict(type='CRGANDomainDiscriminator', base_channels=8,
                          noise_std=0.1))
    x = torch.rand(1, 3, 32, 16)
    d.eval()
    assert torch.equal(d(x), d(x))
    d.train()
    assert not torch.equal(d(x), d(x))
    noise = d.model[0]
    assert noise.std == 0.1
    torch.manual_seed(1)
    sample = noise(torch.zeros(20000))
    assert abs(float(sample.std()) - 0.1) < 0.005
    with pytest.raises(ValueError, match='output_act'):
        MODELS.build(dict(type='CRGANDomainDiscriminator', output_act='tanh'))


def test_camera_discriminator():
    d = MODELS.build(dict(type='CRGANCameraDiscriminator', num_classes=6,
                          base_channels=4))
    logits = d(torch.rand(3, 3, 64, 32))
    assert logits.shape == (3, 6)
    convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 5  # "5 layers": 4 hidden convs + the classifier
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules()) == 3
    # It can learn: a few steps separate two constant-colour "cameras".
    opt = torch.optim.Adam(d.parameters(), 1e-2)
    x = torch.cat([torch.full((4, 3, 32, 16), -0.5),
                   torch.full((4, 3, 32, 16), 0.5)])
    y = torch.tensor([0] * 4 + [1] * 4)
    for _ in range(20):
        loss = torch.nn.functional.cross_entropy(d(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    d.eval()
    assert (d(x).argmax(1) == y).all()
    with pytest.raises(ValueError, match='num_classes'):
        MODELS.build(dict(type='CRGANCameraDiscriminator', num_classes=1))
