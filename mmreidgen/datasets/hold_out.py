"""Hold one training image per identity out, to choose a training length.

Ainam et al. (SLSR, Sec. 5.1) keep one image per training identity as a
validation set. Here the held-out images are queries and the rest of the
training images the gallery: their retrieval mAP (``ReIDMetric``, which
drops gallery images of the query's identity and camera) is computed
during training, so that the training length can be chosen the same way
for every method without looking at the test set.
"""
from typing import Sequence

import numpy as np

HOLD_OUT_PARTS = ('rest', 'held')


def hold_out_one_per_identity(pids: Sequence[int],
                              seed: int = 0) -> np.ndarray:
    """Which images to hold out: one per identity that has two or more.

    An identity with a single image keeps it for training.

    Args:
        pids (Sequence[int]): Identity of every image.
        seed (int): Seed of the draw. Defaults to 0.

    Returns:
        np.ndarray: ``N`` bools, True for a held-out image.
    """
    pids = np.asarray(pids)
    rng = np.random.default_rng(seed)
    held = np.zeros(len(pids), dtype=bool)
    for pid in np.unique(pids):
        index = np.flatnonzero(pids == pid)
        if len(index) > 1:
            held[rng.choice(index)] = True
    return held
