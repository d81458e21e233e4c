"""What the command-line tools share: overrides, errors, interruption."""
import argparse
import ast
import errno
import os
import os.path as osp
import sys
import tempfile
import traceback
from typing import Callable, Iterable, Optional, Sequence

from mmengine.config import DictAction

from mmreidgen.utils.work_dir_lock import WorkDirLockedError


class ConfigOptionAction(DictAction):
    """mmengine's ``--cfg-options`` parser that also reads ``dict(...)``.

    mmengine stores ``optim_wrapper.clip_grad=dict(max_norm=10)`` as the
    string ``'dict(max_norm=10)'``; here ``dict(k=v, ...)`` with literal
    values (numbers, strings, tuples, lists, None, booleans, nested dicts)
    becomes a dict.
    """

    @staticmethod
    def _parse_iterable(val: str):
        text = val.strip()
        if text.startswith('dict(') and text.endswith(')'):
            return _literal_dict(text)
        return DictAction._parse_iterable(val)


def _literal(node: ast.AST):
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
            node.func.id == 'dict' and not node.args:
        return {kw.arg: _literal(kw.value) for kw in node.keywords}
    return ast.literal_eval(node)


def _literal_dict(text: str) -> dict:
    try:
        return _literal(ast.parse(text, mode='eval').body)
    except (ValueError, SyntaxError) as err:
        raise ValueError(
            f'--cfg-options value {text!r} is not dict(key=literal, ...): '
            f'{err}') from None


def print_lines(lines: Iterable[str]) -> None:
    """Print each line as soon as it comes (flushed, so that progress
    shows through a pipe); for tools whose package call yields lines."""
    for line in lines:
        sys.stdout.write(f'{line}\n')
        sys.stdout.flush()


def error_log_path(work_dir: Optional[str]) -> str:
    """Where a tool writes the traceback of an error: ``error.log`` in the
    work dir once the run has made it (a run that fails before leaves no
    folder behind), else one file in the system temp folder that each such
    error overwrites (one file however many errors)."""
    if work_dir and osp.isdir(work_dir):
        return osp.join(work_dir, 'error.log')
    user = getattr(os, 'getuid', lambda: 'user')()
    return osp.join(tempfile.gettempdir(),
                    f'mmreidgen-last-error-{user}.log')


def run_tool(main: Callable, work_dir_of: Callable[[], Optional[str]] =
             lambda: None, on_interrupt: Callable[[], str] = lambda: '',
             argv=None):
    """Run a tool's ``main`` so that its last lines say what went wrong.

    An exception's traceback goes to ``<work_dir>/error.log`` (a temporary
    file before the work dir is known) and the output ends with the
    message, which names the cause and the fix. ``MMREIDGEN_TRACEBACK=1``
    prints the traceback too. Ctrl-C ends with ``on_interrupt()``'s line
    (the last checkpoint and the command that resumes).

    Returns:
        Whatever ``main`` returns.
    """
    try:
        return main(argv)
    except KeyboardInterrupt:
        sys.stdout.flush()
        hint = on_interrupt()
        sys.stderr.write(f'\nInterrupted. {hint}\n'.rstrip() + '\n')
        sys.exit(130)
    except Exception as err:  # noqa: BLE001 - every error ends readable
        text = traceback.format_exc()
        # A locked work dir belongs to another run: write nothing there.
        where = _write_traceback(
            text, None if isinstance(err, WorkDirLockedError) else
            work_dir_of)
        if os.environ.get('MMREIDGEN_TRACEBACK') == '1':
            sys.stderr.write(text)
        message = str(err).strip().strip('"') or repr(err)
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:
            message += (' The disk is full: free space there, or write to '
                        'another disk (--work-dir).')
        sys.stdout.flush()
        sys.stderr.write(
            f'\n({where}; MMREIDGEN_TRACEBACK=1 prints it)\n'
            f'Error ({type(err).__name__}): {message}\n')
        sys.exit(1)


def _write_traceback(text: str,
                     work_dir_of: Optional[Callable[[], Optional[str]]]
                     ) -> str:
    """Append ``text`` to the error log; say where it went.

    A failure to write (a full disk) is reported in the returned words
    instead of raising, and leaves no empty log behind.
    """
    path = None
    try:
        work_dir = work_dir_of() if work_dir_of else None
        path = error_log_path(work_dir)
        # The temp file holds the last error only; a work dir's log grows.
        in_work_dir = bool(work_dir) and osp.isdir(work_dir)
        with open(path, 'a' if in_work_dir else 'w', encoding='utf-8') as f:
            f.write(text)
        return f'traceback in {path}'
    except OSError as log_err:
        if path and osp.isfile(path) and osp.getsize(path) == 0:
            try:
                os.remove(path)
            except OSError:
                pass
        return (f'the traceback could not be written to '
                f'{path or "a log file"}: '
                f'{log_err.strerror or log_err}')


def add_cfg_options(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options KEY=VALUE ...``, read by :class:`ConfigOptionAction`.
    """
    parser.add_argument(
        '--cfg-options', nargs='+', action=ConfigOptionAction,
        metavar='KEY=VALUE',
        help='override config entries, e.g. data_root=/data/market or '
        'stages.stage2_gan.cfg.train_cfg.max_iters=100 '
        '(docs/en/config_guide.md)')


def add_device_argument(parser: argparse.ArgumentParser,
                        default: str = 'cpu') -> None:
    """``--device``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        default (str): ``'cpu'``, ``'cuda'``, ``'cuda:N'`` or ``'auto'``
            (CUDA when a GPU is visible, else the CPU). Defaults to 'cpu'.
    """
    if default == 'auto':
        import torch
        default = 'cuda' if torch.cuda.is_available() else 'cpu'
    parser.add_argument('--device', default=default,
                        help="'cpu', 'cuda' or 'cuda:N' (default "
                        '%(default)s)')


def add_runner_arguments(parser: argparse.ArgumentParser,
                         work_dir_help: str) -> None:
    """What ``tools/train.py`` and ``tools/test.py`` share.

    ``--work-dir``, ``--channels-last`` and the distributed ``--launcher``
    / ``--local-rank`` pair; parse with :func:`parse_runner_args`.

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
        work_dir_help (str): Help text of ``--work-dir``.
    """
    parser.add_argument('--work-dir', help=work_dir_help)
    parser.add_argument(
        '--channels-last', action='store_true',
        help='channels-last memory format for the model and inputs')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser,
                      argv: Optional[Sequence[str]] = None
                      ) -> argparse.Namespace:
    """Parse the arguments of a tool with :func:`add_runner_arguments`.

    ``--local-rank`` (passed by older launchers) becomes ``LOCAL_RANK``
    unless the launcher (torchrun) set the variable.
    """
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def tool_parser(description: str,
                checkpoint: Optional[str] = None,
                device: bool = False) -> argparse.ArgumentParser:
    """The argument parser every config-driven tool starts from.

    ``CONFIG`` (looked up by name when it is not a path), optionally
    ``CHECKPOINT``, ``--cfg-options KEY=VALUE ...`` and ``--device``.
    Tools that run a runner add :func:`add_runner_arguments`.

    Args:
        description (str): The tool's one-line description.
        checkpoint (str, optional): Help text of a positional
            ``checkpoint``; None for no checkpoint.
        device (bool): Add ``--device`` (default ``cpu``).

    Returns:
        argparse.ArgumentParser: Add the tool's own arguments to it.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help='config file (configs/...)')
    if checkpoint:
        parser.add_argument('checkpoint', help=checkpoint)
    add_cfg_options(parser)
    if device:
        add_device_argument(parser)
    return parser
