import os.path as osp

import pytest

from mmreidgen.datasets import MSMT17

from ._helpers import write_images

TRAIN = ['0000/0000_000_01_0303morning_0015_0.jpg',
         '0000/0000_001_05_0303morning_0016_0.jpg',
         '0001/0001_000_15_0303noon_0001_1.jpg']
VAL = ['0001/0001_003_02_0303noon_0002_0.jpg']
QUERY = ['0000/0000_000_03_0303morning_0008_0.jpg']
GALLERY = ['0000/0000_002_04_0303morning_0009_0.jpg',
           '0001/0001_000_03_0303afternoon_0001_0.jpg']


def _tree(root, version):
    train_dir, test_dir = dict(
        V1=('train', 'test'), V2=('mask_train_v2', 'mask_test_v2'))[version]
    write_images(osp.join(root, train_dir), TRAIN + VAL)
    write_images(osp.join(root, test_dir), QUERY + GALLERY)
    for name, rels in dict(train=TRAIN, val=VAL, query=QUERY,
                           gallery=GALLERY).items():
        with open(osp.join(root, f'list_{name}.txt'), 'w') as f:
            f.writelines(f'{r} {int(r[:4])}\n' for r in rels)
    return root


@pytest.mark.parametrize('version', ['V1', 'V2'])
def test_msmt17_versions(tmp_path, version):
    root = _tree(str(tmp_path), version)
    train = MSMT17(data_root=root)
    assert train.version == version
    infos = [train.get_data_info(i) for i in range(len(train))]
    assert len(infos) == 4 and train.num_ids == 2
    assert [i['camid'] for i in infos] == [0, 4, 14, 1]
    assert [i['pid'] for i in infos] == [0, 0, 1, 1]
    only_train = MSMT17(data_root=root, combine_train_val=False)
    assert len(only_train) == 3
    gallery = MSMT17(data_root=root, subset='gallery')
    g = [gallery.get_data_info(i) for i in range(len(gallery))]
    assert [(i['pid'], i['camid']) for i in g] == [(0, 3), (1, 2)]
    assert all(osp.isfile(i['img_path']) for i in g)
    assert len(MSMT17(data_root=root, subset='query')) == 1


def test_msmt17_wrong_layout(tmp_path):
    write_images(str(tmp_path / 'images'), ['a.jpg'])
    with pytest.raises(FileNotFoundError) as err:
        MSMT17(data_root=str(tmp_path))
    msg = str(err.value)
    assert osp.join(str(tmp_path), 'train') in msg and 'mask_train_v2' in msg


def test_msmt17_bad_list_line(tmp_path):
    root = _tree(str(tmp_path), 'V1')
    with open(osp.join(root, 'list_query.txt'), 'w') as f:
        f.write('0000/broken.jpg\n')
    with pytest.raises(ValueError, match='list_query.txt:1'):
        MSMT17(data_root=root, subset='query')
