"""Tool subprocesses forked from the worker behave as fresh interpreters
(tests/forked_tools.py): what the tool sees, its streams, exit status,
signals and process id."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from conftest import REPO
from forked_tools import OFF, ForkingPopen, tool_command

PROBE = 'tests/interpreter_probe.py'


def _probe(monkeypatch, fresh: bool, *argv):
    if fresh:
        monkeypatch.setenv(OFF, '1')
    else:
        monkeypatch.delenv(OFF, raising=False)
    env = dict(os.environ, PROBE_VAR='x', OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, PROBE, *argv], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_forked_tool_sees_what_a_fresh_interpreter_shows(monkeypatch):
    assert subprocess.Popen is ForkingPopen
    forked = _probe(monkeypatch, False, '3')
    fresh = _probe(monkeypatch, True, '3')
    assert forked.returncode == fresh.returncode == 3
    # Warnings are shown as to a user, whatever the suite ignores.
    assert forked.stderr == fresh.stderr
    assert forked.stderr.startswith('stderr line\n')
    assert 'UserWarning: a user warning' in forked.stderr
    assert 'DeprecationWarning: a deprecation warning' in forked.stderr
    assert 'pending' not in forked.stderr
    mine, theirs = json.loads(forked.stdout), json.loads(fresh.stdout)
    assert mine['ppid'] == theirs['ppid'] == os.getpid()
    # Only what a fresh interpreter loads: none of the tool modules a test
    # may have imported in this worker.
    assert mine['tools_loaded'] == theirs['tools_loaded'] == []
    # Random generators seeded afresh, not the worker's state.
    assert len({mine['torch_seed'], theirs['torch_seed'],
                torch.initial_seed()}) == 3
    for key in ('argv', 'path0', 'path', 'cwd', 'probe_var', 'threads',
                'numpy_draws_differ', 'grad', 'sigint', 'sigterm',
                'main_module'):
        assert mine[key] == theirs[key], key
    assert mine['argv'] == [PROBE, '3'] and mine['probe_var'] == 'x'


def test_only_tool_commands_of_this_interpreter_fork(monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    monkeypatch.delenv(OFF, raising=False)
    py = sys.executable
    assert tool_command([py, '-u', 'tools/train.py', 'c.py'], None, None) \
        == ('script', 'tools/train.py', ['c.py'], True)
    assert tool_command([py, '-m', 'mmreidgen.tools.test', 'c.py'], None,
                        None) == ('module', 'mmreidgen.tools.test',
                                  ['c.py'], False)
    # A snippet that checks a fresh interpreter, another module, another
    # interpreter, more threads, another PYTHONPATH: started as usual.
    assert tool_command([py, '-c', 'print(1)'], None, None) is None
    assert tool_command([py, '-m', 'pytest'], None, None) is None
    assert tool_command(['/usr/bin/python3', 'tools/train.py'], None,
                        None) is None
    assert tool_command([py, 'tools/train.py'], None,
                        dict(os.environ, OMP_NUM_THREADS='2')) is None
    assert tool_command([py, 'tools/train.py'], None,
                        dict(os.environ, PYTHONPATH='/elsewhere')) is None
    # This repository on the path imports the worker's mmreidgen.
    assert tool_command([py, 'tools/train.py'], None,
                        dict(os.environ, PYTHONPATH=REPO)) is not None
    monkeypatch.setenv(OFF, '1')
    assert tool_command([py, 'tools/train.py'], None, None) is None


@pytest.mark.parametrize('fresh', [False, True])
def test_signals_reach_the_tool_as_in_a_fresh_interpreter(monkeypatch,
                                                          fresh):
    """SIGINT interrupts the tool (KeyboardInterrupt); the process group of
    a new session is the tool's own; SIGKILL ends it."""
    if fresh:
        monkeypatch.setenv(OFF, '1')
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.Popen(
        [sys.executable, 'tools/train.py', '--help'], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and 'usage: train.py' in out, err
    proc = subprocess.Popen(
        [sys.executable, PROBE, 'sleep'], cwd=REPO,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    assert proc.stdout.readline() == 'ready\n'
    assert os.getpgid(proc.pid) == proc.pid != os.getpgid(0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert 'KeyboardInterrupt' in err and 'interrupted' in out
    assert proc.returncode == -signal.SIGINT
    proc = subprocess.Popen(
        [sys.executable, PROBE, 'sleep'], cwd=REPO,
        env=env, stdout=subprocess.PIPE)
    assert proc.stdout.readline() == b'ready\n'
    start = time.time()
    proc.kill()
    assert proc.wait(timeout=60) == -signal.SIGKILL
    assert time.time() - start < 30
