"""The generic pretraining set (the ImageNet stand-in)."""
import ast
import hashlib
import inspect
import json
import os
import os.path as osp

import pytest

from mmreidgen.datasets import ReIDListDataset
from mmreidgen.datasets.synthetic import camera, person, pretrain_set, scene
from mmreidgen.datasets.synthetic.pretrain_set import (
    SHAPES,
    TEXTURES,
    make_pretrain_set,
)

SMALL = dict(num_classes=12, train_per_class=3, val_per_class=3,
             val_query=1, size=(32, 32))


def _digest(root: str) -> str:
    sha = hashlib.sha256()
    for folder, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name == 'stats.json':  # holds the render time
                continue
            path = osp.join(folder, name)
            sha.update(osp.relpath(path, root).encode())
            with open(path, 'rb') as f:
                sha.update(f.read())
    return sha.hexdigest()


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    a, b, c = (str(tmp_path / n) for n in 'abc')
    make_pretrain_set(a, seed=0, **SMALL)
    make_pretrain_set(b, seed=0, **SMALL)
    make_pretrain_set(c, seed=1, **SMALL)
    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


def test_classes_and_lists(tmp_path):
    out = str(tmp_path / 'set')
    stats = make_pretrain_set(out, **SMALL)
    assert stats['images'] == dict(train=36, query=12, gallery=24)
    with open(osp.join(out, 'classes.json')) as f:
        classes = json.load(f)
    assert [c['index'] for c in classes] == list(range(12))
    # Shape and texture cycle: the first classes are distinct pairs.
    pairs = [(c['shape'], c['texture']) for c in classes]
    assert len(set(pairs)) == 12
    assert {p[0] for p in pairs} == set(SHAPES)
    assert {p[1] for p in pairs} <= set(TEXTURES)
    for subset, per_class in (('train', 3), ('query', 1), ('gallery', 2)):
        data = ReIDListDataset(
            data_root=out, subset=subset, pipeline=[],
            ann_files=dict(train='train.txt', query='query.txt',
                           gallery='gallery.txt'))
        pids = [data.get_data_info(i)['pid'] for i in range(len(data))]
        assert sorted(set(pids)) == list(range(12))
        assert all(pids.count(p) == per_class for p in set(pids))
    # Held-out images are not training images.
    with open(osp.join(out, 'train.txt')) as f:
        train = {line.split()[0] for line in f}
    with open(osp.join(out, 'query.txt')) as f:
        assert not train & {line.split()[0] for line in f}


def test_class_images_do_not_depend_on_the_number_of_classes(tmp_path):
    small = dict(SMALL, num_classes=3)
    make_pretrain_set(str(tmp_path / 'a'), **small)
    make_pretrain_set(str(tmp_path / 'b'), **SMALL)
    for name in ('train_000.jpg', 'val_002.jpg'):
        files = [tmp_path / d / 'images' / '0000' / name for d in 'ab']
        assert files[0].read_bytes() == files[1].read_bytes()


def test_no_benchmark_drawing_code(tmp_path, monkeypatch):
    # By its imports: nothing of the person, scene or camera code.
    tree = ast.parse(inspect.getsource(pretrain_set))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or '')
            imported.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    assert not any(
        word in name for name in imported
        for word in ('person', 'scene', 'camera', 'lighting', 'styles',
                     'benchmark', 'parser_mask', 'writer')), imported

    # And at run time: every drawing function of the benchmark raises.
    def forbidden(*args, **kwargs):
        raise AssertionError('benchmark drawing code was called')

    for module in (person, scene, camera):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__:
                monkeypatch.setattr(module, name, forbidden)
    make_pretrain_set(str(tmp_path / 'set'), **SMALL)


def test_bad_split_is_one_message(tmp_path):
    with pytest.raises(ValueError, match='val_query'):
        make_pretrain_set(str(tmp_path / 'x'), val_per_class=2, val_query=2)
