"""``make demo`` (tools/demo.py) run twice: the second run skips what the
first finished."""
import json
import os.path as osp
import sys

import pytest
from conftest import load_tool

# A two-iteration oracle on the tiny benchmark of the fixture.
TINY = ['train_dataloader.batch_size=8', 'train_cfg.max_iters=2',
        'default_hooks.logger.interval=1']


@pytest.fixture
def demo(monkeypatch):
    """tools/demo.py, recording the commands it runs."""
    module = load_tool('tools/demo.py')
    ran = []
    run = module.run

    def recording(cmd, log_path):
        ran.append(cmd[1:3])
        return run(cmd, log_path)

    monkeypatch.setattr(module, 'run', recording)
    module.ran = ran
    return module


def test_second_demo_skips_the_finished_oracle(demo, synth_root, tmp_path,
                                               capsys):
    work_dir = str(tmp_path / 'demo')
    first = demo.train_and_test_oracle(sys.executable, work_dir, synth_root,
                                       TINY)
    assert [c[0] for c in demo.ran] == ['tools/train.py', 'tools/test.py']
    assert {'mAP', 'R1', 'R5'} <= set(first)
    assert osp.isfile(osp.join(work_dir, 'oracle', 'iter_2.pth'))
    capsys.readouterr()

    second = demo.train_and_test_oracle(sys.executable, work_dir,
                                        synth_root, TINY)
    assert len(demo.ran) == 2, demo.ran  # nothing ran again
    assert second == first
    assert 'already done: skipped' in capsys.readouterr().out



def test_a_changed_step_runs_again(demo, tmp_path):
    done = str(tmp_path / 'step.done.json')
    log = str(tmp_path / 'step.log')
    step = [sys.executable, '-c', 'print(1)']
    assert demo.run_once(step, log, done) is not None
    assert demo.run_once(step, log, done) is None
    changed = [sys.executable, '-c', 'print(2)']
    assert demo.run_once(changed, log, done) is not None
    assert len(demo.ran) == 2
    with open(done) as f:
        assert json.load(f) == dict(command=changed[1:])
