"""ReIDFeatureExtractor and ReIDInferencer on the synthetic benchmark."""
import glob
import os.path as osp
import shutil

import numpy as np
import pytest
import torch

from mmreidgen.apis import (
    ReIDFeatureExtractor,
    ReIDInferencer,
    build_dataloader,
    init_model,
    load_config,
)
from mmreidgen.apis import test_pipeline_of as pipeline_of

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/baseline/baseline_r18w16_synthmarket.py')


@pytest.fixture(scope='module')
def setup(synth_root):
    root = osp.join(synth_root, 'synthmarket')
    cfg = load_config(CONFIG, {'data_root': root, 'num_workers': 0,
                               'test_dataloader.persistent_workers': False,
                               'num_classes': 8})
    torch.manual_seed(0)
    return cfg, init_model(cfg), root


def test_paths_folder_and_dataloader_give_the_same_features(setup):
    cfg, model, root = setup
    loader = build_dataloader(cfg.test_dataloader)
    from_loader = ReIDFeatureExtractor(model)(loader)
    n_query = int(from_loader['is_query'].sum())
    paths = sorted(glob.glob(osp.join(root, 'query', '*.jpg')))
    assert n_query == len(paths)
    extractor = ReIDFeatureExtractor(model, pipeline=pipeline_of(cfg),
                                     batch_size=5)
    from_paths = extractor(paths)
    from_folder = extractor(osp.join(root, 'query'))
    order = np.argsort(from_loader['img_paths'][:n_query])
    np.testing.assert_allclose(
        from_paths['features'], from_loader['features'][:n_query][order],
        atol=1e-5)
    np.testing.assert_array_equal(from_paths['features'],
                                  from_folder['features'])
    # The model's test_cfg normalises: unit rows.
    np.testing.assert_allclose(
        np.linalg.norm(from_paths['features'], axis=1), 1, atol=1e-5)
    pooled = ReIDFeatureExtractor(model, pipeline=pipeline_of(cfg),
                                  mode='pooled')(paths[:3])['features']
    assert pooled.shape == (3, 128)


def test_inferencer_ranks_a_query_first_against_itself(setup):
    cfg, model, root = setup
    gallery = osp.join(root, 'bounding_box_test')
    query = sorted(glob.glob(osp.join(gallery, '*.jpg')))[4]
    inferencer = ReIDInferencer(model, pipeline_of(cfg))
    (result, ) = inferencer(query, gallery=gallery, topk=3)
    ranked = result['ranked']
    assert len(ranked) == 3 and ranked[0]['path'] == query
    assert ranked[0]['dist'] == pytest.approx(0, abs=1e-3)
    assert [r['dist'] for r in ranked] == sorted(r['dist'] for r in ranked)


def test_bad_inputs(setup, tmp_path):
    cfg, model, _ = setup
    extractor = ReIDFeatureExtractor(model, pipeline=pipeline_of(cfg))
    with pytest.raises(FileNotFoundError, match='holds no image'):
        extractor(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        extractor([str(tmp_path / 'nope.jpg')])
    with pytest.raises(ValueError, match='mode'):
        ReIDFeatureExtractor(model, mode='nope')


def test_model_from_init_model_brings_its_pipeline(setup):
    """The one-liners: the test pipeline comes from the model's config."""
    cfg, model, root = setup
    assert model.cfg is cfg
    paths = sorted(glob.glob(osp.join(root, 'query', '*.jpg')))[:4]
    given = ReIDFeatureExtractor(model, pipeline=pipeline_of(cfg))(paths)
    default = ReIDFeatureExtractor(model)(paths)
    np.testing.assert_array_equal(default['features'], given['features'])
    gallery = osp.join(root, 'bounding_box_test')
    query = sorted(glob.glob(osp.join(gallery, '*.jpg')))[2]
    (result, ) = ReIDInferencer(model)(query, gallery=gallery, topk=2)
    assert result['ranked'][0]['path'] == query
    # A model built otherwise has no config: the message says what to do.
    plain = init_model(cfg)
    del plain.cfg
    with pytest.raises(ValueError, match='init_model'):
        ReIDFeatureExtractor(plain)(paths)


def test_skip_bad_images_leaves_the_bad_file_out(setup, tmp_path):
    cfg, model, root = setup
    folder = tmp_path / 'mine'
    folder.mkdir()
    paths = sorted(glob.glob(osp.join(root, 'query', '*.jpg')))[:3]
    for path in paths:
        shutil.copy(path, folder)
    (folder / 'broken.jpg').write_bytes(b'not a jpeg')
    with pytest.raises(OSError, match='skip_bad_images=True') as exc:
        ReIDFeatureExtractor(model)(str(folder))
    assert '--cfg-options skip_bad_images=True' in str(exc.value)
    pipeline = pipeline_of(cfg)
    pipeline[0] = dict(pipeline[0], skip_bad_images=True)
    out = ReIDFeatureExtractor(model, pipeline=pipeline)(str(folder))
    assert len(out['features']) == 3
    assert sorted(osp.basename(p) for p in out['img_paths']) == \
        sorted(osp.basename(p) for p in paths)
    # A batch of bad images only is left out as a whole.
    out = ReIDFeatureExtractor(model, pipeline=pipeline, batch_size=1)(
        str(folder))
    assert len(out['features']) == 3
