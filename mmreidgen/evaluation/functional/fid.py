"""Fréchet Inception Distance (Heusel et al., NeurIPS 2017).

Used to measure the fidelity of CR-GAN renderings (Table 1 of CR-GAN): the
Fréchet distance between Gaussians fitted to Inception-v3 pool features of
real target images and of generated images. Nothing is downloaded: the
Inception weights come from a local file. With the FID Inception file
(``pt_inception-2015-12-05``) the numbers are comparable with published
ones; :func:`.image_metrics.fid_torchmetrics` computes the same FID
entirely in torchmetrics.
"""
import os.path as osp
from typing import Callable, Iterable, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from scipy import linalg

from .image_metrics import FIDInceptionFeatures, is_fid_inception

# ImageNet statistics used by torchvision's Inception-v3 weights.
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


def feature_statistics(features: np.ndarray) -> Tuple[np.ndarray,
                                                        np.ndarray]:
    """Mean and (unbiased) covariance of ``NxD`` features.

    Args:
        features (np.ndarray): One row per image, at least two rows.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``mu`` (D) and ``sigma`` (DxD).
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(
            'features must be NxD with N >= 2 to estimate a covariance, '
            f'got shape {features.shape}')
    return features.mean(0), np.cov(features, rowvar=False)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray, eps: float = 1e-6) -> float:
    """Fréchet distance between ``N(mu1, sigma1)`` and ``N(mu2, sigma2)``.

    ``||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))``.
    When the product is near-singular, ``eps`` is added to both diagonals
    before the matrix square root; imaginary parts from rounding are
    dropped (an error is raised if they are large).

    Args:
        mu1 (np.ndarray): Mean of the first Gaussian (D).
        sigma1 (np.ndarray): Its covariance (DxD).
        mu2 (np.ndarray): Mean of the second Gaussian.
        sigma2 (np.ndarray): Its covariance.
        eps (float): Diagonal offset for singular products.
            Defaults to 1e-6.

    Returns:
        float: The distance (>= 0 up to rounding).
    """
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or \
            sigma1.shape != (mu1.size, mu1.size):
        raise ValueError(
            f'shape mismatch: mu {mu1.shape} / {mu2.shape}, sigma '
            f'{sigma1.shape} / {sigma2.shape}')
    diff = mu1 - mu2
    covmean = linalg.sqrtm(sigma1.dot(sigma2))
    if not np.isfinite(covmean).all():
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset).dot(sigma2 + offset))
    if np.iscomplexobj(covmean):
        imag = np.abs(covmean.imag).max()
        if imag > 1e-3 * max(1.0, np.abs(covmean.real).max()):
            raise ValueError(
                f'sqrtm returned a large imaginary part ({imag:.3g}); the '
                'covariances are ill-conditioned: use more images than '
                'feature dimensions.')
        covmean = covmean.real
    return float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) -
                 2 * np.trace(covmean))


def fid_from_features(real: np.ndarray, fake: np.ndarray) -> float:
    """FID between two ``NxD`` feature sets."""
    return frechet_distance(*feature_statistics(real),
                            *feature_statistics(fake))


class InceptionFeatures(nn.Module):
    """Inception-v3 pool features (2048-d) from a local weights file.

    Two files are accepted, told apart by their keys:

    - the FID Inception (``pt_inception-2015-12-05``, the TensorFlow
      network of published FIDs; see :mod:`.image_metrics`): features come
      from torch-fidelity's network through torchmetrics, with its
      TF-style resize to 299 and uint8 input, so FIDs are comparable with
      papers;
    - torchvision's ImageNet ``inception_v3`` (e.g.
      ``inception_v3_google-0cc3c7bd.pth``): a different Inception; its
      FIDs are comparable with each other only.

    Args:
        weights (str): Path of the state dict.
        resize (bool): Bilinear resize to 299x299 first. Defaults to True.
    """

    def __init__(self, weights: str, resize: bool = True) -> None:
        super().__init__()
        if not weights or not osp.isfile(weights):
            raise FileNotFoundError(
                f'Inception weights {weights!r} not found. FID needs a '
                'local state dict of torchvision inception_v3 (e.g. '
                'inception_v3_google-0cc3c7bd.pth); nothing is downloaded. '
                'Copy it to checkpoints/ and pass its path.')
        state = torch.load(weights, map_location='cpu', weights_only=True)
        state = state.get('state_dict', state)
        self.resize = resize
        self.fid_net = None
        if is_fid_inception(state):
            self.fid_net = FIDInceptionFeatures(weights)
            return
        from torchvision.models import inception_v3
        net = inception_v3(weights=None, aux_logits=True, init_weights=False)
        missing = net.load_state_dict(state, strict=False).missing_keys
        if missing:
            raise KeyError(
                f'{weights} is neither the FID Inception nor a torchvision '
                f'inception_v3 state dict: {len(missing)} keys missing '
                f'(e.g. {missing[:3]}).')
        net.fc = nn.Identity()
        net.AuxLogits = None
        net.aux_logits = False
        self.net = net.eval()
        self.register_buffer('mean', torch.tensor(_IMAGENET_MEAN).view(
            1, 3, 1, 1), persistent=False)
        self.register_buffer('std', torch.tensor(_IMAGENET_STD).view(
            1, 3, 1, 1), persistent=False)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """``Nx2048`` features of RGB images in [0, 1] (``Nx3xHxW``)."""
        if self.fid_net is not None:
            return self.fid_net(images)
        if self.resize:
            images = F.interpolate(images, size=(299, 299), mode='bilinear',
                                   align_corners=False)
        return self.net((images - self.mean) / self.std)


def extract_features(batches: Iterable[torch.Tensor],
                     extractor: Callable[[torch.Tensor], torch.Tensor],
                     device: Optional[str] = None) -> np.ndarray:
    """Run ``extractor`` over image batches; ``NxD`` float64 features."""
    feats = []
    for batch in batches:
        if device is not None:
            batch = batch.to(device)
        with torch.no_grad():
            feats.append(extractor(batch).double().cpu().numpy())
    if not feats:
        raise ValueError('extract_features got no batches.')
    return np.concatenate(feats)
