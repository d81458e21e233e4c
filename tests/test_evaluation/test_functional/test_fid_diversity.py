"""FID (checked against an independent computation) and diversity."""
import numpy as np
import pytest
import torch
import torch.nn as nn

from mmreidgen.evaluation.functional import diversity as div
from mmreidgen.evaluation.functional import fid


def _spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + 0.1 * np.eye(d)


def _fid_by_eigh(mu1, s1, mu2, s2):
    """Independent: Tr((S1^1/2 S2 S1^1/2)^1/2) from symmetric eigh."""
    w, v = np.linalg.eigh(s1)
    root1 = v @ np.diag(np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = root1 @ s2 @ root1
    tr = np.sqrt(np.clip(np.linalg.eigvalsh(inner), 0, None)).sum()
    return float(((mu1 - mu2)**2).sum() + np.trace(s1) + np.trace(s2) -
                 2 * tr)


def test_frechet_distance_matches_eigh_computation():
    rng = np.random.default_rng(0)
    for d in (1, 3, 16):
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        s1, s2 = _spd(rng, d), _spd(rng, d)
        assert fid.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(
            _fid_by_eigh(mu1, s1, mu2, s2), rel=1e-6, abs=1e-8)


def test_frechet_distance_closed_forms():
    # Diagonal covariances: sum (sqrt(a) - sqrt(b))^2 plus the mean term.
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 9.0])
    mu1, mu2 = np.zeros(3), np.array([1.0, 2.0, 0.0])
    expected = 5.0 + ((np.sqrt(a) - np.sqrt(b))**2).sum()
    assert fid.frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == \
        pytest.approx(expected)
    # Identical Gaussians are at distance 0.
    s = _spd(np.random.default_rng(1), 5)
    assert fid.frechet_distance(np.ones(5), s, np.ones(5), s) == \
        pytest.approx(0, abs=1e-6)
    with pytest.raises(ValueError, match='shape mismatch'):
        fid.frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))


def test_fid_from_features():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 4))
    y = rng.normal(size=(4000, 4)) * 2 + 1
    # Gaussians N(0, I) vs N(1, 4I): 4 + 4 * (1 - 2)^2 = 8.
    assert fid.fid_from_features(x, y) == pytest.approx(8.0, rel=0.05)
    assert fid.fid_from_features(x, x) == pytest.approx(0, abs=1e-6)
    mu, sigma = fid.feature_statistics(x)
    assert mu.shape == (4, ) and sigma.shape == (4, 4)
    with pytest.raises(ValueError, match='N >= 2'):
        fid.feature_statistics(x[:1])


def test_inception_features_needs_local_weights(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match='nothing is downloaded'):
        fid.InceptionFeatures(str(tmp_path / 'missing.pth'))

    class TinyInception(nn.Module):
        """Stands in for torchvision's inception_v3 (same attributes)."""

        def __init__(self, **kwargs):
            super().__init__()
            self.conv = nn.Conv2d(3, 5, 1)
            self.AuxLogits = nn.Linear(1, 1)
            self.aux_logits = True
            self.fc = nn.Linear(5, 1000)

        def forward(self, x):
            return self.fc(self.conv(x).mean((2, 3)))

    import torchvision.models
    monkeypatch.setattr(torchvision.models, 'inception_v3', TinyInception)
    path = tmp_path / 'inception.pth'
    torch.save(TinyInception().state_dict(), path)
    net = fid.InceptionFeatures(str(path), resize=False)
    imgs = torch.rand(4, 3, 8, 8)
    feats = fid.extract_features(imgs.split(2), net)
    assert feats.shape == (4, 5)  # fc removed: pool features
    ref = TinyInception()
    ref.load_state_dict(torch.load(path))
    normed = (imgs - torch.tensor(fid._IMAGENET_MEAN).view(1, 3, 1, 1)) / \
        torch.tensor(fid._IMAGENET_STD).view(1, 3, 1, 1)
    assert np.allclose(feats, ref.conv(normed).mean((2, 3)).detach(),
                       atol=1e-5)


def _ssim_reference(a, b, size=3, sigma=1.5):
    """Independent loop SSIM of two HxW arrays, valid positions."""
    c = np.arange(size) - (size - 1) / 2
    g = np.exp(-c**2 / (2 * sigma**2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    vals = []
    for i in range(a.shape[0] - size + 1):
        for j in range(a.shape[1] - size + 1):
            pa, pb = a[i:i + size, j:j + size], b[i:i + size, j:j + size]
            ma, mb = (w * pa).sum(), (w * pb).sum()
            va = (w * (pa - ma)**2).sum()
            vb = (w * (pb - mb)**2).sum()
            cov = (w * (pa - ma) * (pb - mb)).sum()
            c1, c2 = 0.01**2, 0.03**2
            vals.append((2 * ma * mb + c1) * (2 * cov + c2) /
                        ((ma**2 + mb**2 + c1) * (va + vb + c2)))
    return float(np.mean(vals))


def test_ssim_matches_reference():
    rng = np.random.default_rng(0)
    a = rng.random((1, 1, 6, 5))
    b = np.clip(a + rng.normal(0, 0.2, a.shape), 0, 1)
    got = div.ssim(torch.tensor(a), torch.tensor(b), window_size=3)
    assert float(got) == pytest.approx(_ssim_reference(a[0, 0], b[0, 0]),
                                       abs=1e-9)
    x = torch.rand(2, 3, 16, 8)
    assert div.ssim(x, x).tolist() == pytest.approx([1.0, 1.0])
    assert div.dssim(x, x).tolist() == pytest.approx([0.0, 0.0], abs=1e-6)
    y = torch.rand(2, 3, 16, 8)
    assert torch.allclose(div.ssim(x, y), div.ssim(y, x))
    assert torch.allclose(div.l1_distance(x, 1 - x), (2 * x - 1).abs().mean(
        (1, 2, 3)))


def test_set_and_conditional_diversity():
    torch.manual_seed(0)
    same = torch.rand(1, 3, 16, 8).expand(10, -1, -1, -1)
    noisy = torch.rand(10, 3, 16, 8)
    for metric in ('dssim', 'l1'):
        assert div.set_diversity(same, 50, metric) == pytest.approx(0)
        assert div.set_diversity(noisy, 50, metric) > 0.1
        # A generator that ignores the guide: conditional diversity 0.
        assert div.conditional_diversity([noisy, noisy.clone()],
                                         metric) == pytest.approx(0)
        assert div.conditional_diversity(
            [noisy, torch.rand(10, 3, 16, 8), torch.rand(10, 3, 16, 8)],
            metric) > 0.1
    pairs = div.random_pairs(5, 100, seed=1)
    assert pairs.shape == (100, 2) and (pairs[:, 0] != pairs[:, 1]).all()
    assert pairs.max() < 5
    with pytest.raises(ValueError, match='lpips'):
        div.pair_distance('lpips')
    with pytest.raises(ValueError, match='metric'):
        div.pair_distance('psnr')
    with pytest.raises(ValueError, match='at least 2 guides'):
        div.conditional_diversity([noisy])


def test_lpips_from_local_files(tmp_path):
    from torchvision.models import alexnet
    with pytest.raises(FileNotFoundError, match='dssim'):
        div.LPIPS(str(tmp_path / 'a.pth'), str(tmp_path / 'b.pth'))
    torch.manual_seed(0)
    feats = alexnet(weights=None).features
    torch.save({f'features.{k}': v for k, v in feats.state_dict().items()},
               tmp_path / 'alex.pth')
    lins = {f'lin{i}.model.1.weight': torch.rand(1, c, 1, 1)
            for i, c in enumerate(div._ALEX_CHANNELS)}
    torch.save(lins, tmp_path / 'lin.pth')
    lpips = div.LPIPS(str(tmp_path / 'alex.pth'), str(tmp_path / 'lin.pth'))
    x, y = torch.rand(2, 3, 64, 32), torch.rand(2, 3, 64, 32)
    assert torch.allclose(lpips(x, x), torch.zeros(2))
    assert torch.allclose(lpips(x, y), lpips(y, x))
    # Independent recomputation from the AlexNet taps.
    shift = torch.tensor(div._LPIPS_SHIFT).view(1, 3, 1, 1)
    scale = torch.tensor(div._LPIPS_SCALE).view(1, 3, 1, 1)
    fx, fy = (x * 2 - 1 - shift) / scale, (y * 2 - 1 - shift) / scale
    ref, layer = torch.zeros(2), 0
    for i, m in enumerate(feats[:12]):
        fx, fy = m(fx), m(fy)
        if i in div._ALEX_TAPS:
            nx = fx / (fx.norm(dim=1, keepdim=True) + 1e-10)
            ny = fy / (fy.norm(dim=1, keepdim=True) + 1e-10)
            w = lins[f'lin{layer}.model.1.weight'].view(1, -1, 1, 1)
            ref += ((nx - ny)**2 * w).sum(1).mean((1, 2))
            layer += 1
    assert torch.allclose(lpips(x, y), ref, atol=1e-5)
    assert div.set_diversity(x, 5, 'lpips', lpips) > 0
