import numpy as np
import pytest
from scipy.io import savemat

from mmreidgen.datasets import CUHK03

from ._helpers import write_images

# campus_pid_view_image: 2 campuses x 3 ids x 2 views x 2 images.
NAMES = [
    f'{campus}_{pid:03d}_{view}_{img:02d}.png' for campus in (1, 2)
    for pid in (1, 2, 3) for view in (1, 2)
    for img in ((1, 2) if view == 1 else (6, 7))
]


def _write_new_protocol(root, image_set):
    """A split file shaped like the published one (1-based column vectors,
    ``filelist`` a cell array)."""
    filelist = np.empty((len(NAMES), 1), dtype=object)
    for i, name in enumerate(NAMES):
        filelist[i, 0] = np.array([name])
    labels = [(int(n[0]) - 1) * 3 + int(n[2:5]) for n in NAMES]  # 1..6
    cams = [int(n.split('_')[2]) for n in NAMES]
    idx = np.arange(1, len(NAMES) + 1)
    is_train = np.array(labels) <= 3
    is_view1 = np.array(cams) == 1
    query = idx[~is_train & is_view1][::2]  # one query per id and camera
    gallery = np.setdiff1d(idx[~is_train], query)
    savemat(
        str(root / f'cuhk03_new_protocol_config_{image_set}.mat'),
        dict(filelist=filelist,
             labels=np.array(labels, float)[:, None],
             camId=np.array(cams, float)[:, None],
             train_idx=idx[is_train][:, None].astype(float),
             query_idx=query[:, None].astype(float),
             gallery_idx=gallery[:, None].astype(float)))


@pytest.fixture
def cuhk_root(tmp_path):
    for image_set in ('labeled', 'detected'):
        write_images(str(tmp_path / f'images_{image_set}'), NAMES)
        _write_new_protocol(tmp_path, image_set)
    return str(tmp_path)


@pytest.mark.parametrize('image_set', ['labeled', 'detected'])
def test_new_protocol(cuhk_root, image_set):
    kw = dict(data_root=cuhk_root, image_set=image_set)
    train = CUHK03(subset='train', **kw)
    query = CUHK03(subset='query', **kw)
    gallery = CUHK03(subset='gallery', **kw)
    assert len(train) == 12 and train.num_ids == 3
    assert {train.get_data_info(i)['pid'] for i in range(12)} == {0, 1, 2}
    assert f'images_{image_set}' in train.get_data_info(0)['img_path']
    q = [query.get_data_info(i) for i in range(len(query))]
    g = [gallery.get_data_info(i) for i in range(len(gallery))]
    assert len(q) == 3 and len(g) == 9
    assert {i['pid'] for i in q} == {4, 5, 6}
    assert all(i['camid'] == 0 for i in q)
    assert {i['camid'] for i in g} == {0, 1}
    assert not {i['img_path'] for i in q} & {i['img_path'] for i in g}


def test_new_protocol_missing_split_file(tmp_path):
    write_images(str(tmp_path / 'images_labeled'), NAMES)
    with pytest.raises(FileNotFoundError) as err:
        CUHK03(data_root=str(tmp_path))
    assert 'cuhk03_new_protocol_config_labeled.mat' in str(err.value)


def test_classic_protocol_splits(cuhk_root):
    def split(subset, split_id=0, seed=0):
        ds = CUHK03(data_root=cuhk_root, subset=subset, protocol='classic',
                    split_id=split_id, seed=seed, num_test_ids=2,
                    serialize_data=False)  # skips mmengine's gc.collect
        return [ds.get_data_info(i) for i in range(len(ds))]

    train, query, gallery = split('train'), split('query'), split('gallery')
    test_pids = {i['pid'] for i in query}
    assert len(test_pids) == 2
    assert {i['pid'] for i in gallery} == test_pids
    assert len(train) == 4 * 4 and {i['pid'] for i in train} == {0, 1, 2, 3}
    assert not test_pids & {i['orig_pid'] for i in train}
    assert all(i['camid'] == 0 for i in query)
    assert all(i['camid'] == 1 for i in gallery)
    # Deterministic for a seed, different across splits.
    assert split('query') == query
    others = {
        frozenset(i['pid'] for i in split('query', split_id=s))
        for s in range(5)
    }
    assert len(others) > 1


def test_classic_protocol_arguments(cuhk_root):
    with pytest.raises(ValueError, match='split_id=20'):
        CUHK03(data_root=cuhk_root, protocol='classic', split_id=20)
    with pytest.raises(ValueError, match='num_test_ids=100'):
        CUHK03(data_root=cuhk_root, protocol='classic')
    with pytest.raises(ValueError, match="image_set='raw'"):
        CUHK03(data_root=cuhk_root, image_set='raw')
