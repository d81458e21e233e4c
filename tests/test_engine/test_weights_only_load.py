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
