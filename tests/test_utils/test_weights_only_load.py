"""mmengine checkpoints load with ``weights_only=True``; nothing else does.

``HistoryBuffer`` pickles its statistics methods as
``getattr(HistoryBuffer, 'min')``; ``mmreidgen.utils.safe_load`` registers a
stand-in for ``builtins.getattr`` that resolves only those.
"""
import io
import pickle

import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmreidgen  # noqa: F401  (registers the safe globals)


class _Reach:
    """Pickles as ``getattr(HistoryBuffer, name)``."""

    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return getattr, (HistoryBuffer, self.name)


def _roundtrip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def test_message_hub_state_loads_weights_only():
    hub = MessageHub.get_instance('weights_only_test')
    hub.update_scalar('train/loss', 1.5)
    hub.update_scalar('train/loss', 0.5)
    state = _roundtrip({'message_hub': hub.state_dict(),
                        'w': torch.ones(2)})
    buffer = state['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.current() == 0.5 and buffer.mean() == 1.0


def test_statistics_method_resolves():
    assert _roundtrip({'m': _Reach('mean')})['m'] is HistoryBuffer.mean


@pytest.mark.parametrize('name', ['__init__', '__dict__', 'update',
                                  '__class__'])
def test_any_other_getattr_is_refused(name):
    with pytest.raises(pickle.UnpicklingError, match='not allowed'):
        _roundtrip({'m': _Reach(name)})


class _Payload:
    """Pickles as a call that writes a file: what a hostile checkpoint
    would run."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, 'w')


def test_mmengine_loaders_never_run_pickled_code(tmp_path):
    """Through mmengine's own checkpoint loading (resume, load_from,
    tools/test.py) a checkpoint that pickles a call is refused and the
    call never runs, on mmengine 0.10.7 and on onedl-mmengine (whose own
    loader retries with weights_only=False)."""
    from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
    marker = tmp_path / 'ran'
    ckpt = tmp_path / 'hostile.pth'
    torch.save({'state_dict': {'w': torch.ones(1)},
                'meta': _Payload(str(marker))}, ckpt)
    with pytest.raises(pickle.UnpicklingError):
        _load_checkpoint(str(ckpt), map_location='cpu')
    with pytest.raises(pickle.UnpicklingError):
        CheckpointLoader.load_checkpoint(str(ckpt), map_location='cpu')
    assert not marker.exists()
    # A plain checkpoint still loads.
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.ones(1)}}, good)
    assert _load_checkpoint(str(good))['state_dict']['w'].item() == 1.0
class _NotAWeight:
    """A class a checkpoint must not bring along."""


def test_load_checkpoint_file_names_the_file_the_cause_and_the_fix(
        tmp_path):
    from mmreidgen.engine.checkpoint import load_checkpoint_file
    good = tmp_path / 'iter_2.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(2))), good)
    assert load_checkpoint_file(str(good))['state_dict']['w'].sum() == 2
    data = good.read_bytes()
    cases = {
        'iter_4.pth': b'',
        'iter_6.pth': data[:len(data) // 2],
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError) as err:
            load_checkpoint_file(str(tmp_path / name))
        message = str(err.value)
        assert message.startswith(f'Checkpoint {tmp_path / name} is empty '
                                  'or truncated')
        assert f'newest complete one in its folder is {good}' in message
        assert '\n' not in message
    unsafe = tmp_path / 'unsafe.pth'
    torch.save(dict(meta=_NotAWeight()), unsafe)
    with pytest.raises(ValueError) as err:
        load_checkpoint_file(str(unsafe))
    message = str(err.value)
    assert f'Checkpoint {unsafe} holds Python objects besides weights' \
        in message
    assert '_NotAWeight' in message and 'could run code' in message
    assert 'weights_only=False' not in message and '\n' not in message
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_checkpoint_file(str(tmp_path / 'missing.pth'))


def test_safe_globals_cover_mmengine_types():
    from mmreidgen.utils.safe_load import safe_globals
    names = {getattr(t, '__name__', str(t)) for t in safe_globals()}
    assert {'HistoryBuffer', 'ndarray', 'dtype', '_reconstruct'} <= names
