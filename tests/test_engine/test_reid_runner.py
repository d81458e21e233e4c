"""ReIDRunner: a fresh logger per run, quiet console."""
import copy
import os.path as osp

from mmreidgen.apis import load_config
from mmreidgen.engine.runner import ReIDRunner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/baseline/baseline_r18w16_synthmarket.py')


def test_two_runs_of_one_config_get_their_own_logger(synth_root, tmp_path):
    opts = {'data_root': osp.join(synth_root, 'synthmarket'),
            'num_workers': 0, 'num_classes': 8,
            'test_dataloader.persistent_workers': False,
            'train_dataloader.persistent_workers': False}
    runners = []
    for i in range(2):  # within the same second
        cfg = load_config(CONFIG, opts, work_dir=str(tmp_path / f'w{i}'))
        runners.append(ReIDRunner.from_cfg(cfg))
    first, second = runners
    assert first.experiment_name != second.experiment_name
    assert first.logger is not second.logger
    assert first.message_hub is not second.message_hub
    files = [h.baseFilename for r in runners for h in r.logger.handlers
             if hasattr(h, 'baseFilename')]
    assert files[0].startswith(str(tmp_path / 'w0'))
    assert files[1].startswith(str(tmp_path / 'w1'))


def test_no_workers_turns_persistent_workers_off(synth_root):
    """The configs set persistent_workers=True; with num_workers=0 (the
    small configs' setting) PyTorch would refuse the pair."""
    cfg = load_config(CONFIG, {'data_root': osp.join(synth_root,
                                                     'synthmarket'),
                               'num_classes': 8})
    loader_cfg = cfg.train_dataloader
    assert loader_cfg.num_workers == 0 and loader_cfg.persistent_workers
    loader = ReIDRunner.build_dataloader(loader_cfg, seed=0)
    assert loader.num_workers == 0 and not loader.persistent_workers
    assert loader_cfg.persistent_workers  # the config is left as it was
    batch = next(iter(loader))
    assert len(batch['inputs']) == cfg.train_batch_size


def test_datasets_are_serialized_only_for_workers(synth_root):
    """Serializing the annotation list pays off only where worker
    processes are forked: without workers every dataset (also inside the
    test loader's ConcatDataset) keeps its list, an explicit setting wins,
    and with workers mmengine's default stays."""
    cfg = load_config(CONFIG, {'data_root': osp.join(synth_root,
                                                     'synthmarket'),
                               'num_classes': 8})
    test = ReIDRunner.build_dataloader(cfg.test_dataloader)
    assert [d.serialize_data for d in test.dataset.datasets] == [False,
                                                                 False]
    assert len(test.dataset) == sum(len(d) for d in test.dataset.datasets)
    assert 'serialize_data' not in cfg.test_dataloader.dataset.datasets[0]
    explicit = copy.deepcopy(cfg.train_dataloader)
    explicit.dataset.serialize_data = True
    assert ReIDRunner.build_dataloader(explicit).dataset.serialize_data
    workers = copy.deepcopy(cfg.train_dataloader)
    workers.update(num_workers=1, persistent_workers=False)
    assert ReIDRunner.build_dataloader(workers).dataset.serialize_data


def test_console_leaves_out_listings_the_log_file_keeps(
        synth_root, tmp_path, capsys):
    """The hook order and the parameter-group lines go to the log file
    only; the console says where the file is."""
    cfg = load_config(
        CONFIG, {'data_root': osp.join(synth_root, 'synthmarket'),
                 'num_workers': 0, 'num_classes': 8,
                 'optim_wrapper.paramwise_cfg': dict(norm_decay_mult=0.0)},
        work_dir=str(tmp_path / 'w'))
    runner = ReIDRunner.from_cfg(cfg)
    runner.build_optim_wrapper(cfg.optim_wrapper)
    console = capsys.readouterr()
    console = console.out + console.err
    log_file = [h.baseFilename for h in runner.logger.handlers
                if hasattr(h, 'baseFilename')][0]
    with open(log_file) as f:
        logged = f.read()
    for line in ('Hooks will be executed in the following order',
                 'paramwise_options -- '):
        assert line in logged
        assert line not in console
    assert 'Environment and config: in ' in console


def test_unwritable_log_file_says_so_once(synth_root, tmp_path, capsys):
    """A log file that stops taking writes (a full disk) gives one warning
    line naming the file and the cause, not a traceback per record; the
    console keeps logging."""
    import errno

    cfg = load_config(
        CONFIG, {'data_root': osp.join(synth_root, 'synthmarket'),
                 'num_workers': 0, 'num_classes': 8},
        work_dir=str(tmp_path / 'w'))
    runner = ReIDRunner.from_cfg(cfg)
    handler = [h for h in runner.logger.handlers
               if hasattr(h, 'baseFilename')][0]

    class FullDisk:

        def write(self, text):
            raise OSError(errno.ENOSPC, 'No space left on device')

        def flush(self):
            pass

    capsys.readouterr()
    stream, handler.stream = handler.stream, FullDisk()
    try:
        for i in range(3):
            runner.logger.info(f'record {i}')
    finally:  # the logger outlives the test (mmengine keeps instances)
        handler.stream = stream
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if line]
    assert warnings == [
        f'Warning: the log file {handler.baseFilename} cannot be written '
        '(No space left on device); the console goes on without it. Free '
        'space there or choose another --work-dir.']
    assert 'Traceback' not in captured.err
    assert 'record 2' in captured.out
