"""Comparing person masks."""
import numpy as np


def mask_iou(a: np.ndarray, b: np.ndarray, threshold: int = 0) -> float:
    """Intersection over union of two masks.

    Args:
        a (np.ndarray): A mask.
        b (np.ndarray): A mask of the same shape.
        threshold (int): Values above it are person. Defaults to 0 (any
            non-zero value); 127 reads an 8-bit mask as person where it is
            more than half white.

    Returns:
        float: The IoU, 1.0 when both masks are empty.
    """
    a, b = a > threshold, b > threshold
    union = np.logical_or(a, b).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(a, b).sum() / union)
