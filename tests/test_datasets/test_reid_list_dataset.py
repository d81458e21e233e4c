import os.path as osp

import pytest

from mmreidgen.datasets import ReIDListDataset

from ._helpers import write_images


@pytest.fixture
def list_root(tmp_path):
    write_images(str(tmp_path / 'images'),
                 ['a1.jpg', 'a2.jpg', 'b1.jpg', 'c1.jpg', 'junk.jpg'])
    (tmp_path / 'train.txt').write_text(
        '# path pid camid\nimages/a1.jpg 10 2\n\nimages/b1.jpg 4 0\n'
        'images/junk.jpg -1 1\n')
    (tmp_path / 'query.txt').write_text('images/a2.jpg 7\n')
    (tmp_path / 'gallery.txt').write_text(
        'images/c1.jpg 7\nimages/b1.jpg 3\n')
    return str(tmp_path)


def test_list_with_camid(list_root):
    ds = ReIDListDataset(data_root=list_root, ann_file='train.txt')
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [(i['pid'], i['orig_pid'], i['camid']) for i in infos] == [
        (1, 10, 2), (0, 4, 0)
    ]
    assert infos[0]['img_path'] == osp.join(list_root, 'images', 'a1.jpg')


def test_list_without_camid_uses_one_camera_per_subset(list_root):
    files = dict(train='train.txt', query='query.txt',
                 gallery='gallery.txt')
    query = ReIDListDataset(data_root=list_root, subset='query',
                            ann_files=files)
    gallery = ReIDListDataset(data_root=list_root, subset='gallery',
                              ann_files=files)
    assert query.get_data_info(0)['camid'] == 0
    assert {gallery.get_data_info(i)['camid'] for i in range(2)} == {1}
    assert [gallery.get_data_info(i)['pid'] for i in range(2)] == [7, 3]


def test_list_errors(list_root, tmp_path):
    with pytest.raises(ValueError, match='exactly one of ann_file'):
        ReIDListDataset(data_root=list_root)
    with pytest.raises(KeyError, match='gallery'):
        ReIDListDataset(data_root=list_root, subset='gallery',
                        ann_files=dict(train='train.txt'))
    (tmp_path / 'mixed.txt').write_text('images/a1.jpg 1 0\nimages/a2.jpg 2\n')
    with pytest.raises(ValueError, match='mixed.txt:2'):
        ReIDListDataset(data_root=list_root, ann_file='mixed.txt')
    (tmp_path / 'missing.txt').write_text('images/zz.jpg 1\n')
    with pytest.raises(FileNotFoundError) as err:
        ReIDListDataset(data_root=list_root, ann_file='missing.txt')
    assert osp.join(list_root, 'images', 'zz.jpg') in str(err.value)
    with pytest.raises(FileNotFoundError) as err:
        ReIDListDataset(data_root=list_root, ann_file='nope.txt')
    assert osp.join(list_root, 'nope.txt') in str(err.value)
