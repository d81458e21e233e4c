import os
import os.path as osp
from unittest import mock

import pytest

from mmreidgen.datasets import BaseReIDDataset, Market1501

from ._helpers import write_images, write_masks

TRAIN = ['0002_c1s1_000451_03.jpg', '0005_c2s1_000551_01.jpg']


def _market(root):
    write_images(osp.join(root, 'bounding_box_train'), TRAIN)
    return root


def test_invalid_subset(tmp_path):
    with pytest.raises(ValueError, match="'test'.*train"):
        Market1501(data_root=str(tmp_path), subset='test')


def test_missing_data_root_names_path_and_layout(tmp_path):
    root = str(tmp_path / 'no_such_market')
    with pytest.raises(FileNotFoundError) as err:
        Market1501(data_root=root)
    assert root in str(err.value)
    assert 'bounding_box_train/0002_c1s1_000451_03.jpg' in str(err.value)


def test_missing_subfolder_suggests_nested_root(tmp_path):
    nested = tmp_path / 'Market-1501-v15.09.15'
    _market(str(nested))
    with pytest.raises(FileNotFoundError) as err:
        Market1501(data_root=str(tmp_path))
    msg = str(err.value)
    assert osp.join(str(tmp_path), 'bounding_box_train') in msg
    assert f"data_root='{nested}'" in msg


def test_empty_subset(tmp_path):
    os.makedirs(tmp_path / 'query')
    with pytest.raises(RuntimeError, match="no images for subset='query'"):
        Market1501(data_root=str(tmp_path), subset='query')


def test_with_mask_requires_every_mask(tmp_path):
    root = _market(str(tmp_path))
    write_masks(root, ['bounding_box_train/' + TRAIN[0]])
    with pytest.raises(FileNotFoundError) as err:
        Market1501(data_root=root, with_mask=True)
    expected = osp.join(root, 'masks', 'bounding_box_train',
                        '0005_c2s1_000551_01.png')
    assert expected in str(err.value)
    assert 'docs/en/dataset_prepare.md' in str(err.value)
    write_masks(root, ['bounding_box_train/' + TRAIN[1]])
    ds = Market1501(data_root=root, with_mask=True)
    assert all('mask_path' in ds.get_data_info(i) for i in range(len(ds)))


def test_lazy_init_pipeline_and_statistics_log(tmp_path):
    root = _market(str(tmp_path))
    with mock.patch(
            'mmreidgen.datasets.base_reid_dataset.print_log') as log:
        ds = Market1501(data_root=root, lazy_init=True, domain='source',
                        pipeline=[lambda r: dict(r, seen=True)])
        log.assert_not_called()
        assert len(ds) == 2
    table = log.call_args.args[0]
    assert 'Market1501' in table and '# cameras' in table
    assert log.call_args.kwargs['logger'] == 'current'
    sample = ds[0]
    assert sample['seen'] and sample['domain'] == 'source'


def test_base_class_requires_load_data_list(tmp_path):
    with pytest.raises(NotImplementedError, match='load_data_list'):
        BaseReIDDataset(data_root=str(tmp_path))
