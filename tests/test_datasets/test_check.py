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


def _epoch_cfg(root, num_images):
    from mmreidgen.config import resolve_schedule
    dataset = dict(type='Market1501', data_root=root, subset='train',
                   pipeline=[dict(type='LoadReIDImage')])
    return Config(resolve_schedule(dict(
        train_dataloader=dict(batch_size=4, dataset=dataset),
        train_cfg=dict(type='IterBasedTrainLoop', max_epochs=3,
                       num_images=num_images))))


def test_a_schedule_from_another_image_count_is_refused(synth_root,
                                                        tmp_path):
    from mmreidgen.datasets import Market1501
    from mmreidgen.datasets.check import check_epoch_images
    from mmreidgen.stages import train_in_dir
    root = osp.join(synth_root, 'synthmarket')
    real = len(Market1501(data_root=root, subset='train', pipeline=[]))
    cfg = _epoch_cfg(root, 881)
    assert cfg.train_cfg.max_iters == 3 * (881 // 4)
    with pytest.raises(ValueError) as err:
        check_epoch_images(cfg, 'stage1')
    message = str(err.value)
    assert 'assumes 881 training images' in message
    assert f'holds {real}' in message
    assert f'{3 * (881 // 4)} instead of {3 * (real // 4)}' in message
    assert 'num_train_images' in message
    # Training refuses before any work.
    with pytest.raises(ValueError, match=f'holds {real}'):
        train_in_dir(cfg, str(tmp_path / 'w'))
    assert not osp.exists(tmp_path / 'w')
    # A list of counts (real + generated) is named term by term.
    with pytest.raises(ValueError, match=r'assumes 800 \+ 81 = 881'):
        check_epoch_images(_epoch_cfg(root, [800, 81]))
    # The right count, or an explicit max_iters, passes.
    check_epoch_images(_epoch_cfg(root, real))
    cfg = _epoch_cfg(root, 881)
    cfg.pop('epoch_images')
    check_epoch_images(cfg)
