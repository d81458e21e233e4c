"""``--resume`` refuses overrides that the resumed state would ignore."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from mmreidgen.engine.checkpoint import check_resume_config

pytestmark = pytest.mark.early(25)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/baseline/baseline_r18w16_synthmarket.py'


def _cfg(lr=0.1, max_iters=6, milestones=(4, )):
    return Config(dict(
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=lr,
                                          betas=(0.9, 0.99))),
        param_scheduler=[dict(type='MultiStepLR', milestones=list(
            milestones))],
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
        work_dir='/elsewhere'))


def test_check_resume_config(tmp_path):
    ckpt = str(tmp_path / 'iter_2.pth')
    torch.save(dict(meta=dict(cfg=_cfg().pretty_text), state_dict={}), ckpt)
    check_resume_config(_cfg(), ckpt)  # the same settings
    with pytest.raises(ValueError) as err:
        check_resume_config(_cfg(lr=0.5, max_iters=12, milestones=(8, )),
                            ckpt)
    message = str(err.value)
    assert 'optim_wrapper.optimizer.lr: 0.1 -> 0.5' in message
    assert 'train_cfg.max_iters: 6 -> 12' in message
    assert 'param_scheduler.0.milestones: [4] -> [8]' in message
    assert f'load_from={ckpt} (without --resume)' in message
    # A checkpoint without a recorded config cannot be compared.
    torch.save(dict(meta=dict(), state_dict={}), ckpt)
    check_resume_config(_cfg(lr=0.5), ckpt)


def test_resume_with_an_override_is_refused(synth_root, tmp_path):
    work = str(tmp_path / 'w')
    root = osp.join(synth_root, 'synthmarket')
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    env.pop('MMREIDGEN_TRACEBACK', None)

    def train(flags=(), options=()):
        return subprocess.run(
            [sys.executable, 'tools/train.py', CONFIG, '--work-dir', work,
             *flags, '--cfg-options', f'data_root={root}',
             'num_workers=0', 'train_dataloader.persistent_workers=False',
             'train_dataloader.batch_size=8', 'num_classes=8',
             'val_cfg=None', 'val_dataloader=None', 'val_evaluator=None',
             'train_cfg.max_iters=2', *options],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=600)

    first = train()
    assert first.returncode == 0, first.stderr[-2000:]
    copy = osp.join(work, osp.basename(CONFIG))
    with open(copy) as f:
        saved = f.read()
    proc = train(['--resume'], ['optim_wrapper.optimizer.lr=0.5'])
    assert proc.returncode == 1, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('Error (ValueError): --resume restores')
    assert 'optim_wrapper.optimizer.lr: ' in last and '-> 0.5' in last
    with open(copy) as f:
        assert f.read() == saved  # the config copy still tells the truth
    proc = train(['--resume'])
    assert proc.returncode == 0, proc.stderr[-2000:]
