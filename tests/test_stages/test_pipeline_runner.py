"""PipelineRunner's bookkeeping with stages that only record they ran:
markers, skipping, stale settings, --restart-from, only_stage."""
import json
import os
import os.path as osp

import pytest
from mmengine.config import Config

from mmreidgen.config import ConfigError
from mmreidgen.registry import STAGES
from mmreidgen.stages import BaseStage, PipelineRunner, StaleStageError

RAN = []


@STAGES.register_module(force=True)
class _RecordingStage(BaseStage):
    """Appends its name to RAN and writes ``out.txt``."""

    def __init__(self, cfg, work_dir, name, value=None):
        super().__init__(cfg, work_dir, name)
        self.value = value

    def run(self):
        RAN.append(self.name)
        with open(osp.join(self.work_dir, 'out.txt'), 'w') as f:
            f.write(f'{self.value} {self.cfg.train_cfg.max_iters}')
        return dict(value=self.value)


@pytest.fixture(autouse=True)
def clear_record():
    RAN.clear()
    yield
    RAN.clear()


def pipeline_cfg(work_dir, value=1, iters=3, **top):
    return Config(dict(
        runner_type='PipelineRunner',
        work_dir=work_dir,
        value=value,
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=10),
        train_dataloader=dict(batch_size=2, num_workers=0),
        stages=dict(
            a=dict(type='_RecordingStage', value='${value}'),
            b=dict(type='_RecordingStage',
                   cfg=dict(train_cfg=dict(max_iters=iters))),
            c=dict(type='_RecordingStage', value='{work_dir}/a'),
        ),
        **top))


def test_runs_stages_in_order_and_records_them(tmp_path):
    work_dir = str(tmp_path)
    PipelineRunner(pipeline_cfg(work_dir)).train()
    assert RAN == ['a', 'b', 'c']
    for name in 'abc':
        with open(osp.join(work_dir, name, 'done')) as f:
            done = json.load(f)
        with open(osp.join(work_dir, name, 'stage_config.json')) as f:
            recorded = json.load(f)
        assert done['hash'] == recorded['hash']
        assert recorded['config']['stage']['name'] == name
    with open(osp.join(work_dir, 'a', 'done')) as f:
        assert json.load(f)['result'] == dict(value=1)
    with open(osp.join(work_dir, 'b', 'out.txt')) as f:
        assert f.read() == 'None 3'
    with open(osp.join(work_dir, 'c', 'out.txt')) as f:
        assert f.read() == f'{work_dir}/a 10'
    # Done stages are skipped; a setting that does not change results
    # (num_workers) does not make them stale.
    cfg = pipeline_cfg(work_dir)
    cfg.train_dataloader.num_workers = 2
    PipelineRunner(cfg).train()
    assert RAN == ['a', 'b', 'c']


def test_a_changed_setting_stops_before_any_work(tmp_path):
    work_dir = str(tmp_path)
    PipelineRunner(pipeline_cfg(work_dir)).train()
    RAN.clear()
    stamp = os.stat(osp.join(work_dir, 'b', 'done')).st_mtime_ns
    with pytest.raises(StaleStageError) as info:
        PipelineRunner(pipeline_cfg(work_dir, iters=4)).train()
    message = str(info.value)
    assert "Stage 'b' has finished" in message
    assert 'train_cfg.max_iters' in message
    assert '--restart-from b' in message
    assert isinstance(info.value, ConfigError)
    assert RAN == []
    assert os.stat(osp.join(work_dir, 'b', 'done')).st_mtime_ns == stamp
    # A stage argument through a variable: the first stage is named.
    with pytest.raises(StaleStageError, match="Stage 'a'"):
        PipelineRunner(pipeline_cfg(work_dir, value=2)).train()
    assert RAN == []


def test_a_started_stage_with_other_settings_is_stale(tmp_path):
    work_dir = str(tmp_path)
    runner = PipelineRunner(pipeline_cfg(work_dir))
    runner.run_stage('a')
    os.remove(osp.join(work_dir, 'a', 'done'))  # interrupted
    with pytest.raises(StaleStageError, match="Stage 'a' has started"):
        PipelineRunner(pipeline_cfg(work_dir, value=5)).train()
    assert RAN == ['a']


def test_restart_from_moves_that_stage_and_later_ones(tmp_path):
    work_dir = str(tmp_path)
    PipelineRunner(pipeline_cfg(work_dir)).train()
    RAN.clear()
    PipelineRunner(pipeline_cfg(work_dir, iters=4, restart_from='b')).train()
    assert RAN == ['b', 'c']
    with open(osp.join(work_dir, 'b', 'out.txt')) as f:
        assert f.read() == 'None 4'
    (stamp, ) = os.listdir(osp.join(work_dir, 'stale'))
    moved = osp.join(work_dir, 'stale', stamp)
    assert sorted(os.listdir(moved)) == ['b', 'c']
    with open(osp.join(moved, 'b', 'out.txt')) as f:
        assert f.read() == 'None 3'
    # The new settings are now the recorded ones.
    RAN.clear()
    PipelineRunner(pipeline_cfg(work_dir, iters=4)).train()
    assert RAN == []


def test_only_stage_runs_one_stage_even_when_done(tmp_path):
    work_dir = str(tmp_path)
    PipelineRunner(pipeline_cfg(work_dir)).train()
    RAN.clear()
    PipelineRunner(pipeline_cfg(work_dir, only_stage='b')).train()
    assert RAN == ['b']


def test_configuration_errors_name_the_choices(tmp_path):
    work_dir = str(tmp_path)
    with pytest.raises(ConfigError, match=r"choose one of \['a', 'b', 'c'\]"):
        PipelineRunner(pipeline_cfg(work_dir, restart_from='d'))
    with pytest.raises(ConfigError, match=r"choose one of \['a', 'b', 'c'\]"):
        PipelineRunner(pipeline_cfg(work_dir, only_stage='d'))
    cfg = pipeline_cfg(work_dir)
    cfg.stages.a.type = 'NoSuchStage'
    with pytest.raises(ConfigError, match='not registered'):
        PipelineRunner(cfg).train()
    with pytest.raises(ConfigError, match='non-empty'):
        PipelineRunner(Config(dict(runner_type='PipelineRunner',
                                   work_dir=work_dir, stages=dict())))
    assert RAN == []


@pytest.mark.parametrize('change, key', [
    (dict(amp_dtype='bfloat16'), 'tool_options.amp'),
    (dict(extra_hooks=[dict(type='ChannelsLastHook')]),
     'tool_options.channels_last'),
])
def test_a_started_stage_rerun_with_other_precision_is_stale(
        tmp_path, change, key):
    work_dir = str(tmp_path)
    runner = PipelineRunner(pipeline_cfg(work_dir))
    runner.run_stage('a')
    os.remove(osp.join(work_dir, 'a', 'done'))  # killed in float32
    with pytest.raises(StaleStageError, match="Stage 'a' has started") as e:
        PipelineRunner(pipeline_cfg(work_dir), **change).train()
    assert key in str(e.value)
    assert RAN == ['a']
    # The same precision again resumes; hooks that do not change the
    # computation are not recorded.
    hooks = [dict(type='RNGStateHook')] + change.get('extra_hooks', [])
    RAN.clear()
    PipelineRunner(pipeline_cfg(str(tmp_path / 'x')),
                   **change).run_stage('a')
    PipelineRunner(pipeline_cfg(str(tmp_path / 'x')),
                   **dict(change, extra_hooks=hooks)).train()
    assert RAN == ['a', 'b', 'c']


def test_runs_without_tool_options_keep_their_hash(tmp_path):
    plain = PipelineRunner(pipeline_cfg(str(tmp_path)))._keys()
    hooked = PipelineRunner(pipeline_cfg(str(tmp_path)), extra_hooks=[
        dict(type='RNGStateHook'), dict(type='CheckpointCheckHook')])._keys()
    assert plain == hooked
    assert 'tool_options' not in plain['a']['config']


def test_checkpoint_and_log_intervals_do_not_make_a_stage_stale(tmp_path):
    """How often a stage saves or logs changes none of its results: a
    finished pipeline that differs only there is skipped, not stale."""
    work_dir = str(tmp_path)
    hooks = dict(checkpoint=dict(type='CheckpointHook', interval=5),
                 logger=dict(type='LoggerHook', interval=1))
    PipelineRunner(pipeline_cfg(work_dir, default_hooks=hooks)).train()
    RAN.clear()
    hooks = dict(checkpoint=dict(type='CheckpointHook', interval=7,
                                 max_keep_ckpts=1),
                 logger=dict(type='LoggerHook', interval=3))
    PipelineRunner(pipeline_cfg(work_dir, default_hooks=hooks)).train()
    assert RAN == []
    # A change that does matter is still stale, after such a difference.
    with pytest.raises(StaleStageError, match="Stage 'b'"):
        PipelineRunner(pipeline_cfg(work_dir, iters=4,
                                    default_hooks=hooks)).train()
