"""mask_iou: one IoU of person masks, with the person threshold named."""
import numpy as np
import pytest

from mmreidgen.utils.masks import mask_iou


def test_iou_of_binary_masks():
    a = np.zeros((4, 4), np.uint8)
    b = a.copy()
    assert mask_iou(a, b) == 1.0  # both empty
    a[:2] = 255
    b[1:3] = 255
    assert mask_iou(a, b) == pytest.approx(1 / 3)
    assert mask_iou(a, b, threshold=127) == pytest.approx(1 / 3)
    assert mask_iou(a, np.zeros_like(a)) == 0.0


def test_threshold_decides_what_is_person():
    a = np.zeros((4, 4), np.uint8)
    b = a.copy()
    a[:2] = 255
    b[:2] = 255
    b[2:] = 100  # grey: person above 0, background above 127
    assert mask_iou(a, b) == pytest.approx(0.5)
    assert mask_iou(a, b, threshold=127) == 1.0
    a[:] = 127
    b[:] = 127
    assert mask_iou(a, b, threshold=127) == 1.0  # both empty at 127
    assert mask_iou(a, b) == 1.0  # both full at 0
    assert mask_iou(a, np.zeros_like(a)) == 0.0
