"""init_model: the one model loader (build from a config, load strictly)."""
import os.path as osp

import pytest
import torch
from conftest import config_files, is_pipeline_config

from mmreidgen.apis import init_model, load_config
from mmreidgen.utils import CheckpointMismatchError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PIPELINES = [osp.join(REPO, p) for p in config_files()
             if is_pipeline_config(p)]
BASELINE = osp.join(REPO, 'configs', 'baseline',
                    'baseline_r18w16_synthmarket.py')
DGNET = osp.join(REPO, 'configs', 'dgnet', 'dgnet_r18w16_synthmarket.py')
CRGAN = osp.join(REPO, 'configs', 'crgan',
                 'crgan_r18w16_synthmarket2synthduke.py')


# One intra-op thread for these small models (conftest.py).
pytestmark = pytest.mark.usefixtures('one_thread')


def test_every_method_has_pipeline_configs():
    methods = {osp.basename(osp.dirname(p)) for p in PIPELINES}
    assert {'crgan', 'dgnet', 'slsr'} <= methods


@pytest.mark.parametrize('path', PIPELINES,
                         ids=lambda p: osp.relpath(p, REPO))
def test_builds_the_top_level_model_of_a_pipeline(path):
    cfg = load_config(path)
    model = init_model(path)
    assert type(model).__name__ == cfg.model.type
    assert not model.training
    assert all(p.device.type == 'cpu' for p in model.parameters())


def test_builds_the_model_of_a_stage():
    teacher = init_model(DGNET, stage='teacher')
    assert type(teacher).__name__ == 'ReIDBaseline'
    cfg = load_config(DGNET, stage='teacher', work_dir='/tmp/unused')
    assert teacher.head.num_classes == cfg.model.head.num_classes == 100
    with pytest.raises(ValueError, match='stage'):
        init_model(load_config(DGNET), stage='teacher')


def _perturbed_checkpoint(model, path, prefix='', meta=None):
    torch.manual_seed(0)
    state = {}
    for key, value in model.state_dict().items():
        if value.is_floating_point():
            value = torch.randn_like(value)
        state[prefix + key] = value
    ckpt = dict(state_dict=state)
    if meta is not None:
        ckpt['meta'] = meta
    torch.save(ckpt, path)
    return {k[len(prefix):]: v for k, v in state.items()}


@pytest.mark.parametrize('config', [BASELINE, DGNET])
def test_loads_a_checkpoint_strictly(config, tmp_path):
    ckpt = str(tmp_path / 'model.pth')
    state = _perturbed_checkpoint(init_model(config), ckpt)
    model = init_model(config, ckpt)
    loaded = model.state_dict()
    assert set(loaded) == set(state)
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key
    # Keys saved by a distributed wrapper are accepted.
    ddp = str(tmp_path / 'ddp.pth')
    state = _perturbed_checkpoint(init_model(config), ddp, prefix='module.')
    loaded = init_model(config, ddp).state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in state.items())


def test_dgnet_teacher_comes_from_the_checkpoint_not_its_file(tmp_path):
    # The config names a teacher file with other weights; init_model reads
    # the checkpoint only, as for every model.
    teacher = init_model(DGNET, stage='teacher')
    own = {k: torch.full_like(v, 7.0) if v.is_floating_point() else v
           for k, v in teacher.state_dict().items()}
    teacher_file = str(tmp_path / 'teacher.pth')
    torch.save(dict(state_dict=own), teacher_file)
    ckpt = str(tmp_path / 'model.pth')
    state = _perturbed_checkpoint(init_model(DGNET), ckpt)
    model = init_model(DGNET, ckpt,
                       cfg_options={'model.teacher_ckpt': teacher_file})
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, state[f'teacher.{key}']), key
    # Without a checkpoint no file is read either: a missing one is fine.
    absent = str(tmp_path / 'absent.pth')
    model = init_model(DGNET, cfg_options={'model.teacher_ckpt': absent})
    assert type(model).__name__ == 'DGNet'


def test_refuses_a_checkpoint_with_missing_or_extra_weights(tmp_path):
    model = init_model(BASELINE)
    state = model.state_dict()
    missing = dict(state)
    missing.pop('head.classifier.weight')
    torch.save(dict(state_dict=missing), tmp_path / 'missing.pth')
    with pytest.raises(CheckpointMismatchError, match='missing'):
        init_model(BASELINE, str(tmp_path / 'missing.pth'))
    extra = dict(state, **{'head.extra.weight': torch.zeros(1)})
    torch.save(dict(state_dict=extra), tmp_path / 'extra.pth')
    with pytest.raises(CheckpointMismatchError, match='not in the model'):
        init_model(BASELINE, str(tmp_path / 'extra.pth'))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        init_model(BASELINE, str(tmp_path / 'absent.pth'))


def test_refuses_a_checkpoint_of_another_model_with_one_message(tmp_path):
    ckpt = str(tmp_path / 'baseline.pth')
    # As mmengine saves it: the config text under meta['cfg'].
    meta = dict(cfg=load_config(BASELINE).pretty_text)
    _perturbed_checkpoint(init_model(BASELINE), ckpt, meta=meta)
    with pytest.raises(CheckpointMismatchError) as info:
        init_model(CRGAN, ckpt)
    message = str(info.value)
    assert message.count('does not fit') == 1
    assert f'Checkpoint {ckpt} does not fit the CRGAN model' in message
    assert 'It was saved by a ReIDBaseline model.' in message
    assert '\n' not in message
    # Raised by the check itself, not on top of load_state_dict's error.
    assert info.value.__context__ is None
    assert isinstance(info.value, ValueError)
