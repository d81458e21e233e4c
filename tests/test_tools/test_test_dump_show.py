"""tools/test.py --dump-features and --show-dir."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO, load_tool
from mmengine.runner import Runner

from mmreidgen.apis import load_config
from mmreidgen.evaluation import DumpReIDResults
from mmreidgen.registry import MODELS

CONFIG = osp.join(REPO, 'configs/baseline/baseline_r18w16_synthmarket.py')


def options(root: str) -> list:
    return ['--cfg-options', f'data_root={root}', 'num_workers=0',
            'test_dataloader.persistent_workers=False']


def test_dump_features_and_rank_lists(synth_root, tmp_path):
    root = osp.join(synth_root, 'synthmarket')
    cfg = load_config(CONFIG, {'data_root': root})
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'ckpt.pth')
    torch.save({'state_dict': MODELS.build(cfg.model).state_dict(),
                'meta': {'cfg': cfg.pretty_text}}, ckpt)
    npz, show = tmp_path / 'feats.npz', tmp_path / 'show'
    metrics = load_tool('tools/test.py').main([
        CONFIG, ckpt, '--work-dir', str(tmp_path / 'w'), '--dump-features',
        str(npz), '--show-dir', str(show), '--show-num', '3', '--show-topk',
        '4', *options(root)])
    assert set(metrics) == {f'reid/{k}' for k in
                            ('mAP', 'mINP', 'R1', 'R5', 'R10', 'R20')}

    data = np.load(npz)
    assert sorted(data.files) == sorted(
        ['features', 'pids', 'camids', 'img_paths', 'is_query'])
    infos = []
    sizes = []
    for ds_cfg in cfg.test_dataloader.dataset.datasets:  # query, gallery
        ds = Runner.build_dataloader(
            dict(cfg.test_dataloader, dataset=ds_cfg, num_workers=0,
                 persistent_workers=False)).dataset
        infos += [ds.get_data_info(i) for i in range(len(ds))]
        sizes.append(len(ds))
    assert data['features'].shape == (len(infos), 128)
    assert data['features'].dtype == np.float32
    np.testing.assert_array_equal(data['pids'], [i['pid'] for i in infos])
    np.testing.assert_array_equal(data['camids'],
                                  [i['camid'] for i in infos])
    assert list(data['img_paths']) == [i['img_path'] for i in infos]
    np.testing.assert_array_equal(data['is_query'],
                                  [True] * sizes[0] + [False] * sizes[1])
    # The features are the model's normalised test features.
    np.testing.assert_allclose(np.linalg.norm(data['features'], axis=1), 1,
                               rtol=1e-4)

    pictures = sorted(p.name for p in show.iterdir())
    q_pids = data['pids'][data['is_query']]
    assert pictures == [f'q{i:04d}_pid{q_pids[i]}.png' for i in range(3)]
    image = cv2.imread(str(show / pictures[0]))
    assert image is not None and image.shape[1] > 4 * image.shape[0] / 2


def test_dump_metric_needs_an_output():
    with pytest.raises(ValueError, match='out_file'):
        DumpReIDResults()
    with pytest.raises(ValueError, match='.npz'):
        DumpReIDResults(out_file='x.npy')
