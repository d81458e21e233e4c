"""Mean ± sd over random splits: tools/analysis_tools/eval_splits.py."""
import json
import math
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO, load_tool

from mmreidgen.apis import load_config
from mmreidgen.registry import MODELS
from mmreidgen.stages import evaluate_splits
from mmreidgen.stages.runs import split_variable

BASE = osp.join(REPO, 'configs/baseline/baseline_r18w16_synthmarket.py')
NUM_IDS = 20  # 10 test identities per split


@pytest.fixture
def viper_config(tmp_path, monkeypatch) -> str:
    """A VIPeR-like tree (random images) and a tiny config on it.

    Paths are relative to ``tmp_path`` (the working dir): mmengine formats
    the config with yapf several times per run, seconds with long paths.
    """
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    root = tmp_path / 'viper'
    for cam, angle in (('cam_a', 0), ('cam_b', 90)):
        (root / cam).mkdir(parents=True)
        for pid in range(NUM_IDS):
            cv2.imwrite(str(root / cam / f'{pid:03d}_{angle}.bmp'),
                        rng.integers(0, 255, (16, 8, 3), dtype=np.uint8))
    path = 'viper_cfg.py'
    open(path, 'w').write(f"""_base_ = [{BASE!r}]
dataset_type = 'VIPeR'
data_root = 'viper'
num_workers = 0
viper_split_id = 0
train_dataloader = dict(persistent_workers=False,
                        dataset=dict(split_id='${{viper_split_id}}',
                                     serialize_data=False))
test_dataloader = dict(
    persistent_workers=False,
    dataset=dict(datasets=[
        dict(type='${{dataset_type}}', data_root='${{data_root}}',
             subset=subset, pipeline='${{test_pipeline}}',
             split_id='${{viper_split_id}}', serialize_data=False)
        for subset in ('query', 'gallery')]))
test_evaluator = dict(protocol='single_gallery_shot', num_repeats=10,
                      seed=0)
""")
    return path


def save_checkpoints(config: str, pattern: str, splits) -> None:
    cfg = load_config(config)
    for split in splits:
        torch.manual_seed(split)
        torch.save({'state_dict': MODELS.build(cfg.model).state_dict(),
                    'meta': {'cfg': cfg.pretty_text}},
                   pattern.format(split=split))


def test_mean_and_sd_over_splits_through_the_tool(viper_config, tmp_path,
                                                  capsys):
    pattern = 'ckpt_split{split}.pth'
    save_checkpoints(viper_config, pattern, [0, 1])
    out = tmp_path / 'splits.json'
    result = load_tool('tools/analysis_tools/eval_splits.py').main([
        viper_config, pattern, '--splits', '0', '1', '--work-dir', 'w',
        '--out', str(out)])
    saved = json.loads(out.read_text())
    assert saved['split_variable'] == 'viper_split_id'
    assert saved['num_splits'] == 2
    assert [s['split'] for s in saved['splits']] == [0, 1]
    assert saved['splits'][1]['checkpoint'] == pattern.format(split=1)
    per_split = {k: [s['metrics'][k] for s in saved['splits']]
                 for k in saved['mean']}
    for key, values in per_split.items():
        assert saved['mean'][key] == pytest.approx(np.mean(values))
        assert saved['sd'][key] == pytest.approx(np.std(values, ddof=1))
    # Different splits test different identities.
    assert len(set(per_split['reid/R1'])) > 1 or \
        len(set(per_split['reid/mAP'])) > 1
    # Each split is what tools/test.py gives for that split.
    one = load_tool('tools/test.py').main([
        viper_config, pattern.format(split=1), '--work-dir', 'one',
        '--cfg-options', 'viper_split_id=1'])
    assert saved['splits'][1]['metrics'] == pytest.approx(one)
    printed = capsys.readouterr().out
    r1 = result['mean']['reid/R1'], result['sd']['reid/R1']
    assert f'| reid/R1 | {r1[0]:.2f} ± {r1[1]:.2f} |' in printed
    assert 'viper_split_id: 2 splits (0, 1)' in printed


def test_train_every_split_then_test(viper_config, tmp_path):
    result = evaluate_splits(
        viper_config, splits=[0, 1], train=True,
        work_dir='w',
        cfg_options={'train_cfg.max_iters': 2,
                     'default_hooks.checkpoint.interval': 2,
                     'val_cfg': None, 'val_dataloader': None,
                     'val_evaluator': None, 'train_dataloader.batch_size': 8})
    assert [s['checkpoint'] for s in result['splits']] == [
        osp.join('w', f'split{k}', 'final.pth') for k in (0, 1)]
    assert all(osp.isfile(s['checkpoint']) for s in result['splits'])
    assert result['num_splits'] == 2
    assert not math.isnan(result['sd']['reid/mAP'])


def test_split_errors(viper_config):
    with pytest.raises(ValueError, match='{split}'):
        evaluate_splits(viper_config, 'one.pth')
    with pytest.raises(ValueError, match='--train'):
        evaluate_splits(viper_config)
    # CUHK03 767/700 has one split.
    new = osp.join(REPO, 'configs/baseline/baseline_r50_cuhk03.py')
    with pytest.raises(ValueError, match='one fixed split'):
        split_variable(load_config(new))
    with pytest.raises(KeyError, match='no top-level variable'):
        split_variable(load_config(viper_config), 'split')


@pytest.mark.parametrize('name, var', [('slsr_r50_cuhk03.py',
                                        'cuhk03_split_id'),
                                       ('slsr_r50_viper.py',
                                        'viper_split_id')])
def test_slsr_configs_use_the_papers_protocol(name, var):
    path = osp.join(REPO, 'configs/slsr', name)
    cfg = load_config(path)
    assert split_variable(cfg) == var
    for stage in ('stage1_test', 'stage6_test', 'stage6_test_rerank'):
        resolved = load_config(path, stage=stage, work_dir='/w')
        evaluator = resolved.test_evaluator
        assert evaluator.protocol == 'single_gallery_shot', stage
        assert evaluator.num_repeats == 100
    # The split variable reaches the train and the test sets.
    resolved = load_config(path, {var: 3}, stage='stage1_baseline',
                           work_dir='/w')
    assert resolved.train_dataloader.dataset.split_id == 3
    assert [d['split_id'] for d in
            resolved.test_dataloader.dataset.datasets] == [3, 3]


def test_cuhk03_base_protocols():
    path = osp.join(REPO, 'configs/baseline/baseline_r50_cuhk03.py')
    assert load_config(path).test_evaluator.protocol == 'market'
    classic = load_config(path, {'cuhk03_protocol': 'classic',
                                 'cuhk03_eval_protocol':
                                 'single_gallery_shot'})
    assert classic.test_evaluator.protocol == 'single_gallery_shot'
    assert split_variable(classic) == 'cuhk03_split_id'
