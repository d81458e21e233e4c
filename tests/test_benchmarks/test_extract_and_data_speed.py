"""mmreidgen.benchmarks.extract_speed and data_speed: their setups."""
import argparse
import os.path as osp

import pytest
import torch

from mmreidgen.apis import load_config
from mmreidgen.benchmarks import data_speed, extract_speed

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/baseline/baseline_r18w16_synthmarket.py')


def test_gallery_loader_needs_enough_images(synth_root):
    cfg = load_config(CONFIG)
    args = argparse.Namespace(
        data_root=osp.join(synth_root, 'synthmarket'), batch_size=2,
        num_batches=2, num_workers=0)
    loader = extract_speed.gallery_loader(cfg, args)
    batch = next(iter(loader))
    assert len(batch['inputs']) == 2
    assert all(not s.is_query for s in batch['data_samples'])
    args.num_batches = 10**4
    with pytest.raises(ValueError, match='are needed for --num-batches'):
        extract_speed.gallery_loader(load_config(CONFIG), args)


def test_throughputs_count_images():
    class Model(torch.nn.Module):
        def extract_feat(self, x):
            return x.mean((2, 3))

        def test_step(self, batch):
            return batch

    rate = extract_speed.forward_only(Model(), (4, 3, 8, 4), 3, 'cpu')
    assert rate > 0
    loader = [dict(inputs=[0] * 5)] * 4
    assert extract_speed.loader_throughput(Model(), loader, 3, 'cpu') > 0


def test_data_speed_config(tmp_path):
    args = argparse.Namespace(config=CONFIG, data_root=str(tmp_path),
                              iters=7)
    cfg = data_speed.build_cfg(args, str(tmp_path / 'w'))
    assert cfg.train_cfg.max_iters == 7 and 'max_epochs' not in cfg.train_cfg
    assert 'val_interval' not in cfg.train_cfg
    assert cfg.val_dataloader is None and cfg.val_evaluator is None
    assert cfg.train_dataloader.num_workers == 0
    assert cfg.train_dataloader.persistent_workers is False
    assert cfg.train_dataloader.dataset.data_root == str(tmp_path)
    assert cfg.train_dataloader.dataset.pipeline[0].cache_mb == 0
    cfg = data_speed.build_cfg(args, str(tmp_path / 'w'), 2, 256)
    assert cfg.train_dataloader.num_workers == 2
    assert cfg.train_dataloader.persistent_workers is True
    assert cfg.train_dataloader.dataset.pipeline[0].cache_mb == 256
    # The settings compared: the old loader first, the configs' own last.
    assert data_speed.SETTINGS[0][1:] == (data_speed.Runner, 2, 0, None)
    own = load_config(CONFIG)
    assert data_speed.SETTINGS[-1][2:] == (
        own.train_dataloader.num_workers, own.image_cache_mb, None)
    assert 'constructor' not in own.optim_wrapper
    cfg = data_speed.build_cfg(args, str(tmp_path / 'w'), 0, 256,
                               'DefaultOptimWrapperConstructor')
    assert cfg.optim_wrapper.constructor == 'DefaultOptimWrapperConstructor'


def test_transform_costs_time_every_step(synth_root, tmp_path):
    args = argparse.Namespace(config=CONFIG, iters=2, data_root=osp.join(
        synth_root, 'synthmarket'))
    costs = data_speed.transform_costs(
        data_speed.build_cfg(args, str(tmp_path), 0, 16), 20)
    assert list(costs) == [
        'get_data_info', 'LoadReIDImage', 'ReIDResize', 'ReIDRandomFlip',
        'PadRandomCrop', 'RandomErasing', 'PackReIDInputs']
    assert all(v > 0 for v in costs.values())
