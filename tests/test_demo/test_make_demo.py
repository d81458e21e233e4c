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

    def recording(cmd, log_path, **kwargs):
        ran.append(cmd[1:3])
        return run(cmd, log_path, **kwargs)

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
    assert 'oracle: already done, skipped' in capsys.readouterr().out


def test_cut_paste_starts_from_crgan_stage_one(demo, tmp_path):
    """Cut, paste and learn trains only its stage III, from CR-GAN's stage
    I checkpoint, and refuses to start without one."""
    from mmreidgen.apis import load_config
    from mmreidgen.config import stage_names
    from mmreidgen.proofs.harness import parse_options
    crgan_dir = tmp_path / 'crgan'
    cfg = load_config(osp.join(demo.REPO, demo.CUTPASTE_CONFIG),
                      parse_options(demo.cut_paste_options(str(crgan_dir))))
    assert stage_names(cfg) == ['stage3_finetune', 'test', 'test_targets']
    stage3 = cfg.stages.stage3_finetune.cfg
    assert stage3.load_from == str(crgan_dir / 'stage1_pretrain' /
                                   'final.pth')
    assert cfg.model.finetune_cfg.renderer == 'cut_paste'
    with pytest.raises(SystemExit, match='run CR-GAN first'):
        demo.cut_paste(sys.executable, str(tmp_path), 'data', [],
                       str(crgan_dir))
    assert demo.ran == []


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


def test_progress_line_follows_the_training_log(demo):
    log = ''
    assert demo.progress_of(log) is None
    log += ('12/07 10:00:00 - mmengine - INFO - Stage stage1_pretrain '
            '(train) starts in /w/crgan/stage1_pretrain.\n')
    assert demo.progress_of(log) == 'stage1_pretrain: starting'
    log += ('12/07 10:00:09 - mmengine - INFO - Iter(train) [ 200/800]  '
            'base_lr: 1.0e-02 lr: 1.0e-02  eta: 0:01:30  time: 0.15\n')
    line = demo.progress_of(log)
    assert line == ('stage1_pretrain [#####...............] 200/800, '
                    '0:01:30 left')
    log += 'Stage test_direct_transfer (test) starts in /w/...\n'
    assert demo.progress_of(log) == 'test_direct_transfer: test'
    log += 'Stage stage2_gan (train) starts in /w/...\n'
    assert demo.progress_of(log) == 'stage2_gan: starting'
    # A single-stage run (the oracle) has no stage lines: its label names
    # it, where the job beside CR-GAN interleaves its lines with CR-GAN's.
    assert demo.progress_of(
        'Iter(train) [10/1200]  eta: 0:03:00').endswith('10/1200, 0:03:00 '
                                                        'left')
    assert demo.progress_of('Iter(train) [10/1200]  eta: 0:03:00',
                            'oracle') == ('oracle [....................] '
                                          '10/1200, 0:03:00 left')
    assert demo.progress_of('', 'oracle') == 'oracle: starting'
    # Outside a terminal, a line per tenth of a stage.
    assert not demo._worth_a_line(line, line.replace('200/', '210/'))
    assert demo._worth_a_line(line, line.replace('200/', '240/'))


def test_demo_ends_with_files_and_commands_that_parse(demo):
    import shlex
    lines = demo.next_steps('work_dirs/demo', 'data/synthreid_v2',
                            'work_dirs/demo/oracle/iter_1200.pth')
    text = '\n'.join(lines)
    assert 'work_dirs/demo/results.md' in text
    assert 'work_dirs/demo/crgan/stage3_finetune/final.pth' in text
    commands = [shlex.split(line) for line in lines
                if line.strip().startswith('python ')]
    assert [c[1] for c in commands] == [
        'tools/test.py', 'tools/analysis_tools/visualize_ranks.py']
    test_tool = load_tool('tools/test.py')
    args = test_tool.parse_args(commands[0][2:])
    assert args.checkpoint.endswith('stage3_finetune/final.pth')
    ranks = load_tool('tools/analysis_tools/visualize_ranks.py')
    args = ranks.parse_args(commands[1][2:])
    assert args.out_dir == 'work_dirs/demo/ranks'
    # Another benchmark root travels with the commands.
    lines = demo.next_steps('w', '/data/v1', None)
    commands = [line for line in lines if line.strip().startswith('python')]
    assert len(commands) == 1 and 'synth_root=/data/v1' in commands[0]
