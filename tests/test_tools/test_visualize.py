"""Ranked lists, CMC curves, dataset browsing, config printing, and the
TensorBoard backend of the default runtime."""
import json
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch
from conftest import load_tool
from mmengine.config import Config

from mmreidgen.apis import load_config
from mmreidgen.config import ConfigError
from mmreidgen.evaluation.functional import evaluate_rank
from mmreidgen.evaluation.functional.rank_list import rank_lists
from mmreidgen.registry import MODELS
from mmreidgen.visualization import reid_visualizer as reid_vis

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/baseline/baseline_r18w16_synthmarket.py')
CRGAN = osp.join(REPO,
                 'configs/crgan/crgan_r18w16_synthmarket2synthduke.py')


def data_opts(root: str) -> list:
    # The loader keeps the config's own settings (num_workers=0 beside an
    # inherited persistent_workers=True), which the tool must accept.
    return [
        '--cfg-options',
        f'test_dataloader.dataset.datasets.0.data_root={root}',
        f'test_dataloader.dataset.datasets.1.data_root={root}',
    ]


# -- ranked lists and CMC ---------------------------------------------------
def test_rank_lists_drop_junk_and_flag_matches():
    dist = np.array([[0.1, 0.2, 0.3, 0.4, 0.05]])
    g_pids = np.array([7, 7, 3, 7, 7])
    g_cams = np.array([1, 2, 2, 3, 0])  # index 4: same pid and camera
    (order, match), = rank_lists(dist, np.array([7]), g_pids,
                                 np.array([0]), g_cams, topk=3)
    assert order.tolist() == [0, 1, 2]
    assert match.tolist() == [True, True, False]


def test_visualize_ranks_end_to_end(synth_root, tmp_path, capsys):
    cfg = load_config(CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    ckpt = str(tmp_path / 'model.pth')
    torch.save({'state_dict': model.state_dict()}, ckpt)
    out_dir = tmp_path / 'vis'
    root = osp.join(synth_root, 'synthmarket')
    tool = load_tool('tools/analysis_tools/visualize_ranks.py')
    result = tool.main([
        CONFIG, ckpt, '--out-dir', str(out_dir), '--num-queries', '3',
        '--topk', '5', '--label', 'random init', *data_opts(root)
    ])
    printed = capsys.readouterr().out
    # Progress bars: sparse lines when the output is not a terminal.
    assert re.search(r'^\[\d+/\d+\] 100% ', printed, flags=re.M)

    ranks = sorted(os.listdir(out_dir / 'ranks'))
    assert len(ranks) == 3 and len(result['ranks']) == 3
    for entry in result['ranks']:
        image = cv2.imread(entry['file'])
        tile_w, gap = 64, 12
        assert image.shape[1] == tile_w + gap + 5 * (tile_w + 2)
        # Border colour of each gallery tile: green iff true match.
        for k, gallery in enumerate(entry['gallery']):
            x0 = tile_w + gap + k * (tile_w + 2)
            pixel = image[60, x0 + 1].astype(int)  # inside the left border
            expected = reid_vis.TRUE_COLOR if gallery['match'] else \
                reid_vis.FALSE_COLOR
            assert np.abs(pixel - expected).max() <= 2, (k, pixel)
            query_pid = int(re.search(r'pid(\d+)', entry['file']).group(1))
            assert gallery['match'] == (gallery['pid'] == query_pid)
        dists = [g['dist'] for g in entry['gallery']]
        assert dists == sorted(dists)

    curve = json.load(open(out_dir / 'cmc.json'))
    cmc = np.array(curve['cmc'])
    assert np.all(np.diff(cmc) >= 0) and 0 <= cmc[0] <= cmc[-1] <= 1
    assert curve['label'] == 'random init'
    png = cv2.imread(str(out_dir / 'cmc.png'))
    assert png is not None and png.shape[0] > 100

    # A second run overlays the first curve.
    tool.main([
        CONFIG, ckpt, '--out-dir', str(tmp_path / 'vis2'), '--queries',
        '0', '1', '--compare-cmc', str(out_dir / 'cmc.json'),
        *data_opts(root)
    ])
    assert sorted(os.listdir(tmp_path / 'vis2' / 'ranks'))[0].startswith(
        'q0000_')
    with pytest.raises(ValueError, match='out of range'):
        tool.main([CONFIG, ckpt, '--out-dir', str(tmp_path / 'v3'),
                   '--queries', '100000', *data_opts(root)])


def test_cmc_of_the_tool_equals_the_metric_function():
    """The tool's CMC is evaluate_rank's (the metric's), R1 included."""
    rng = np.random.default_rng(0)
    q_pids, g_pids = rng.integers(0, 5, 12), rng.integers(0, 5, 40)
    q_cams, g_cams = rng.integers(0, 3, 12), rng.integers(0, 3, 40)
    dist = rng.random((12, 40))
    lists = rank_lists(dist, q_pids, g_pids, q_cams, g_cams, topk=1)
    valid = [i for i in range(12) if np.any(
        (g_pids == q_pids[i]) & (g_cams != q_cams[i]))]
    r1 = np.mean([lists[i][1][0] for i in valid])
    cmc, _, _ = evaluate_rank(dist, q_pids, g_pids, q_cams, g_cams,
                              max_rank=5)
    assert cmc[0] == pytest.approx(r1)


# -- browse_dataset ---------------------------------------------------------
def test_browse_dataset_shows_transforms_and_masks(synth_root, tmp_path):
    tool = load_tool('tools/misc/browse_dataset.py')
    root = osp.join(synth_root, 'synthmarket')
    out = tmp_path / 'browse'
    written = tool.main([
        CONFIG, '--output-dir', str(out), '--show-number', '3',
        '--cfg-options', f'train_dataloader.dataset.data_root={root}',
        'train_pipeline.0.with_mask=True'
    ])
    assert len(written) == 3 and len(os.listdir(out)) == 3
    image = cv2.imread(written[0])
    # original | transformed | mask | overlay: 4 panels of height 128.
    assert image.shape[0] > 128
    assert image.shape[1] >= 4 * 64
    plain = tool.main([
        CONFIG, '--output-dir', str(tmp_path / 'plain'), '--show-number',
        '1', '--cfg-options', f'train_dataloader.dataset.data_root={root}'
    ])
    assert cv2.imread(plain[0]).shape[1] < image.shape[1]  # no mask panels


def test_browse_dataset_unknown_stage(tmp_path):
    tool = load_tool('tools/misc/browse_dataset.py')
    with pytest.raises(ConfigError, match="'nope' is not a stage"):
        tool.main([CRGAN, '--stage', 'nope', '--output-dir', str(tmp_path)])


# -- print_config ---------------------------------------------------------
def test_print_config(tmp_path, capsys):
    tool = load_tool('tools/misc/print_config.py')
    out = str(tmp_path / 'resolved.py')
    text = tool.main([CONFIG, '--cfg-options', 'model.head.num_classes=7',
                      '--out', out])
    assert text == capsys.readouterr().out
    resolved = Config.fromfile(out)
    assert resolved.model.head.num_classes == 7
    assert resolved.model.backbone.depth == 18  # from the base chain
    assert resolved.custom_hooks == [dict(type='LossGuardHook')]
    with pytest.raises(ConfigError, match="Did you mean 'model.backbone'"):
        tool.main([CONFIG, '--cfg-options', 'model.bakbone.depth=3'])


def test_print_config_stage(capsys):
    tool = load_tool('tools/misc/print_config.py')
    tool.main([CRGAN])
    assert ('# Pipeline stages, in order: stage1_pretrain, '
            'test_direct_transfer, stage2_gan') in capsys.readouterr().out
    text = tool.main([CRGAN, '--stage', 'stage2_gan'])
    assert "train_stage='gan'" in text and 'stages =' not in text
    # Printed once, with the stage's type and the schedule it runs.
    assert text.count('train_stage=') == 1
    assert "# Stage stage2_gan: type 'train'" in text
    assert 'begin=400' in text and 'end=800' in text
    assert '${' not in text
    with pytest.raises(ConfigError, match="'nope' is not a stage"):
        tool.main([CRGAN, '--stage', 'nope'])


def test_print_config_slsr_stage_shows_what_the_step_runs():
    tool = load_tool('tools/misc/print_config.py')
    slsr = osp.join(REPO, 'configs/slsr/slsr_r18w16_synthmarket.py')
    text = tool.main([slsr, '--stage', 'stage3_gan'])
    assert "type 'SLSRTrainGANStage'" in text and 'cluster_dir' in text
    # The DCGAN's own schedule and model, not the baseline's.
    assert "type='EpochBasedTrainLoop'" in text and 'max_epochs=60' in text
    assert "type='SLSRDCGAN'" in text
    text = tool.main([slsr, '--stage', 'stage5_finetune'])
    # 40 epochs of (896 + 800) // 32 iterations, decay after 30.
    assert 'max_iters=2120' in text
    assert '1590' in text


# -- TensorBoard through mmengine's visualisation backends -------------------
def test_default_runtime_tensorboard_backend(tmp_path):
    pytest.importorskip('tensorboard')
    from mmengine.visualization import Visualizer
    text = open(osp.join(REPO, 'configs/_base_/default_runtime.py')).read()
    # The commented-out lines that switch the backends on must be valid.
    block = re.search(r'^# (vis_backends = \[.*?\])$', text,
                      flags=re.M | re.S).group(1)
    code = '\n'.join(line[2:] if line.startswith('# ') else line
                     for line in block.splitlines())
    scope = {}
    exec(code, scope)
    backends = [b for b in scope['vis_backends']
                if b['type'] != 'WandbVisBackend']
    assert [b['type'] for b in backends] == [
        'LocalVisBackend', 'TensorboardVisBackend'
    ]
    # TensorBoard is on by default, W&B only in the comment.
    default = Config.fromfile(
        osp.join(REPO, 'configs/_base_/default_runtime.py'))
    assert [b['type'] for b in default.vis_backends] == [
        'LocalVisBackend', 'TensorboardVisBackend'
    ]
    assert default.visualizer.vis_backends == default.vis_backends
    vis = Visualizer(
        name='tb_test', vis_backends=backends, save_dir=str(tmp_path))
    vis.add_scalars({'loss': 1.5, 'reid/mAP': 12.0}, step=3)
    vis.add_image('ranks', np.zeros((16, 8, 3), np.uint8), step=3)
    vis.close()
    events = [f for _, _, fs in os.walk(tmp_path) for f in fs
              if f.startswith('events.out.tfevents')]
    assert events
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )
    acc = EventAccumulator(
        osp.dirname(next(osp.join(d, f) for d, _, fs in os.walk(tmp_path)
                         for f in fs if f.startswith('events.out'))))
    acc.Reload()
    assert [e.value for e in acc.Scalars('loss')] == [1.5]
    assert acc.Scalars('loss')[0].step == 3
