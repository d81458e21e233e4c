"""Library image metrics: SSIM, FID (local FID Inception file), LPIPS."""
import inspect
import os.path as osp

import numpy as np
import pytest
import torch

from mmreidgen.evaluation.functional import diversity as div
from mmreidgen.evaluation.functional import fid
from mmreidgen.evaluation.functional import image_metrics as im

pytestmark = pytest.mark.early(25)


def _ssim_by_loops(a, b, size=11, sigma=1.5):
    """Independent SSIM of two HxW arrays: a loop over valid windows."""
    c = np.arange(size) - (size - 1) / 2
    g = np.exp(-c**2 / (2 * sigma**2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = 0.01**2, 0.03**2
    vals = []
    for i in range(a.shape[0] - size + 1):
        for j in range(a.shape[1] - size + 1):
            pa, pb = a[i:i + size, j:j + size], b[i:i + size, j:j + size]
            ma, mb = (w * pa).sum(), (w * pb).sum()
            va, vb = (w * (pa - ma)**2).sum(), (w * (pb - mb)**2).sum()
            cov = (w * (pa - ma) * (pb - mb)).sum()
            vals.append((2 * ma * mb + c1) * (2 * cov + c2) /
                        ((ma**2 + mb**2 + c1) * (va + vb + c2)))
    return float(np.mean(vals))


def test_ssim_equals_independent_value():
    rng = np.random.default_rng(0)
    a = rng.random((1, 1, 16, 14))
    b = np.clip(a + rng.normal(0, 0.2, a.shape), 0, 1)
    # torchmetrics: reflection padding, every pixel position
    padded = [np.pad(x[0, 0], 5, mode='reflect') for x in (a, b)]
    got = im.ssim_torchmetrics(torch.tensor(a), torch.tensor(b))
    assert float(got) == pytest.approx(_ssim_by_loops(*padded), abs=1e-9)
    # Wang et al.'s reference (valid windows only) is diversity.ssim; the
    # two conventions differ measurably on small crops
    valid = _ssim_by_loops(a[0, 0], b[0, 0])
    assert float(div.ssim(torch.tensor(a), torch.tensor(b))) == \
        pytest.approx(valid, abs=1e-9)
    assert abs(float(got) - valid) > 0.01
    x = torch.rand(3, 3, 32, 16)
    assert im.ssim_torchmetrics(x, x).tolist() == pytest.approx([1.0] * 3)


@pytest.fixture(scope='module')
def random_fid_inception(tmp_path_factory):
    """torch-fidelity's FID Inception with random weights, saved to a file
    (built without its download)."""
    import torch_fidelity.feature_extractor_inceptionv3 as tfi
    mp = pytest.MonkeyPatch()
    mp.setattr(tfi, 'load_state_dict_from_url', lambda *a, **k: {})
    mp.setattr(tfi.FeatureExtractorInceptionV3, 'load_state_dict',
               lambda self, state: None)
    torch.manual_seed(0)
    net = tfi.FeatureExtractorInceptionV3('inception-v3-compat', ['2048'])
    mp.undo()
    path = tmp_path_factory.mktemp('fid') / im.FID_INCEPTION_FILE
    torch.save(net.state_dict(), path)
    return str(path)


def _no_download(monkeypatch):
    import torch_fidelity.feature_extractor_inceptionv3 as tfi

    def refuse(*args, **kwargs):
        raise AssertionError('tried to download')

    monkeypatch.setattr(tfi, 'load_state_dict_from_url', refuse)


def test_fid_library_path_from_local_file(random_fid_inception, monkeypatch):
    _no_download(monkeypatch)
    torch.manual_seed(0)
    real = torch.rand(80, 3, 32, 16)
    fake = (real * 0.6 + 0.3 * torch.rand(80, 3, 32, 16)).clamp(0, 1)
    # the Inception loaded back from the file: features, then our math
    net = im.FIDInceptionFeatures(random_fid_inception, feature=64)
    f_real = fid.extract_features(real.split(40), net)
    f_fake = fid.extract_features(fake.split(40), net)
    assert f_real.shape == (80, 64)
    ours = fid.fid_from_features(f_real, f_fake)
    lib = im.fid_torchmetrics(real.split(40), fake.split(40),
                              random_fid_inception, feature=64)
    assert ours > 0 and np.isfinite(ours)
    assert lib == pytest.approx(ours, rel=1e-3)
    assert fid.fid_from_features(f_real, f_real) == pytest.approx(
        0, abs=1e-3)
    # InceptionFeatures recognises the FID file and uses this network
    feats = fid.InceptionFeatures(random_fid_inception)(real[:2])
    assert feats.shape == (2, 2048)
    assert torch.allclose(
        feats, im.FIDInceptionFeatures(random_fid_inception)(real[:2]))


def test_fid_weights_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing is downloaded'):
        im.check_fid_inception(str(tmp_path / 'none.pth'))
    from torchvision.models import inception_v3
    path = tmp_path / 'tv_inception.pth'
    torch.save(
        inception_v3(weights=None, aux_logits=True,
                     init_weights=False).state_dict(), path)
    with pytest.raises(ValueError, match='not the FID Inception'):
        im.check_fid_inception(str(path))


def test_lpips_library_equals_in_house(tmp_path):
    from torchvision.models import alexnet
    torch.manual_seed(0)
    torch.save(alexnet(weights=None).state_dict(), tmp_path / 'alex.pth')
    import torchmetrics.functional.image.lpips as tm_lpips
    lin = osp.join(osp.dirname(inspect.getfile(tm_lpips)), 'lpips_models',
                   'alex.pth')
    lib = im.LPIPSTorchmetrics(str(tmp_path / 'alex.pth'))
    own = div.LPIPS(str(tmp_path / 'alex.pth'), lin)
    x, y = torch.rand(3, 3, 64, 32), torch.rand(3, 3, 64, 32)
    assert torch.allclose(lib(x, y), own(x, y), rtol=1e-4, atol=1e-6)
    assert torch.allclose(lib(x, x), torch.zeros(3), atol=1e-6)
    assert div.set_diversity(x, 4, 'lpips', lib) > 0
    with pytest.raises(FileNotFoundError, match='alexnet-owt-7be5be79'):
        im.LPIPSTorchmetrics(str(tmp_path / 'missing.pth'))
