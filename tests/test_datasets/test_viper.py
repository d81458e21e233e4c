import pytest

from mmreidgen.datasets import VIPeR

from ._helpers import write_images


@pytest.fixture
def viper_root(tmp_path):
    write_images(str(tmp_path / 'cam_a'),
                 [f'{i:03d}_0.bmp' for i in range(10)])
    write_images(str(tmp_path / 'cam_b'),
                 [f'{i:03d}_90.bmp' for i in range(10)])
    return str(tmp_path)


def _infos(root, subset, **kwargs):
    # serialize_data=False skips mmengine's slow gc.collect in tests.
    ds = VIPeR(data_root=root, subset=subset, serialize_data=False,
               **kwargs)
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_viper_split(viper_root):
    train = _infos(viper_root, 'train')
    query = _infos(viper_root, 'query')
    gallery = _infos(viper_root, 'gallery')
    assert len(train) == 10 and {i['pid'] for i in train} == set(range(5))
    assert {i['camid'] for i in train} == {0, 1}
    assert len(query) == len(gallery) == 5
    assert all('cam_a' in i['img_path'] and i['camid'] == 0 for i in query)
    assert all('cam_b' in i['img_path'] and i['camid'] == 1
               for i in gallery)
    assert [i['pid'] for i in query] == [i['pid'] for i in gallery]
    assert not {i['orig_pid'] for i in train} & {i['pid'] for i in query}


def test_viper_split_deterministic(viper_root):
    first = _infos(viper_root, 'query', split_id=3, seed=7)
    assert first == _infos(viper_root, 'query', split_id=3, seed=7)
    splits = {
        tuple(i['pid'] for i in _infos(viper_root, 'query', split_id=s))
        for s in range(5)
    }
    assert len(splits) > 1
    with pytest.raises(ValueError, match='split_id=10'):
        VIPeR(data_root=viper_root, split_id=10)


def test_viper_unpaired(viper_root, tmp_path):
    write_images(str(tmp_path / 'cam_a'), ['011_0.bmp'])
    with pytest.raises(ValueError, match='11'):
        VIPeR(data_root=viper_root)
