"""Tool subprocesses forked from the test worker instead of started afresh.

The tool tests start ``python tools/train.py ...`` and ``python -m
mmreidgen.tools.test ...`` subprocesses, well over a hundred in the suite.
A fresh interpreter spends about 3.5 s of CPU importing torch, mmengine and
mmreidgen before the tool reads its first argument, and the test worker has
imported all of them already. So, while the tests run, ``subprocess.Popen``
of such a command forks the worker and runs the tool in the child the way
``python`` would run it: with its own argv, working directory, environment,
standard streams, signal dispositions, exit status and process id. Killing
it, waiting for it, reading its output and its CPU time (``wait4``,
``/proc``) work as for any child process. Only the imports are shared.

What is forked: the test's own interpreter (``sys.executable``) running a
script of this repository (``tools/...``, ``tests/...``) or a module of
``mmreidgen.tools``, with no interpreter option but ``-u``, where the child
imports the worker's mmreidgen (its ``PYTHONPATH`` adds at most this
repository to the worker's) and runs one intra-op thread
(``OMP_NUM_THREADS=1``, as ``make test`` sets; OpenMP is not fork-safe with
more). Everything else (``-c`` snippets that check a fresh interpreter,
other interpreters, ``torchrun``, shell scripts) is started as usual.

``MMREIDGEN_TEST_FRESH_PROCESSES=1`` turns forking off: every tool then
starts in a fresh interpreter, as a user's command does.
"""
import atexit
import builtins
import gc
import importlib.machinery
import io
import logging
import os
import os.path as osp
import runpy
import signal
import stat
import subprocess
import sys
import threading
import traceback
import types
import warnings

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
OFF = 'MMREIDGEN_TEST_FRESH_PROCESSES'

# The filters pytest adds around each test (its own and those of the
# ``filterwarnings`` setting): a tool's warnings are shown as a user sees
# them, whatever the suite ignores.
_PYTEST_FILTERS = set()
_fresh_path = {}


def tool_command(args, executable, env):
    """``(kind, target, argv, unbuffered)`` when ``args`` is a tool command
    that may be forked (kind ``'script'`` or ``'module'``), else None."""
    if os.environ.get(OFF) == '1' or not isinstance(args, (list, tuple)):
        return None
    words = [os.fspath(a) for a in args]
    if not words or executable not in (None, words[0]):
        return None
    if osp.realpath(words[0]) != osp.realpath(sys.executable):
        return None
    environ = os.environ if env is None else env
    if environ.get('OMP_NUM_THREADS') != '1' or \
            not _same_package(environ.get('PYTHONPATH')):
        return None
    rest = words[1:]
    unbuffered = False
    while rest and rest[0] == '-u':
        unbuffered, rest = True, rest[1:]
    if len(rest) >= 2 and rest[0] == '-m' and \
            rest[1].startswith('mmreidgen.tools.'):
        return 'module', rest[1], rest[2:], unbuffered
    if rest and rest[0].endswith('.py') and not rest[0].startswith('-'):
        return 'script', rest[0], rest[1:], unbuffered
    return None


def set_pytest_filters(options) -> None:
    """The filters pytest applies around each test, from its warning
    options (``-W`` and the ``filterwarnings`` setting)."""
    with warnings.catch_warnings():
        warnings.resetwarnings()
        warnings.filterwarnings('always', category=DeprecationWarning)
        warnings.filterwarnings('always', category=PendingDeprecationWarning)
        for option in options:
            warnings._setoption(option)
        _PYTEST_FILTERS.update(warnings.filters)


def _show_warning(msg) -> None:
    """How the interpreter shows a warning (``warnings._showwarnmsg_impl``
    before any ``catch_warnings``)."""
    file = msg.file if msg.file is not None else sys.stderr
    if file is None:
        return
    try:
        file.write(warnings._formatwarnmsg(msg))
    except OSError:
        pass


def _same_package(pythonpath) -> bool:
    """Whether a child with this ``PYTHONPATH`` imports the mmreidgen that
    this worker imported."""
    if pythonpath == os.environ.get('PYTHONPATH'):
        return True
    import mmreidgen
    if not pythonpath or \
            not osp.realpath(mmreidgen.__file__).startswith(REPO + os.sep):
        return False
    mine = (os.environ.get('PYTHONPATH') or '').split(os.pathsep)
    return all(p in mine or osp.realpath(p) == REPO
               for p in pythonpath.split(os.pathsep) if p)


def _interpreter_path(pythonpath) -> list:
    """``sys.path`` after its first entry of a fresh interpreter with
    this ``PYTHONPATH``."""
    if pythonpath not in _fresh_path:
        env = {k: v for k, v in os.environ.items() if k != OFF}
        env.pop('PYTHONPATH', None)
        if pythonpath is not None:
            env['PYTHONPATH'] = pythonpath
        out = subprocess.run(
            [sys.executable, '-c', 'import sys; print(repr(sys.path[1:]))'],
            capture_output=True, text=True, check=True, env=env)
        _fresh_path[pythonpath] = eval(out.stdout)
    return list(_fresh_path[pythonpath])


def _in_repository(script: str, cwd: str) -> bool:
    path = osp.realpath(osp.join(cwd, script))
    return path.startswith(REPO + os.sep) and osp.isfile(path)


def _close_inherited_pipes() -> None:
    """Close the pipes and sockets the worker holds open (other tests'
    subprocess pipes, the worker's own channel), as ``close_fds`` does, so
    that no reader waits on this child for an end of file. Regular files
    stay open: objects of the worker still own them."""
    for name in os.listdir('/proc/self/fd'):
        fd = int(name)
        if fd < 3:
            continue
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            os.close(fd)


def _reset_interpreter(argv0: str, path0: str, env, unbuffered) -> None:
    """Make the forked worker look like a fresh interpreter to the tool."""
    signal.set_wakeup_fd(-1)
    signal.setitimer(signal.ITIMER_REAL, 0)
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        handler = {signal.SIGINT: signal.default_int_handler,
                   signal.SIGPIPE: signal.SIG_IGN,
                   signal.SIGXFSZ: signal.SIG_IGN}.get(sig, signal.SIG_DFL)
        try:
            signal.signal(sig, handler)
        except (OSError, ValueError):
            pass
    import faulthandler
    faulthandler.disable()
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    unbuffered = unbuffered or bool(os.environ.get('PYTHONUNBUFFERED'))
    if unbuffered:
        sys.stdout = io.TextIOWrapper(open(1, 'wb', 0, closefd=False),
                                      write_through=True)
    else:
        sys.stdout = open(1, 'w', closefd=False)
    sys.stderr = open(2, 'w', errors='backslashreplace', closefd=False,
                      buffering=1 if not unbuffered else -1)
    if unbuffered:
        sys.stderr.reconfigure(write_through=True)
    sys.stdin = open(0, 'r', closefd=False)
    sys.__stdout__, sys.__stderr__, sys.__stdin__ = \
        sys.stdout, sys.stderr, sys.stdin
    sys.argv = [argv0]
    sys.path[:] = [path0] + _interpreter_path(os.environ.get('PYTHONPATH'))
    warnings.filters[:] = [f for f in warnings.filters
                           if f not in _PYTEST_FILTERS]
    # Shown on stderr again, not recorded by pytest's catch_warnings.
    warnings.showwarning = warnings._showwarning_orig
    warnings._showwarnmsg_impl = _show_warning
    warnings._filters_mutated()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)
    atexit._clear()
    if 'multiprocessing.util' in sys.modules:
        atexit.register(sys.modules['multiprocessing.util']._exit_function)
    # Singletons of mmengine (loggers, message hubs, visualizers, scopes)
    # made by earlier tests in this worker.
    from mmengine.utils import ManagerMixin
    todo = [ManagerMixin]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if '_instance_dict' in vars(cls):
            cls._instance_dict.clear()
    import numpy as np
    import torch
    # Seeded from the OS, as in a fresh interpreter.
    np.random.seed()
    torch.seed()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(False)
    torch.set_default_dtype(torch.float32)
    torch.set_grad_enabled(True)
    torch.autograd.set_detect_anomaly(False)


def _run_script(script: str) -> None:
    """Run ``script`` as the interpreter runs ``python script``: in a new
    ``__main__`` module whose ``__file__`` is absolute, ``sys.argv[0]`` as
    given."""
    path = osp.abspath(script)
    with open(path, 'rb') as f:
        code = compile(f.read(), path, 'exec')
    main = types.ModuleType('__main__')
    main.__file__ = path
    main.__cached__ = None
    main.__loader__ = importlib.machinery.SourceFileLoader('__main__', path)
    main.__builtins__ = builtins
    sys.modules['__main__'] = main
    exec(code, main.__dict__)


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _run_child(kind, target, argv, unbuffered, cwd, env, fds,
               start_new_session, process_group, preexec_fn) -> None:
    """The forked child: never returns."""
    code = 1
    try:
        if start_new_session:
            os.setsid()
        if process_group >= 0:
            os.setpgid(0, process_group)
        p2cread, c2pwrite, errwrite = fds
        # As _posixsubprocess does: a low fd that must move elsewhere
        # first gets a copy above 2.
        if c2pwrite == 0:
            c2pwrite = os.dup(c2pwrite)
        while errwrite in (0, 1):
            errwrite = os.dup(errwrite)
        for fd, std in ((p2cread, 0), (c2pwrite, 1), (errwrite, 2)):
            if fd == std:
                os.set_inheritable(fd, True)
            elif fd != -1:
                os.dup2(fd, std)
        if cwd is not None:
            os.chdir(cwd)
        gc.collect()
        gc.freeze()
        _close_inherited_pipes()
        if preexec_fn is not None:
            preexec_fn()
        if kind == 'script':
            path0 = osp.dirname(osp.realpath(target))
            argv0 = target
        else:
            path0 = os.getcwd()
            argv0 = '-m'
        _reset_interpreter(argv0, path0, env, unbuffered)
        # The tool's modules run afresh, as in a new interpreter: tests may
        # have changed their module state in this worker.
        for name in [m for m in sys.modules
                     if m.startswith('mmreidgen.tools.')]:
            del sys.modules[name]
        sys.argv = [argv0, *argv]
        try:
            if kind == 'script':
                _run_script(target)
            else:
                runpy.run_module(target, run_name='__main__', alter_sys=True)
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc)
        except KeyboardInterrupt:
            traceback.print_exc()
            code = -signal.SIGINT
        except BaseException:  # noqa: B036 -- what the interpreter does
            traceback.print_exc()
            code = 1
        try:
            threading._shutdown()
            atexit._run_exitfuncs()
        except BaseException:  # noqa: B036
            traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: B036
                pass
        if code == -signal.SIGINT:
            # An uncaught KeyboardInterrupt ends the interpreter by SIGINT.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        os._exit(code)


class ForkingPopen(subprocess.Popen):
    """``subprocess.Popen`` that forks tool commands (module docstring)."""

    def _execute_child(self, args, executable, preexec_fn, close_fds,
                       pass_fds, cwd, env, startupinfo, creationflags, shell,
                       p2cread, p2cwrite, c2pread, c2pwrite, errread,
                       errwrite, restore_signals, gid, gids, uid, umask,
                       start_new_session, process_group):
        command = None if shell or pass_fds or gid is not None or \
            gids is not None or uid is not None or umask >= 0 else \
            tool_command(args, executable, env)
        where = os.fspath(cwd) if cwd is not None else os.getcwd()
        if command is not None and command[0] == 'script' and \
                not _in_repository(command[1], where):
            command = None
        if command is not None:
            # Neither a CUDA context nor a process group survives a fork.
            import torch
            import torch.distributed as dist
            if torch.cuda.is_available() or (
                    dist.is_available() and dist.is_initialized()):
                command = None
        if command is None:
            return super()._execute_child(
                args, executable, preexec_fn, close_fds, pass_fds, cwd, env,
                startupinfo, creationflags, shell, p2cread, p2cwrite,
                c2pread, c2pwrite, errread, errwrite, restore_signals, gid,
                gids, uid, umask, start_new_session, process_group)
        kind, target, argv, unbuffered = command
        sys.audit('subprocess.Popen', sys.executable, args, cwd, env)
        # Computed here, not in the child.
        _interpreter_path((os.environ if env is None else env).get(
            'PYTHONPATH'))
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        pid = os.fork()
        if pid == 0:
            _run_child(kind, target, argv, unbuffered,
                       None if cwd is None else os.fspath(cwd),
                       None if env is None else dict(env),
                       (p2cread, c2pwrite, errwrite), start_new_session,
                       process_group, preexec_fn)
        self.pid = pid
        self._child_created = True
        self._close_pipe_fds(p2cread, p2cwrite, c2pread, c2pwrite, errread,
                             errwrite)


def install() -> None:
    """Make ``subprocess.Popen`` (and so ``subprocess.run``) fork tool
    commands in this process."""
    subprocess.Popen = ForkingPopen
