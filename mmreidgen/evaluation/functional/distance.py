"""Pairwise distances between embeddings, computed with torch."""
from typing import Optional, Union

import numpy as np
import torch
from torch import Tensor

ArrayLike = Union[np.ndarray, Tensor]

METRICS = ('euclidean', 'cosine')


def check_metric(metric: str) -> None:
    """Raise a ValueError unless ``metric`` is a known distance name."""
    if metric not in METRICS:
        raise ValueError(f'metric must be one of {METRICS}, got {metric!r}.')


def resolve_device(device: Optional[Union[str, torch.device]]
                   ) -> torch.device:
    """The device evaluation runs on.

    Args:
        device (str | torch.device, optional): ``'auto'`` (CUDA when
            available, else CPU), ``'cpu'``, ``'cuda'``, ``'cuda:N'`` or a
            ``torch.device``. None means ``'cpu'``.

    Returns:
        torch.device: The device.
    """
    if device is None:
        return torch.device('cpu')
    if device == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got "
            f'{device!r}.') from err
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise ValueError(
            f'device={str(device)!r} was asked for but torch sees no CUDA '
            "device on this machine; use device='auto' (CUDA when present) "
            "or device='cpu'.")
    if device.type not in ('cpu', 'cuda'):
        raise ValueError(f"device must be a CPU or CUDA device, got "
                         f'{str(device)!r}.')
    return device


def as_feature_tensor(feats: ArrayLike, name: str = 'feats') -> Tensor:
    """Return ``feats`` as a 2-D floating tensor without copying if possible.

    Half-precision inputs are promoted to float32 because CPU matrix products
    in half precision are slow and inexact.

    Args:
        feats (np.ndarray | Tensor): An ``N x D`` array of embeddings.
        name (str): Name used in error messages. Defaults to 'feats'.

    Returns:
        Tensor: The features, on their original device.
    """
    if isinstance(feats, np.ndarray):
        feats = torch.from_numpy(np.ascontiguousarray(feats))
    elif not isinstance(feats, Tensor):
        raise TypeError(f'{name} must be a numpy array or a torch tensor, '
                        f'got {type(feats).__name__}.')
    if feats.dim() != 2:
        raise ValueError(f'{name} must be 2-D (N x D), got shape '
                         f'{tuple(feats.shape)}.')
    if not feats.is_floating_point() or feats.dtype in (torch.float16,
                                                        torch.bfloat16):
        feats = feats.float()
    return feats.detach()


def pairwise_distance(x: ArrayLike,
                      y: ArrayLike,
                      metric: str = 'euclidean',
                      squared: bool = False) -> Tensor:
    """Distances between the rows of ``x`` and the rows of ``y``.

    ``'euclidean'`` is ``||x - y||`` computed as
    ``sqrt(max(|x|^2 + |y|^2 - 2 x.y, 0))``; ``'cosine'`` is
    ``1 - cos(x, y)``. With ``squared=True`` the Euclidean distance is not
    square-rooted and the cosine distance is returned unchanged (it already
    plays the role of a squared distance: ``2 - 2 cos`` is the squared
    Euclidean distance of unit vectors).

    Args:
        x (np.ndarray | Tensor): ``M x D`` embeddings.
        y (np.ndarray | Tensor): ``N x D`` embeddings.
        metric (str): ``'euclidean'`` or ``'cosine'``.
            Defaults to 'euclidean'.
        squared (bool): Return the squared Euclidean distance.
            Defaults to False.

    Returns:
        Tensor: ``M x N`` distances, on the device of ``x``.
    """
    chunked = ChunkedDistance(x, y, metric, squared)
    return chunked.rows(0, chunked.shape[0])


def _euclidean(x: Tensor, y: Tensor, y_sq: Tensor, squared: bool) -> Tensor:
    """Euclidean distance with the squared norms of ``y`` precomputed."""
    dist = torch.addmm(y_sq[None, :], x, y.t(), alpha=-2)
    dist += x.pow(2).sum(1, keepdim=True)
    dist.clamp_(min=0)
    return dist if squared else dist.sqrt_()


class ChunkedDistance:
    """Rows of ``pairwise_distance(x, y)`` computed a chunk at a time.

    ``y`` is prepared once (normalised for cosine, squared norms for
    Euclidean), so a chunk of rows costs one matrix product and the full
    matrix never exists.

    Args:
        x (np.ndarray | Tensor): ``M x D`` embeddings (the rows).
        y (np.ndarray | Tensor): ``N x D`` embeddings (the columns).
        metric (str): ``'euclidean'`` or ``'cosine'``.
        squared (bool): See :func:`pairwise_distance`. Defaults to False.
    """

    def __init__(self,
                 x: ArrayLike,
                 y: ArrayLike,
                 metric: str = 'euclidean',
                 squared: bool = False) -> None:
        check_metric(metric)
        x = as_feature_tensor(x, 'x')
        y = as_feature_tensor(y, 'y').to(device=x.device)
        if x.shape[1] != y.shape[1]:
            raise ValueError('x and y must have the same feature dimension, '
                             f'got {x.shape[1]} and {y.shape[1]}.')
        dtype = torch.promote_types(x.dtype, y.dtype)
        self.metric = metric
        self.squared = squared
        self.x = x.to(dtype)
        self.y = y.to(dtype)
        if metric == 'cosine':
            self.x = torch.nn.functional.normalize(self.x, dim=1)
            self.y = torch.nn.functional.normalize(self.y, dim=1)
        else:
            self.y_sq = self.y.pow(2).sum(1)
        self.shape = (x.shape[0], y.shape[0])
        self.device = x.device

    def rows(self, start: int, stop: int) -> Tensor:
        """Return the distances of rows ``start:stop`` of ``x`` to ``y``."""
        x = self.x[start:stop]
        if self.metric == 'cosine':
            return 1 - x @ self.y.t()
        return _euclidean(x, self.y, self.y_sq, self.squared)
