import os

from mmengine.config import Config

from mmreidgen.utils import cap_num_workers


def test_workers_capped_at_cpu_cores(monkeypatch):
    monkeypatch.setattr(os, 'cpu_count', lambda: 2)
    cfg = Config(dict(
        train_dataloader=dict(num_workers=8),
        test_dataloader=dict(num_workers=1),
        val_dataloader=None))
    cap_num_workers(cfg)
    assert cfg.train_dataloader.num_workers == 2
    assert cfg.test_dataloader.num_workers == 1
    monkeypatch.setattr(os, 'cpu_count', lambda: 16)
    cfg = Config(dict(train_dataloader=dict(num_workers=8)))
    cap_num_workers(cfg)
    assert cfg.train_dataloader.num_workers == 8
