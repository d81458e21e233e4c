"""``--check-data`` passes exactly the files the loader reads."""
import os
import os.path as osp
import shutil

import pytest
from mmengine.config import Config

from mmreidgen.datasets.check import check_config_data
from mmreidgen.datasets.transforms import LoadReIDImage


def test_check_rejects_a_truncated_jpeg_that_cv2_imread_accepts(
        synth_root, tmp_path):
    import cv2
    root = tmp_path / 'market'
    shutil.copytree(osp.join(synth_root, 'synthmarket'), root)
    folder = root / 'bounding_box_train'
    name = sorted(os.listdir(folder))[0]
    path = str(folder / name)
    with open(path, 'rb') as f:
        data = f.read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) * 2 // 3])  # the header and part of a scan
    assert cv2.imread(path, cv2.IMREAD_UNCHANGED) is not None
    with pytest.raises(OSError, match='Cannot read image'):
        LoadReIDImage().transform(dict(img_path=path))
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='Market1501', data_root=str(root), subset='train',
        pipeline=[dict(type='LoadReIDImage')]))))
    with pytest.raises(ValueError, match='1 of .* cannot be decoded') as e:
        check_config_data(cfg)
    assert name in str(e.value)
    # An intact copy passes.
    with open(path, 'wb') as f:
        f.write(data)
    assert check_config_data(cfg)['images'] > 0
