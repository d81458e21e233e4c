"""One training image per identity held out for validation."""
import numpy as np
import pytest

from mmreidgen.datasets.hold_out import hold_out_one_per_identity
from mmreidgen.registry import DATASETS


def test_one_image_per_identity_with_two_or_more():
    pids = [0, 0, 0, 1, 2, 2, 3]
    held = hold_out_one_per_identity(pids, seed=0)
    assert held.dtype == bool and held.shape == (7, )
    counts = np.bincount(np.asarray(pids)[held], minlength=4)
    assert counts.tolist() == [1, 0, 1, 0]  # ids 1 and 3: one image, kept
    assert (held == hold_out_one_per_identity(pids, seed=0)).all()
    assert any((hold_out_one_per_identity(pids, seed=s) != held).any()
               for s in range(1, 10))


def build(root, **kwargs):
    return DATASETS.build(dict(type='Market1501',
                               data_root=f'{root}/synthmarket',
                               subset='train', **kwargs))


def test_dataset_parts_split_the_training_set(synth_root):
    full = build(synth_root)
    rest = build(synth_root, hold_out=dict(part='rest', seed=0))
    held = build(synth_root, hold_out=dict(part='held', seed=0))
    paths = lambda ds: {ds.get_data_info(i)['img_path']  # noqa: E731
                        for i in range(len(ds))}
    assert paths(rest) | paths(held) == paths(full)
    assert not paths(rest) & paths(held)
    assert len(held) == full.num_ids == rest.num_ids
    # Labels are those of the whole training set; held-out images are
    # validation queries.
    label = {full.get_data_info(i)['img_path']: full.get_data_info(i)['pid']
             for i in range(len(full))}
    for ds, subset in ((rest, 'train'), (held, 'query')):
        for i in range(len(ds)):
            info = ds.get_data_info(i)
            assert info['pid'] == label[info['img_path']]
            assert info['subset'] == subset
    with pytest.raises(ValueError, match='hold_out'):
        build(synth_root, hold_out=dict(part='all'))
    with pytest.raises(ValueError, match='hold_out'):
        DATASETS.build(dict(type='Market1501',
                            data_root=f'{synth_root}/synthmarket',
                            subset='query', hold_out=dict(part='held')))
