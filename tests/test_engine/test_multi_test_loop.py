"""MultiTestLoop: several named test sets in one run (tools/test.py)."""
import json
import os
import os.path as osp
from pathlib import Path

import pytest
import torch
from conftest import REPO, load_tool

from mmreidgen.apis import load_config
from mmreidgen.engine.runner import format_table, target_rows
from mmreidgen.engine.runner.multi_test_loop import check_test_sets
from mmreidgen.registry import MODELS

CRGAN = osp.join(REPO, 'configs/crgan/crgan_r18w16_synthmarket2synthduke.py')
NO_WORKERS = ['num_workers=0', 'test_dataloader.persistent_workers=False']


@pytest.fixture
def synth(synth_root, tmp_path, monkeypatch) -> str:
    """``synth_root`` as the short relative path ``synth``.

    mmengine formats the config with yapf several times per run, which
    takes seconds with long paths.
    """
    monkeypatch.chdir(tmp_path)
    os.symlink(synth_root, 'synth')
    return 'synth'


def write_config(synth_root, extra=True) -> str:
    """synthduke as the test set, synthmarket as an extra one."""
    base = osp.join(REPO, 'configs/baseline/baseline_r18w16_synthmarket.py')
    text = [f"_base_ = [{base!r}]",
            f"data_root = {osp.join(synth_root, 'synthduke')!r}"]
    if extra:
        market = osp.join(synth_root, 'synthmarket')
        text.append(
            'test_cfg = dict(type="MultiTestLoop", extra_test_sets=[dict('
            'name="synthmarket", dataset=dict(type="ConcatDataset", '
            'datasets=[dict(type="Market1501", '
            f'data_root={market!r}, subset=s, pipeline="${{test_pipeline}}")'
            ' for s in ("query", "gallery")]))])')
    path = 'two_targets.py' if extra else 'one_target.py'
    with open(path, 'w') as f:
        f.write('\n'.join(text) + '\n')
    return path


def save_checkpoint(config: str, path: str, **kwargs) -> str:
    """Random weights of the config's model (seed 0)."""
    cfg = load_config(config, **kwargs)
    cfg.pop('stage', None)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    torch.save({'state_dict': model.state_dict(),
                'meta': {'cfg': cfg.pretty_text}}, path)
    return path


def test_check_test_sets_messages():
    assert check_test_sets(None) == []
    with pytest.raises(ValueError, match='list of dict'):
        check_test_sets(dict(duke=dict()))
    with pytest.raises(ValueError, match=r'extra_test_sets\[0\]'):
        check_test_sets([dict(name='duke')])
    with pytest.raises(ValueError, match='without "/"'):
        check_test_sets([dict(name='a/b', dataset={})])
    with pytest.raises(ValueError, match='twice'):
        check_test_sets([dict(name='a', dataset={}), dict(name='a',
                                                          dataset={})])
    with pytest.raises(ValueError, match='unknown keys'):
        check_test_sets([dict(name='a', dataset={}, loader={})])


def test_target_rows_and_table():
    metrics = {'reid/mAP': 50.0, 'reid/R1': 60.0, 'duke/reid/mAP': 20.0,
               'duke/reid/R1': 30.0}
    rows = target_rows(metrics, ['duke'])
    assert rows == {'target': {'mAP': 50.0, 'R1': 60.0},
                    'duke': {'mAP': 20.0, 'R1': 30.0}}
    table = format_table(rows).splitlines()
    assert table[0] == '| test set | mAP | R1 |'
    assert table[2:] == ['| target | 50.00 | 60.00 |',
                         '| duke | 20.00 | 30.00 |']


def test_two_targets_through_test_tool(synth, capsys):
    config = write_config(synth)
    ckpt = save_checkpoint(config, 'ckpt.pth')
    test = load_tool('tools/test.py').main
    metrics = test([config, ckpt, '--work-dir', 'w', '--out-metrics',
                    'metrics.json', '--cfg-options', *NO_WORKERS])
    table = capsys.readouterr().out
    with open('metrics.json') as f:
        saved = json.load(f)
    assert saved == pytest.approx(metrics)
    names = ['mAP', 'mINP', 'R1', 'R5', 'R10', 'R20']
    assert set(saved) == {f'reid/{n}' for n in names} | {
        f'synthmarket/reid/{n}' for n in names}
    # The primary set's metrics are those of a plain TestLoop run.
    alone = test([write_config(synth, extra=False), ckpt, '--work-dir',
                  'w1', '--cfg-options', *NO_WORKERS])
    assert {k: v for k, v in saved.items() if k.startswith('reid/')} == \
        pytest.approx(alone)
    assert saved['synthmarket/reid/mAP'] != saved['reid/mAP']
    rows = [line for line in table.splitlines() if line.startswith('| ')]
    assert rows[0].startswith('| test set | mAP |')
    assert rows[1].startswith(f"| target | {saved['reid/mAP']:.2f} |")
    assert rows[2].startswith(
        f"| synthmarket | {saved['synthmarket/reid/mAP']:.2f} |")


def test_missing_extra_set_stops_before_testing(synth):
    config = write_config(synth)
    ckpt = save_checkpoint(config, 'ckpt.pth')
    missing = 'nowhere'
    with pytest.raises(FileNotFoundError,
                       match="(?s)'synthmarket'.*does not exist.*None"):
        load_tool('tools/test.py').main([
            config, ckpt, '--work-dir', 'w', '--cfg-options',
            *NO_WORKERS,
            'test_cfg.extra_test_sets.0.dataset.datasets.0.data_root='
            f'{missing}'])


def test_crgan_configs_list_the_papers_other_target():
    expect = {'crgan_r50_market2duke.py': ('market', 'data/market1501'),
              'crgan_r50_duke2market.py': ('duke', 'data/dukemtmc-reid'),
              'crgan_r50_cuhk032market.py': ('duke', 'data/dukemtmc-reid'),
              'crgan_r50_cuhk032duke.py': ('market', 'data/market1501')}
    for name, (target, root) in expect.items():
        path = osp.join(REPO, 'configs/crgan', name)
        stage = load_config(path, stage='test_targets', work_dir='/w')
        loop = stage.test_cfg
        assert loop.type == 'MultiTestLoop', name
        (entry, ) = loop.extra_test_sets
        assert entry['name'] == target, name
        sets = entry['dataset']['datasets']
        assert [d['data_root'] for d in sets] == [root, root], name
        assert [d['subset'] for d in sets] == ['query', 'gallery']
        assert stage.load_from == '/w/stage3_finetune/final.pth'
        # Every other stage keeps the plain test loop.
        assert load_config(path, stage='test', work_dir='/w').test_cfg == \
            dict(type='TestLoop'), name


def test_synthetic_crgan_tests_both_domains(synth, capsys):
    options = [f'synth_root={synth}', *NO_WORKERS]
    work = Path('crgan')
    ckpt = str(work / 'stage3_finetune' / 'final.pth')
    (work / 'stage3_finetune').mkdir(parents=True)
    save_checkpoint(
        CRGAN, ckpt, cfg_options={'synth_root': synth},
        stage='stage3_finetune', work_dir=str(work))
    out = Path('m.json')
    load_tool('tools/test.py').main([
        CRGAN, ckpt, '--work-dir', str(work), '--out-metrics', str(out),
        '--cfg-options', *options])
    saved = json.loads(out.read_text())
    assert 'reid/mAP' in saved and 'synthmarket/reid/mAP' in saved
    assert '| synthmarket |' in capsys.readouterr().out
    # The pipeline's own stage writes the same metrics.
    load_tool('tools/train.py').main([
        CRGAN, '--work-dir', str(work), '--cfg-options', *options,
        'only_stage=test_targets'])
    staged = json.loads((work / 'test_targets' / 'metrics.json').read_text())
    assert staged == pytest.approx(saved)
    # extra_test_sets=None: the target only, with the same numbers.
    alone = load_tool('tools/test.py').main([
        CRGAN, ckpt, '--work-dir', str(work), '--cfg-options', *options,
        'extra_test_sets=None'])
    assert alone == pytest.approx(
        {k: v for k, v in saved.items() if k.startswith('reid/')})
    direct = load_config(CRGAN, stage='test_targets', work_dir='/w',
                         cfg_options={'test_stage': 'stage1_pretrain'})
    assert direct.load_from == '/w/stage1_pretrain/final.pth'
