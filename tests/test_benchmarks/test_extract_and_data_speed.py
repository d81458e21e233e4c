"""mmreidgen.benchmarks.extract_speed and data_speed: their setups."""
import argparse
import os.path as osp
import time

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
    """Images per second: the images of every timed batch over the time,
    the warm-up batch left out."""
    pause = 0.02

    class Model(torch.nn.Module):

        def __init__(self):
            super().__init__()
            self.shapes, self.batches = [], []

        def extract_feat(self, x):
            self.shapes.append(tuple(x.shape))
            time.sleep(pause)
            return x.mean((2, 3))

        def test_step(self, batch):
            self.batches.append(len(batch['inputs']))
            time.sleep(pause)
            return batch

    model = Model()
    rate = extract_speed.forward_only(model, (16, 3, 8, 4), 3, 'cpu')
    assert model.shapes == [(16, 3, 8, 4)] * 4  # warm-up + 3 timed
    # 48 images in at least 3 pauses; a loaded machine may take longer.
    assert 48 / (3 * pause) / 4 < rate <= 48 / (3 * pause)
    # Batches of 70 (warm-up), 50, 30 and 20: 100 timed images.
    loader = [dict(inputs=[0] * n) for n in (70, 50, 30, 20, 9)]
    rate = extract_speed.loader_throughput(model, loader, 3, 'cpu')
    assert model.batches == [70, 50, 30, 20]
    assert 100 / (3 * pause) / 4 < rate <= 100 / (3 * pause)


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
