import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from mmreidgen.datasets.slsr_generated_dataset import (
    cluster_identity_sets,
    sparse_label_matrix,
)
from mmreidgen.registry import DATASETS

PIPELINE = [
    dict(type='LoadReIDImage'),
    dict(type='ReIDResize', scale=(8, 4)),
    dict(type='PackReIDInputs'),
]


def test_sparse_labels_of_a_hand_made_clustering():
    # Six real images: identity of each and the cluster k-means gave it.
    pids = [0, 0, 1, 2, 2, 3]
    clusters = [0, 1, 0, 1, 1, 2]
    sets = cluster_identity_sets(pids, clusters, num_clusters=3)
    assert sets == [[0, 1], [0, 2], [3]]
    q = sparse_label_matrix(sets, num_classes=5)
    expected = np.array([[1 / 2, 1 / 2, 0, 0, 0],
                         [1 / 2, 0, 1 / 2, 0, 0],
                         [0, 0, 0, 1, 0]], dtype=np.float32)
    np.testing.assert_allclose(q, expected)
    # Identity 4 has no image: it never gets mass; every row sums to 1.
    np.testing.assert_allclose(q.sum(1), 1)


def test_sparse_labels_reject_bad_input():
    with pytest.raises(ValueError, match='no identity'):
        sparse_label_matrix([[0], []], 3)
    with pytest.raises(ValueError, match='outside'):
        sparse_label_matrix([[0, 3]], 3)
    with pytest.raises(ValueError, match='one entry per image'):
        cluster_identity_sets([0, 1], [0], 1)


def write_generated(root, identities, clusters, num_classes=5):
    os.makedirs(osp.join(root, 'images'))
    lines = []
    for i, c in enumerate(clusters):
        rel = f'images/gan_{c}_{i:06d}.png'
        cv2.imwrite(osp.join(root, rel),
                    np.full((16, 8, 3), 40 * c, np.uint8))
        lines.append(f'{rel} {c}\n')
    with open(osp.join(root, 'labels.txt'), 'w') as f:
        f.writelines(lines)
    with open(osp.join(root, 'sparse_labels.json'), 'w') as f:
        json.dump(dict(num_classes=num_classes, identities=identities), f)


def test_generated_dataset_yields_soft_labels(tmp_path):
    root = str(tmp_path / 'gen')
    write_generated(root, [[0, 1], [0, 2], [3]], [0, 0, 1, 2])
    ds = DATASETS.build(
        dict(type='SLSRGeneratedDataset', data_root=root, pipeline=PIPELINE,
             num_classes=5))
    assert len(ds) == 4 and ds.num_classes == 5
    item = ds[2]
    sample = item['data_samples']
    assert item['inputs'].shape == (3, 8, 4)
    assert int(sample.gt_label) == -1 and sample.cluster == 1
    assert torch.allclose(sample.soft_label,
                          torch.tensor([0.5, 0, 0.5, 0, 0]))
    assert torch.allclose(ds[3]['data_samples'].soft_label,
                          torch.tensor([0.0, 0, 0, 1, 0]))
    assert ds.get_data_info(0)['pid'] == -1
    limited = DATASETS.build(
        dict(type='SLSRGeneratedDataset', data_root=root, pipeline=PIPELINE,
             max_images=2))
    assert len(limited) == 2


def test_generated_dataset_errors_name_the_fix(tmp_path):
    root = str(tmp_path / 'gen')
    write_generated(root, [[0, 1]], [0])
    with pytest.raises(ValueError, match='another training set'):
        DATASETS.build(
            dict(type='SLSRGeneratedDataset', data_root=root,
                 num_classes=7))
    with pytest.raises(FileNotFoundError, match='Generate the images'):
        DATASETS.build(
            dict(type='SLSRGeneratedDataset', data_root=str(tmp_path)))
    ds = DATASETS.build(
        dict(type='SLSRGeneratedDataset', data_root=root,
             pipeline=PIPELINE[:2]))
    with pytest.raises(TypeError, match='PackReIDInputs'):
        ds[0]


def test_mixed_with_a_real_set_in_a_concat_dataset(tmp_path):
    gen_root = str(tmp_path / 'gen')
    write_generated(gen_root, [[0, 1], [1]], [0, 1, 1], num_classes=2)
    real_root = tmp_path / 'real'
    (real_root / 'img').mkdir(parents=True)
    lines = []
    for i, pid in enumerate([0, 0, 1, 1]):
        cv2.imwrite(str(real_root / 'img' / f'{i}.png'),
                    np.zeros((16, 8, 3), np.uint8))
        lines.append(f'img/{i}.png {pid} {i % 2}\n')
    (real_root / 'train.txt').write_text(''.join(lines))
    ds = DATASETS.build(
        dict(type='ConcatDataset', ignore_keys=['dataset_name'],
             datasets=[
                 dict(type='ReIDListDataset', data_root=str(real_root),
                      ann_file='train.txt', pipeline=PIPELINE),
                 dict(type='SLSRGeneratedDataset', data_root=gen_root,
                      pipeline=PIPELINE, num_classes=2),
             ]))
    assert len(ds) == 7
    assert 'soft_label' not in ds[0]['data_samples']
    assert torch.allclose(ds[4]['data_samples'].soft_label,
                          torch.tensor([0.5, 0.5]))
    assert [ds.get_data_info(i)['pid'] for i in range(7)] == \
        [0, 0, 1, 1, -1, -1, -1]
