"""train -> checkpoint -> resume -> test through the real tools, on the
synthetic benchmark."""
import json
import os
import os.path as osp
import subprocess
import sys

import torch

from mmreidgen.utils.safe_load import safe_globals

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/baseline/baseline_r18w16_synthmarket.py'


def data_options(root: str, max_iters: int) -> list:
    market = osp.join(root, 'synthmarket')
    return [
        f'train_dataloader.dataset.data_root={market}',
        f'test_dataloader.dataset.datasets.0.data_root={market}',
        f'test_dataloader.dataset.datasets.1.data_root={market}',
        # val_dataloader is '${test_dataloader}': it follows.
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'train_dataloader.batch_size=8',
        'model.head.num_classes=8',
        f'train_cfg.max_iters={max_iters}',
        f'train_cfg.val_interval={max_iters}',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1',
    ]


def run_tool(*args):
    proc = subprocess.run([sys.executable, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def test_train_resume_then_test(synth_root, tmp_path):
    work_dir = str(tmp_path / 'work')
    # --resume without a checkpoint says that training starts afresh.
    log = run_tool('tools/train.py', CONFIG, '--work-dir', work_dir,
                   '--resume', '--cfg-options', *data_options(synth_root, 4))
    assert f'--resume: no complete checkpoint in {work_dir}; training ' \
        'starts from the beginning.' in log
    # Interrupted after iteration 2: its last checkpoint is iter_2.pth.
    os.remove(osp.join(work_dir, 'iter_4.pth'))
    os.remove(osp.join(work_dir, 'last_checkpoint'))
    first = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(first)
    # The checkpoint loads with weights_only=True (no unsafe pickles).
    ckpt = torch.load(first, map_location='cpu', weights_only=True)
    assert ckpt['meta']['iter'] == 2
    assert 'message_hub' in ckpt and 'optimizer' in ckpt

    log = run_tool('tools/train.py', CONFIG, '--work-dir', work_dir,
                   '--resume', '--cfg-options', *data_options(synth_root, 4))
    assert 'resumed' in log.lower() or 'resume' in log.lower()
    assert 'Iter(train) [3/4]' in log and 'Iter(train) [1/4]' not in log
    final = osp.join(work_dir, 'iter_4.pth')
    resumed = torch.load(final, map_location='cpu', weights_only=True)
    assert resumed['meta']['iter'] == 4

    out = str(tmp_path / 'metrics.json')
    run_tool('tools/test.py', CONFIG, final, '--work-dir',
             str(tmp_path / 'test'), '--out-metrics', out, '--cfg-options',
             *data_options(synth_root, 4))
    with open(out) as f:
        metrics = json.load(f)
    keys = {k.rsplit('/', 1)[-1] for k in metrics}
    assert {'mAP', 'R1', 'R5', 'mINP'} <= keys
    assert all(0 <= v <= 100 for v in metrics.values())


def test_safe_globals_cover_mmengine_types():
    names = {getattr(t, '__name__', str(t)) for t in safe_globals()}
    assert {'HistoryBuffer', 'ndarray', 'dtype', '_reconstruct'} <= names
