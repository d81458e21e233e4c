"""mmreidgen.apis.cli: the argument groups and output helpers tools share."""
import argparse
import os

import torch

from mmreidgen.apis import cli


def test_tool_parser_and_runner_arguments(monkeypatch):
    parser = cli.tool_parser('d', checkpoint='ckpt', device=True)
    cli.add_runner_arguments(parser, 'logs')
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    args = cli.parse_runner_args(parser, [
        'c.py', 'm.pth', '--cfg-options', 'a.b=1',
        'optim_wrapper.clip_grad=dict(max_norm=10)', '--local-rank', '3',
        '--channels-last'])
    assert (args.config, args.checkpoint, args.device) == ('c.py', 'm.pth',
                                                           'cpu')
    assert args.cfg_options == {'a.b': 1,
                                'optim_wrapper.clip_grad': {'max_norm': 10}}
    assert args.channels_last and args.launcher == 'none'
    assert args.work_dir is None
    assert os.environ['LOCAL_RANK'] == '3'
    # torchrun's variable wins over the flag.
    monkeypatch.setenv('LOCAL_RANK', '1')
    cli.parse_runner_args(parser, ['c.py', 'm.pth', '--local_rank', '0'])
    assert os.environ['LOCAL_RANK'] == '1'


def test_device_argument():
    parser = argparse.ArgumentParser()
    cli.add_device_argument(parser, 'auto')
    expected = 'cuda' if torch.cuda.is_available() else 'cpu'
    assert parser.parse_args([]).device == expected
    assert parser.parse_args(['--device', 'cuda:1']).device == 'cuda:1'


def test_print_lines(capsys):
    cli.print_lines(iter(['a', '\nb']))
    assert capsys.readouterr().out == 'a\n\nb\n'


def test_a_full_disk_ends_in_one_line(tmp_path, monkeypatch, capsys):
    import errno

    import pytest
    monkeypatch.delenv('MMREIDGEN_TRACEBACK', raising=False)
    work = tmp_path / 'w'
    work.mkdir()

    def main(argv):
        raise OSError(errno.ENOSPC, 'No space left on device',
                      str(work / 'iter_2.pth'))

    real_open = open

    def full_open(path, mode='r', *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        if 'error.log' in str(path) and 'a' in mode:
            handle.close()
            raise OSError(errno.ENOSPC, 'No space left on device')
        return handle

    monkeypatch.setattr('builtins.open', full_open)
    with pytest.raises(SystemExit) as exc:
        cli.run_tool(main, lambda: str(work), argv=[])
    monkeypatch.undo()
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert err[0].startswith('(the traceback could not be written to ')
    assert err[1].startswith('Error (OSError): [Errno 28] No space left')
    assert err[1].endswith('The disk is full: free space there, or write '
                           'to another disk (--work-dir).')
    assert not (work / 'error.log').exists()  # no empty log left behind


def test_errors_leave_no_folder_and_one_temp_file(tmp_path, capsys):
    """A tool that fails before its run made the work dir leaves no work
    dir behind, and however many such errors, one file in the temp
    folder."""
    import pytest

    def failing(argv):
        raise ValueError(f'bad input {argv}')

    work_dir = tmp_path / 'work_dirs' / 'some_config'
    paths = []
    for attempt in range(2):
        with pytest.raises(SystemExit):
            cli.run_tool(failing, lambda: str(work_dir), argv=attempt)
        err = capsys.readouterr().err
        paths.append(err.split('(traceback in ')[1].split(';')[0])
        assert f'Error (ValueError): bad input {attempt}' in err
    assert not work_dir.exists()
    assert paths[0] == paths[1]
    with open(paths[1]) as f:
        text = f.read()
    assert 'bad input 1' in text and 'bad input 0' not in text
    # Once the run has made its work dir, the traceback goes there.
    work_dir.mkdir(parents=True)
    with pytest.raises(SystemExit):
        cli.run_tool(failing, lambda: str(work_dir), argv=2)
    assert (work_dir / 'error.log').is_file()
    capsys.readouterr()
