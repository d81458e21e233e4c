"""The prepared GPU check (tools/gpu/check.sh) cannot rot: its dry run
runs the same code on the CPU at tiny sizes, here, in under a minute."""
import json
import math
import os.path as osp
import re
import subprocess

import pytest

from mmreidgen.benchmarks import gpu_check
from mmreidgen.benchmarks.train_speed import PLAIN_STEPS

pytestmark = pytest.mark.early(30)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SECTIONS = ('environment', 'cuda_tests', 'render', 'train', 'busy', 'eval')


def numbers(node):
    """Every int/float inside a JSON tree (booleans excluded)."""
    if isinstance(node, dict):
        for value in node.values():
            yield from numbers(value)
    elif isinstance(node, list):
        for value in node:
            yield from numbers(value)
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield node


def test_settings_and_configs():
    assert gpu_check.SETTINGS[:3] == ('float32', 'float16', 'bfloat16')
    assert len(gpu_check.SETTINGS) == 6
    assert set(gpu_check.TRAIN_SPECS) == set(PLAIN_STEPS)
    for full, small, _, _ in gpu_check.TRAIN_SPECS.values():
        assert osp.isfile(osp.join(REPO, full)), full
        assert osp.isfile(osp.join(REPO, small)), small
    args = gpu_check.parse_args(['--out', '/tmp/x'])
    assert args.iters == 300 and args.settings == list(gpu_check.SETTINGS)
    args = gpu_check.parse_args(['--out', '/tmp/x', '--dry-run'])
    assert args.iters == 2 and 'float16' not in args.settings


def test_point_to_synthetic():
    node = dict(type='ConcatDataset', datasets=[
        dict(type='Market1501', data_root='a', domain='source'),
        dict(type='DukeMTMCReID', data_root='b', domain='target')])
    gpu_check.point_to_synthetic(node, '/s')
    assert [d['data_root'] for d in node['datasets']] == [
        '/s/synthmarket', '/s/synthduke']
    assert {d['type'] for d in node['datasets']} == {'Market1501'}


@pytest.fixture(scope='module')
def dry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp('gpu_check')
    proc = subprocess.run(
        ['bash', osp.join(REPO, 'tools', 'gpu', 'check.sh'), '--dry-run',
         str(out), '--', '--work-dir', str(out / 'work'),
         # A budget no busy machine exhausts: this checks that every
         # section and setting runs, not how fast.
         '--budget', '3600'],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(out / 'gpu_check.json') as f:
        report = json.load(f)
    return out, report


def test_dry_run_writes_every_section(dry_run):
    out, report = dry_run
    for section in SECTIONS:
        assert section in report, section
    assert report['dry_run'] is True
    assert report['non_finite'] == []
    assert all(math.isfinite(x) for x in numbers(report))
    assert report['cuda_tests']['status'] == 'ok', report['cuda_tests']
    assert report['render']['status'] == 'ok', report['render']
    train = report['train']
    assert set(train['configs']) == set(gpu_check.TRAIN_SPECS)
    assert any('float16' in note for note in train['notes'])
    for name, entry in train['configs'].items():
        run = entry['run']
        assert run['status'] == 'ok', (name, run)
        assert run['iterations'] == 2 and run['images_per_s'] > 0
        assert 0 < report['busy']['configs'][name]['busy_fraction'] <= 1
        assert set(entry['steps']) == set(train['settings'])
        for key, step in entry['steps'].items():
            assert step['status'] == 'ok', (name, key, step)
            assert step['ratio'] > 0 and step['images_per_s'] > 0
    for size in ('market', 'msmt'):
        for step, item in report['eval'][size].items():
            assert item['status'] == 'ok', (size, step, item)
            assert item['device_s'] >= 0
            assert item['equal'] is True, (size, step, item)
    markdown = (out / 'gpu_check.md').read_text()
    for title in ('## 1. CUDA tests', '## 2. Synthetic set',
                  '## 3. Training', '## 4. Evaluation and re-ranking',
                  '## 5. GPU busy fraction'):
        assert title in markdown
    assert not re.search(r'\bnan\b', markdown, re.IGNORECASE)
    assert (out / 'gpu_check.log').exists()
    assert (out / 'cuda_tests.log').exists()
