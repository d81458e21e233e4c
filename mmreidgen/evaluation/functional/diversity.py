"""Diversity of generated images: mean distance over image pairs.

CR-GAN (Table 1) measures diversity with LPIPS (Zhang et al., CVPR 2018):
the mean perceptual distance between pairs of images, higher is more
diverse. LPIPS needs AlexNet and its learnt linear layers; both are read
from local files. Two weight-free distances need nothing downloaded and
work anywhere: ``'dssim'`` (``(1 - SSIM) / 2``, structural dissimilarity,
Wang et al., 2004) and ``'l1'`` (mean absolute pixel difference).

Two pairings are used for renderings:

- *set diversity* (the paper's "Source-Target data" row): random pairs of
  images of a set;
- *conditional diversity*: renderings of the same source image guided by
  different target images; 0 for a generator that ignores the target,
  such as "w/o dual condition".
"""
import os.path as osp
from typing import Callable, Dict, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

# LPIPS input scaling (the ``ScalingLayer`` constants of LPIPS v0.1).
_LPIPS_SHIFT = (-0.030, -0.088, -0.188)
_LPIPS_SCALE = (0.458, 0.448, 0.450)
# Output channels of AlexNet's five ReLU stages, tapped by LPIPS.
_ALEX_CHANNELS = (64, 192, 384, 256, 256)
_ALEX_TAPS = (1, 4, 7, 9, 11)  # indices in torchvision alexnet.features


def _check_pair(a: torch.Tensor, b: torch.Tensor) -> None:
    if a.shape != b.shape or a.dim() != 4:
        raise ValueError(
            f'images must be two NxCxHxW tensors of one shape, got '
            f'{tuple(a.shape)} and {tuple(b.shape)}')


def l1_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-pair mean absolute difference of images in [0, 1] (``N``)."""
    _check_pair(a, b)
    return (a - b).abs().flatten(1).mean(1)


def _gaussian_window(size: int, sigma: float) -> torch.Tensor:
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-coords**2 / (2 * sigma**2))
    g = g / g.sum()
    return torch.outer(g, g)


def ssim(a: torch.Tensor, b: torch.Tensor, window_size: int = 11,
         sigma: float = 1.5) -> torch.Tensor:
    """Per-pair SSIM of images in [0, 1] (Wang et al., TIP 2004).

    Gaussian window (11x11, sigma 1.5, shrunk to the image for tiny
    images), ``C1 = 0.01^2``, ``C2 = 0.03^2``, valid positions only, mean
    over channels and positions.

    Args:
        a (torch.Tensor): ``NxCxHxW`` images in [0, 1].
        b (torch.Tensor): Same shape.
        window_size (int): Defaults to 11.
        sigma (float): Defaults to 1.5.

    Returns:
        torch.Tensor: ``N`` SSIM values in [-1, 1].
    """
    _check_pair(a, b)
    size = min(window_size, a.shape[-1], a.shape[-2])
    c = a.shape[1]
    win = _gaussian_window(size, sigma).to(a).expand(c, 1, size, size)
    a, b = a.to(win), b.to(win)

    def filt(x):
        return F.conv2d(x, win, groups=c)

    mu_a, mu_b = filt(a), filt(b)
    var_a = filt(a * a) - mu_a**2
    var_b = filt(b * b) - mu_b**2
    cov = filt(a * b) - mu_a * mu_b
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / (
        (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return s.flatten(1).mean(1)


def dssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Structural dissimilarity ``(1 - SSIM) / 2`` in [0, 1] (``N``)."""
    return (1 - ssim(a, b)) / 2


class LPIPS(nn.Module):
    """LPIPS distance with AlexNet features (Zhang et al., CVPR 2018).

    Both weight files are local; nothing is downloaded:

    - ``alexnet_weights``: a torchvision ``alexnet`` state dict (ImageNet,
      e.g. ``alexnet-owt-7be5be79.pth``; only ``features.*`` is used);
    - ``lin_weights``: the five linear layers of LPIPS v0.1 for AlexNet
      (the ``alex.pth`` of the LPIPS project; keys ``lin{i}.model.1.weight``
      or ``{i}.weight``, each ``1xCx1x1``).

    ``d(x, y) = sum_l mean_hw || w_l * (f_l(x) - f_l(y)) ||^2`` with
    channel-normalised features ``f_l``.

    Args:
        alexnet_weights (str): Path of the AlexNet state dict.
        lin_weights (str): Path of the LPIPS linear layers.
    """

    def __init__(self, alexnet_weights: str, lin_weights: str) -> None:
        super().__init__()
        for name, path in (('alexnet_weights', alexnet_weights),
                           ('lin_weights', lin_weights)):
            if not path or not osp.isfile(path):
                raise FileNotFoundError(
                    f'LPIPS {name} {path!r} not found; LPIPS reads local '
                    'weight files only. Use metric="dssim" or "l1", which '
                    'need no weights.')
        from torchvision.models import alexnet
        self.features = alexnet(weights=None).features[:_ALEX_TAPS[-1] +
                                                       1].eval()
        state = torch.load(alexnet_weights, map_location='cpu',
                           weights_only=True)
        # A whole AlexNet or only its ``features`` part.
        state = {k[len('features.'):]: v for k, v in state.items()
                 if k.startswith('features.')}
        missing = set(self.features.state_dict()) - set(state)
        if missing:
            raise KeyError(
                f'{alexnet_weights} lacks AlexNet feature weights '
                f'{sorted(missing)[:4]}; pass a torchvision alexnet state '
                'dict.')
        self.features.load_state_dict(state)
        self.lins = nn.ModuleList(
            nn.Conv2d(ch, 1, 1, bias=False) for ch in _ALEX_CHANNELS)
        self.load_lin_weights(torch.load(
            lin_weights, map_location='cpu', weights_only=True))
        self.register_buffer('shift', torch.tensor(_LPIPS_SHIFT).view(
            1, 3, 1, 1), persistent=False)
        self.register_buffer('scale', torch.tensor(_LPIPS_SCALE).view(
            1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)

    def load_lin_weights(self, state: Dict[str, torch.Tensor]) -> None:
        """Load the linear layers from an LPIPS-style state dict."""
        for i, lin in enumerate(self.lins):
            key = next((k for k in (f'lin{i}.model.1.weight',
                                    f'{i}.weight', f'lins.{i}.weight')
                        if k in state), None)
            if key is None:
                raise KeyError(
                    f'no weight for LPIPS layer {i} in the lin_weights file '
                    f'(keys: {sorted(state)[:6]}...)')
            lin.weight.data.copy_(state[key].view_as(lin.weight))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Per-pair LPIPS of RGB images in [0, 1] (``N``)."""
        _check_pair(a, b)
        x = ((a * 2 - 1) - self.shift) / self.scale
        y = ((b * 2 - 1) - self.shift) / self.scale
        dist = a.new_zeros(a.size(0))
        layer = 0
        for i, module in enumerate(self.features):
            x, y = module(x), module(y)
            if i in _ALEX_TAPS:
                fx = x / (x.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
                fy = y / (y.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
                dist = dist + self.lins[layer]((fx - fy)**2).mean((1, 2, 3))
                layer += 1
        return dist


def pair_distance(metric: str = 'dssim',
                  lpips: Optional[LPIPS] = None
                  ) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The per-pair distance function named ``metric``.

    Args:
        metric (str): ``'dssim'``, ``'l1'`` or ``'lpips'``.
        lpips (LPIPS, optional): Required for ``'lpips'``.

    Returns:
        Callable: ``f(a, b) -> N`` distances.
    """
    if metric == 'dssim':
        return dssim
    if metric == 'l1':
        return l1_distance
    if metric == 'lpips':
        if lpips is None:
            raise ValueError(
                "metric='lpips' needs an LPIPS module built from local "
                'weights: LPIPS(alexnet_weights=..., lin_weights=...).')
        return lpips
    raise ValueError(
        f"metric must be 'dssim', 'l1' or 'lpips', got {metric!r}")


def random_pairs(num_images: int, num_pairs: int,
                 seed: int = 0) -> np.ndarray:
    """``num_pairs x 2`` random index pairs ``(i, j)`` with ``i != j``."""
    if num_images < 2:
        raise ValueError(f'need at least 2 images, got {num_images}')
    rng = np.random.default_rng(seed)
    first = rng.integers(0, num_images, num_pairs)
    second = (first + rng.integers(1, num_images, num_pairs)) % num_images
    return np.stack([first, second], 1)


def set_diversity(images: torch.Tensor, num_pairs: int = 1000,
                  metric: str = 'dssim', lpips: Optional[LPIPS] = None,
                  seed: int = 0, batch_size: int = 256) -> float:
    """Mean distance over random pairs of a set of images.

    Args:
        images (torch.Tensor): ``NxCxHxW`` in [0, 1].
        num_pairs (int): Random pairs. Defaults to 1000.
        metric (str): See :func:`pair_distance`. Defaults to 'dssim'.
        lpips (LPIPS, optional): For ``metric='lpips'``.
        seed (int): Pair sampling seed. Defaults to 0.
        batch_size (int): Pairs per distance call. Defaults to 256.

    Returns:
        float: The mean distance.
    """
    dist = pair_distance(metric, lpips)
    pairs = torch.from_numpy(random_pairs(len(images), num_pairs, seed))
    values = [
        dist(images[p[:, 0]], images[p[:, 1]])
        for p in pairs.split(batch_size)
    ]
    return float(torch.cat(values).mean())


def conditional_diversity(renderings: Sequence[torch.Tensor],
                          metric: str = 'dssim',
                          lpips: Optional[LPIPS] = None) -> float:
    """Mean distance between renderings of the same sources.

    Args:
        renderings (Sequence[torch.Tensor]): ``K >= 2`` tensors
            ``NxCxHxW`` in [0, 1]; entry ``k`` holds the N sources rendered
            with the k-th set of guides.
        metric (str): See :func:`pair_distance`. Defaults to 'dssim'.
        lpips (LPIPS, optional): For ``metric='lpips'``.

    Returns:
        float: Mean over sources and the ``K(K-1)/2`` guide pairs.
    """
    if len(renderings) < 2:
        raise ValueError(
            f'need renderings with at least 2 guides, got {len(renderings)}')
    dist = pair_distance(metric, lpips)
    values = [
        dist(renderings[i], renderings[j])
        for i in range(len(renderings))
        for j in range(i + 1, len(renderings))
    ]
    return float(torch.cat(values).mean())
