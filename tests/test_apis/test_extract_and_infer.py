"""ReIDFeatureExtractor and ReIDInferencer on the synthetic benchmark."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.runner import Runner

from mmreidgen.apis import (
    ReIDFeatureExtractor,
    ReIDInferencer,
    init_model,
    load_config,
)
from mmreidgen.apis.feature_extraction import test_pipeline_of as pipeline_of

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
    loader = Runner.build_dataloader(cfg.test_dataloader)
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
