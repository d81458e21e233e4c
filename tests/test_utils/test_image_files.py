"""list_images and IMG_EXTENSIONS: the one way image files are found."""
import os.path as osp

import pytest

from mmreidgen.utils.image_files import (
    IMG_EXTENSIONS,
    is_image_file,
    list_images,
)


def touch(root, *names):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b'')


def test_extensions_in_any_case():
    assert set(IMG_EXTENSIONS) == {'.jpg', '.jpeg', '.png', '.bmp'}
    for name in ('a.jpg', 'a.JPEG', 'b.Png', 'c.bmp'):
        assert is_image_file(name), name
    for name in ('a.txt', 'jpg', 'a.jpg.json', 'a.gif'):
        assert not is_image_file(name), name


def test_walks_recursively_sorted_and_images_only(tmp_path):
    touch(tmp_path, 'b/2.png', 'a.JPG', 'b/1.bmp', 'c/d/3.jpeg', 'n.txt',
          'masks/a.png')
    found = list_images(str(tmp_path))
    assert found == [osp.join(str(tmp_path), rel) for rel in (
        'a.JPG', 'b/1.bmp', 'b/2.png', 'c/d/3.jpeg', 'masks/a.png')]


def test_skip_top_folder_applies_below_the_walked_folder_only(tmp_path):
    touch(tmp_path, 'masks/a.png', 'masks_x/b.png', 'img/masks/c.png',
          'img/d.png')

    def skip(name):
        return name.startswith('masks')

    found = list_images(str(tmp_path), skip)
    rels = [osp.relpath(p, str(tmp_path)) for p in found]
    assert rels == ['img/d.png', 'img/masks/c.png']


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match='is not a folder'):
        list_images(str(tmp_path / 'none'))
    touch(tmp_path, 'empty/readme.txt')
    with pytest.raises(FileNotFoundError, match=r'holds no image \(.jpg'):
        list_images(str(tmp_path / 'empty'))
    assert list_images(str(tmp_path / 'empty'), allow_empty=True) == []
