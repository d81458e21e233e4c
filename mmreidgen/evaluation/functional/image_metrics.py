"""Image-quality metrics in the papers' settings, through torchmetrics.

- FID with the standard FID Inception (the TensorFlow
  ``pt_inception-2015-12-05`` network of Heusel et al., converted by
  torch-fidelity), read from a local file: the setting of published FID
  numbers. torchmetrics' :class:`FrechetInceptionDistance` and
  torch-fidelity's Inception (TF-style bilinear resize to 299, uint8
  input) are used unchanged.
- SSIM (Wang et al., 2004): torchmetrics, Gaussian window 11, sigma 1.5,
  ``K1 = 0.01``, ``K2 = 0.03``, data range 1. torchmetrics averages over
  every pixel of a reflection-padded image, whereas Wang et al.'s
  reference code (and :func:`.diversity.ssim`, the default here) averages
  over the positions where the window fits; on 128x64 re-id crops the two
  differ (measured in
  ``tests/test_evaluation/test_functional/test_image_metrics.py``), so
  :func:`.diversity.ssim` stays the default and this one is for
  comparison with torchmetrics-based numbers.
- LPIPS v0.1 with AlexNet (Zhang et al., CVPR 2018): torchmetrics' LPIPS
  network with the linear layers it ships, and the ImageNet AlexNet
  features from a local torchvision file.

Nothing is downloaded; every file is read with
``torch.load(..., weights_only=True)`` first, which also refuses a file
that is not plain tensors. The weight-free metrics of :mod:`.fid` and
:mod:`.diversity` stay for machines without these files.
"""
import os.path as osp
from typing import Iterable, Optional

import torch
import torch.nn as nn

FID_INCEPTION_FILE = 'weights-inception-2015-12-05-6726825d.pth'
FID_INCEPTION_URL = ('https://github.com/toshas/torch-fidelity/releases/'
                     'download/v0.2.0/' + FID_INCEPTION_FILE)
ALEXNET_URL = 'https://download.pytorch.org/models/alexnet-owt-7be5be79.pth'


def _load_local(path: Optional[str], what: str, source: str) -> dict:
    if not path or not osp.isfile(path):
        raise FileNotFoundError(
            f'{what} {path!r} not found; nothing is downloaded. Fetch '
            f'{source} on a machine with internet and pass its path '
            '(see docs/en/pretrained.md, "Image-quality metrics").')
    state = torch.load(path, map_location='cpu', weights_only=True)
    if isinstance(state, dict) and isinstance(state.get('state_dict'), dict):
        state = state['state_dict']
    if not isinstance(state, dict):
        raise ValueError(f'{path} holds a {type(state).__name__}, not a '
                         'state dict')
    return state


def is_fid_inception(state: dict) -> bool:
    """Whether a state dict is the FID Inception (1008-way TF classifier).

    torchvision's ``inception_v3`` has a 1000-way ``fc`` and other layer
    names (``Conv2d_1a_3x3.conv`` vs the same, but ``Mixed_7c`` blocks of
    another type); the FID network's ``fc`` has 1008 outputs.
    """
    fc = state.get('fc.weight')
    return (fc is not None and tuple(fc.shape) == (1008, 2048)
            and 'Mixed_7c.branch_pool.conv.weight' in state)


def check_fid_inception(path: Optional[str]) -> None:
    """Raise unless ``path`` is a local copy of the FID Inception weights."""
    state = _load_local(path, 'FID Inception weights',
                        f'{FID_INCEPTION_FILE} ({FID_INCEPTION_URL})')
    if not is_fid_inception(state):
        raise ValueError(
            f'{path} is not the FID Inception (pt_inception-2015-12-05, '
            f'{FID_INCEPTION_URL}): no 1008-way fc. torchvision\'s '
            'inception_v3 ImageNet file is another network; its FID is not '
            'comparable with published numbers (use InceptionFeatures for '
            'it).')


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """RGB ``Nx3xHxW`` in [0, 1] -> uint8, rounded as when saving a PNG."""
    if images.dim() != 4 or images.size(1) != 3:
        raise ValueError(
            f'images must be Nx3xHxW RGB, got {tuple(images.shape)}')
    return (images.clamp(0, 1) * 255).round().to(torch.uint8)


class FIDInceptionFeatures(nn.Module):
    """Features of the FID Inception from a local file (torch-fidelity).

    Args:
        weights (str): Local ``pt_inception-2015-12-05`` state dict
            (:data:`FID_INCEPTION_URL`).
        feature (int): 64, 192, 768 or 2048 (the pool features, used for
            FID). Defaults to 2048.
    """

    def __init__(self, weights: str, feature: int = 2048) -> None:
        super().__init__()
        check_fid_inception(weights)
        from torchmetrics.image.fid import NoTrainInceptionV3
        self.net = NoTrainInceptionV3(
            name='inception-v3-compat',
            features_list=[str(feature)],
            feature_extractor_weights_path=weights)
        self.feature = feature

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """``N x feature`` features of RGB images in [0, 1] (any size)."""
        return self.net(to_uint8(images))


def fid_torchmetrics(real: Iterable[torch.Tensor],
                     fake: Iterable[torch.Tensor],
                     weights: str,
                     feature: int = 2048,
                     device: Optional[str] = None) -> float:
    """FID between two image sets with torchmetrics and the FID Inception.

    Args:
        real (Iterable[Tensor]): Batches of real RGB images in [0, 1].
        fake (Iterable[Tensor]): Batches of generated images in [0, 1].
        weights (str): Local FID Inception file.
        feature (int): Inception feature. 2048 is the published setting.
            Defaults to 2048.
        device (str, optional): Where the network runs.

    Returns:
        float: The FID.
    """
    check_fid_inception(weights)
    from torchmetrics.image.fid import FrechetInceptionDistance
    metric = FrechetInceptionDistance(
        feature=feature, feature_extractor_weights_path=weights)
    if device is not None:
        metric = metric.to(device)
    for is_real, batches in ((True, real), (False, fake)):
        for batch in batches:
            if device is not None:
                batch = batch.to(device)
            metric.update(to_uint8(batch), real=is_real)
    return float(metric.compute())


def ssim_torchmetrics(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-pair SSIM of ``NxCxHxW`` images in [0, 1] (torchmetrics).

    Gaussian window 11x11, sigma 1.5, ``K1 = 0.01``, ``K2 = 0.03``; the
    mean over channels and every pixel of the reflection-padded images
    (torchmetrics' convention, not the reference's valid positions).
    """
    from torchmetrics.functional.image import (
        structural_similarity_index_measure,
    )
    return structural_similarity_index_measure(
        a, b, gaussian_kernel=True, sigma=1.5, kernel_size=11,
        data_range=1.0, k1=0.01, k2=0.03, reduction='none')


class LPIPSTorchmetrics(nn.Module):
    """LPIPS v0.1 (AlexNet) of torchmetrics, backbone from a local file.

    torchmetrics ships the LPIPS linear layers; only the ImageNet AlexNet
    comes from ``alexnet_weights`` (a torchvision ``alexnet`` state dict,
    :data:`ALEXNET_URL`), loaded into torchmetrics' network in place of its
    download.

    Args:
        alexnet_weights (str): Local torchvision AlexNet state dict.
        lin_weights (str, optional): LPIPS linear layers (keys
            ``lin{i}.model.1.weight``); None uses the ones torchmetrics
            ships. Defaults to None.
    """

    def __init__(self,
                 alexnet_weights: str,
                 lin_weights: Optional[str] = None) -> None:
        super().__init__()
        state = _load_local(alexnet_weights, 'AlexNet weights',
                            f'alexnet-owt-7be5be79.pth ({ALEXNET_URL})')
        # Private class: the public metric always downloads AlexNet.
        from torchmetrics.functional.image.lpips import _LPIPS
        net = _LPIPS(pretrained=True, net='alex', pnet_rand=True)
        if lin_weights is not None:
            lins = _load_local(lin_weights, 'LPIPS linear layers',
                               'the alex.pth of LPIPS v0.1')
            missing = net.load_state_dict(lins, strict=False).missing_keys
            if any(k.startswith('lin') for k in missing):
                raise KeyError(f'{lin_weights} lacks LPIPS linear layers: '
                               f'{[k for k in missing if "lin" in k][:3]}')
        # torchvision ``features.{i}`` sit in torchmetrics' slice1..5.
        where = {
            idx: f'{name}.{idx}'
            for name, slice_ in net.net.named_children()
            for idx, _ in slice_.named_children()
        }
        backbone = {}
        for key, value in state.items():
            parts = key.split('.')
            if parts[0] == 'features' and parts[1] in where:
                backbone[f'{where[parts[1]]}.{parts[2]}'] = value
        result = net.net.load_state_dict(backbone, strict=False)
        if result.missing_keys:
            raise KeyError(
                f'{alexnet_weights} lacks AlexNet feature weights '
                f'{result.missing_keys[:4]}; pass a torchvision alexnet '
                'state dict.')
        self.net = net.eval().requires_grad_(False)

    @torch.no_grad()
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Per-pair LPIPS of RGB images in [0, 1] (``N``)."""
        if a.shape != b.shape or a.dim() != 4:
            raise ValueError('images must be two NxCxHxW tensors of one '
                             f'shape, got {tuple(a.shape)}, {tuple(b.shape)}')
        return self.net(a, b, normalize=True).flatten()
