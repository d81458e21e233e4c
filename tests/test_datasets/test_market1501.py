import os.path as osp

import pytest

from mmreidgen.datasets import DukeMTMCReID, Market1501
from mmreidgen.registry import DATASETS

from ._helpers import write_images, write_masks

MARKET = dict(
    bounding_box_train=[
        '0002_c1s1_000451_03.jpg', '0002_c3s1_000551_01.jpg',
        '0007_c2s1_000101_00.jpg', '0010_c6s2_004321_02.jpg',
        '0000_c1s1_000001_01.jpg', '-1_c2s1_000002_01.jpg'
    ],
    query=['0001_c1s1_001051_00.jpg', '0003_c4s1_000100_00.jpg'],
    bounding_box_test=[
        '0001_c2s1_001151_01.jpg', '0001_c1s1_001251_01.jpg',
        '0003_c5s1_000200_00.jpg', '0000_c1s1_000151_01.jpg',
        '0000_c3s1_000152_01.jpg', '-1_c1s1_000401_03.jpg'
    ])


@pytest.fixture
def market_root(tmp_path):
    for sub, names in MARKET.items():
        write_images(str(tmp_path / sub), names)
    return str(tmp_path)


def test_market_train_relabels_and_drops_junk_and_distractors(market_root):
    ds = Market1501(data_root=market_root, subset='train')
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert len(ds) == 4
    assert sorted({i['orig_pid'] for i in infos}) == [2, 7, 10]
    assert sorted({i['pid'] for i in infos}) == [0, 1, 2]
    for info in infos:
        assert [2, 7, 10].index(info['orig_pid']) == info['pid']
        assert osp.isabs(info['img_path']) and osp.isfile(info['img_path'])
        assert info['subset'] == 'train' and info['domain'] is None
    assert sorted({i['camid'] for i in infos}) == [0, 1, 2, 5]
    assert ds.num_ids == ds.num_classes == 3
    assert ds.num_cameras == 4
    assert not ds.test_mode


def test_market_query_and_gallery(market_root):
    query = Market1501(data_root=market_root, subset='query',
                       domain='target')
    gallery = Market1501(data_root=market_root, subset='gallery')
    q = [query.get_data_info(i) for i in range(len(query))]
    g = [gallery.get_data_info(i) for i in range(len(gallery))]
    assert [(i['pid'], i['camid']) for i in q] == [(1, 0), (3, 3)]
    assert all(i['domain'] == 'target' for i in q)
    assert query.test_mode and gallery.test_mode
    # Distractors stay in the gallery with pid 0; junk (-1) is dropped.
    assert sorted(i['pid'] for i in g) == [0, 0, 1, 1, 3]
    assert all(i['subset'] == 'gallery' for i in g)


def test_market_masks_found_when_present(market_root):
    write_masks(market_root, ['bounding_box_train/0002_c1s1_000451_03.jpg'])
    ds = Market1501(data_root=market_root, subset='train')
    with_mask = [
        ds.get_data_info(i) for i in range(len(ds))
        if 'mask_path' in ds.get_data_info(i)
    ]
    assert len(with_mask) == 1
    assert with_mask[0]['mask_path'] == osp.join(
        market_root, 'masks', 'bounding_box_train',
        '0002_c1s1_000451_03.png')


def test_market_built_from_registry(market_root):
    ds = DATASETS.build(
        dict(type='Market1501', data_root=market_root, subset='gallery'))
    assert isinstance(ds, Market1501)
    assert ds.get_cat_ids(0) == [ds.get_data_info(0)['pid']]


def test_market_bad_file_name(tmp_path):
    write_images(str(tmp_path / 'query'), ['img_001.jpg'])
    with pytest.raises(ValueError, match='img_001.jpg'):
        Market1501(data_root=str(tmp_path), subset='query')


def test_duke_layout(tmp_path):
    write_images(str(tmp_path / 'bounding_box_train'), [
        '0001_c2_f0046182.jpg', '0001_c5_f0051341.jpg',
        '0008_c8_f0000001.jpg'
    ])
    write_images(str(tmp_path / 'query'), ['0005_c2_f0046985.jpg'])
    write_images(str(tmp_path / 'bounding_box_test'),
                 ['0005_c3_f0047100.jpg', '0002_c1_f0044158.jpg'])
    train = DukeMTMCReID(data_root=str(tmp_path))
    infos = [train.get_data_info(i) for i in range(len(train))]
    assert [(i['pid'], i['orig_pid'], i['camid']) for i in infos] == [
        (0, 1, 1), (0, 1, 4), (1, 8, 7)
    ]
    gallery = DukeMTMCReID(data_root=str(tmp_path), subset='gallery')
    assert len(gallery) == 2
    with pytest.raises(ValueError, match='PPPP_cC_fFFFFFFF'):
        write_images(str(tmp_path / 'query'), ['0001_c1s1_000001_00.jpg'])
        DukeMTMCReID(data_root=str(tmp_path), subset='query')


def test_two_domains_concatenate(market_root, tmp_path):
    from mmengine.dataset import ConcatDataset
    duke_root = tmp_path / 'duke'
    write_images(str(duke_root / 'bounding_box_train'),
                 ['0001_c2_f0046182.jpg'])
    both = ConcatDataset([
        Market1501(data_root=market_root, domain='source'),
        DukeMTMCReID(data_root=str(duke_root), domain='target')
    ])
    assert len(both) == 5
    assert both.get_data_info(4)['domain'] == 'target'
