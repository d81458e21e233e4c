"""mmengine's Runner with a quiet console and no idle epoch restarts.

Every mmengine run prints about 480 lines of environment and config, and
about 90 lines of hook order, before the first iteration, so a clear error
at the start of training stood below them. :class:`ReIDRunner` writes them
to the run's log file as before and keeps them off the console, which then
shows one line saying where they are.

mmengine's ``IterBasedTrainLoop`` restarts a finite sampler at the end of
every pass over the data and sleeps 2 s each time, "to prevent a possible
deadlock" while worker processes exit. On the synthetic benchmark (about
21 batches a pass) that was about half of every training stage. Without
workers, or with persistent ones, no process exits, so
:class:`ReIDRunner` restarts the same way (same ``set_epoch``, same new
iterator, hence the same batches and random numbers) without the sleep.

An ``optim_wrapper`` that names no ``constructor`` is built with
:class:`~mmreidgen.engine.optimizers.ReIDOptimWrapperConstructor`:
mmengine's default, with equal parameter groups merged (the same updates,
a faster step).
"""
import copy
import itertools
import logging
import os.path as osp
import sys

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop, Runner

from mmreidgen.config import check_resolved
from mmreidgen.engine.optimizers import (
    regroup_scheduler_states,
    with_default_constructor,
)
from mmreidgen.registry import DATASETS, RUNNERS

_RUN_NUMBERS = itertools.count(1)


def _unserialized(dataset: dict) -> dict:
    """``dataset`` (a config) with ``serialize_data=False`` on every
    mmengine ``BaseDataset`` in it (wrappers' ``dataset``/``datasets``
    too) that does not set it."""
    out = copy.copy(dataset)
    if isinstance(out.get('dataset'), dict):
        out['dataset'] = _unserialized(out['dataset'])
    if isinstance(out.get('datasets'), (list, tuple)):
        out['datasets'] = [
            _unserialized(d) if isinstance(d, dict) else d
            for d in out['datasets']
        ]
    kind = out.get('type')
    if isinstance(kind, str):
        kind = DATASETS.get(kind)
    if isinstance(kind, type) and issubclass(kind, BaseDataset):
        out.setdefault('serialize_data', False)
    return out


# Deprecation notices mmengine's own CheckpointHook triggers in every run
# (it builds a FileClient for the local backend); nothing a user can change.
_MMENGINE_NOTICES = ('"FileClient" will be deprecated',
                     '"HardDiskBackend" is the alias of "LocalBackend"')


# Listings mmengine writes at INFO in every run: the hook order (about 90
# lines at the start of every stage) and one line per parameter that a
# ``paramwise_cfg`` touches (39 in a DG-Net run). They stay in the log file.
_MMENGINE_LISTINGS = ('Hooks will be executed in the following order',
                      'paramwise_options -- ')


class _NoDump(logging.Filter):
    """Drop the environment and config dump, mmengine's hook and
    parameter-group listings, and its deprecation notices about its own
    file client, from a console handler (the log file keeps them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (message.startswith('Config:\n')
                    or 'System environment:' in message[:200]
                    or message.startswith(_MMENGINE_NOTICES)
                    or message.startswith(_MMENGINE_LISTINGS))


def _fail_once(handler: logging.Handler) -> None:
    """Make a file handler that cannot write (a full disk) say so in one
    line, once, instead of a traceback per log record.

    ``logging`` prints a traceback for every record a handler fails to
    write; on a full disk that buried the one-line error the run ends with
    under screens of them. The console keeps logging.
    """
    def handle_error(record: logging.LogRecord) -> None:
        if getattr(handler, 'failed', False):
            return
        handler.failed = True
        err = sys.exc_info()[1]
        reason = getattr(err, 'strerror', None) or err
        sys.stderr.write(
            f'Warning: the log file {handler.baseFilename} cannot be '
            f'written ({reason}); the console goes on without it. Free '
            'space there or choose another --work-dir.\n')

    handler.handleError = handle_error


class _RestartWithoutSleep:
    """An endless iterator over a dataloader that restarts it at the end of
    each pass as mmengine's loop does (``set_epoch``, then a new iterator),
    minus the sleep.

    It takes over the loop's own iterator object through its attributes
    (``_dataloader``, ``_iterator``, ``_epoch``), read with defaults:
    mmengine 0.10.7 creates the first pass's iterator when the loop is
    built, the maintained line (onedl-mmengine) at the first ``next``.
    Creating one here instead would draw a dataloader seed from torch's
    generator at another moment and shift every later random number, so
    a missing iterator is created at the first ``next``, as there.
    """

    def __init__(self, started) -> None:
        self._dataloader = getattr(started, '_dataloader', None)
        if self._dataloader is None:
            raise TypeError(
                'The training loop\'s dataloader iterator has no '
                '`_dataloader`: this mmengine is neither 0.10.7 nor '
                'onedl-mmengine; report it with `pip list | grep mm`.')
        self._iterator = getattr(started, '_iterator', None)
        self._epoch = getattr(started, '_epoch', 0)

    def __iter__(self):
        return self

    def skip_iter(self, num_iters: int) -> None:
        """Skip the batches a resumed run has trained on, by drawing them
        (what mmengine 0.10.7's loop does on resume, and onedl-mmengine's
        with this iterator), so a resumed run sees the batches and random
        numbers of an uninterrupted one on either line."""
        for _ in range(max(0, num_iters)):
            next(self)

    def __next__(self):
        if self._iterator is None:
            self._iterator = iter(self._dataloader)
        try:
            return next(self._iterator)
        except StopIteration:
            self._epoch += 1
            loader = self._dataloader
            sampler = getattr(loader, 'sampler', None)
            if not hasattr(sampler, 'set_epoch'):
                sampler = getattr(getattr(loader, 'batch_sampler', None),
                                  'sampler', None)
            if hasattr(sampler, 'set_epoch'):
                sampler.set_epoch(self._epoch)
            self._iterator = iter(loader)
            return next(self._iterator)


@RUNNERS.register_module()
class ReIDRunner(Runner):
    """A ``Runner`` whose console leaves out the environment/config dump.

    Everything else is mmengine's ``Runner``; the log file in
    ``<work_dir>/<timestamp>/`` still holds the dump.
    """

    def __init__(self, *args, **kwargs) -> None:
        # A '${...}' or a fraction of the run left in the config would
        # reach a component as a value (mmengine's Config.fromfile does
        # not resolve them; mmreidgen.config.load_config does).
        check_resolved(kwargs.get('cfg') or kwargs, type(self).__name__)
        super().__init__(*args, **kwargs)

    def build_train_loop(self, loop):
        loop = super().build_train_loop(loop)
        loader = getattr(loop, 'dataloader', None)
        if isinstance(loop, IterBasedTrainLoop) and loader is not None and (
                loader.num_workers == 0
                or getattr(loader, 'persistent_workers', False)):
            print_log('The training dataloader restarts at the end of each '
                      'pass without the 2 s pause (no worker exits).',
                      logger='current', level=logging.DEBUG)
            loop.dataloader_iterator = _RestartWithoutSleep(
                loop.dataloader_iterator)
        return loop

    def build_optim_wrapper(self, optim_wrapper):
        """mmengine's, with ``ReIDOptimWrapperConstructor`` by default."""
        return super().build_optim_wrapper(
            with_default_constructor(optim_wrapper))

    def resume(self, filename: str, *args, **kwargs) -> None:
        """mmengine's; the schedulers of a checkpoint written with one
        parameter group per parameter get their groups merged too."""
        super().resume(filename, *args, **kwargs)
        regroup_scheduler_states(self.param_schedulers)

    @staticmethod
    def build_dataloader(dataloader, seed=None, diff_rank_seed=False):
        """mmengine's, adjusted for loading in the main process.

        Without workers (``num_workers=0``):

        - ``persistent_workers`` is off: a config that sets it keeps
          working when ``num_workers=0`` is chosen (the small synthetic
          configs load in the main process; PyTorch refuses the pair
          otherwise);
        - the datasets are not serialized (``serialize_data=False`` where
          the config does not say): serializing packs the annotation list
          into one array so that forked workers do not copy it page by
          page, and ends with a full garbage collection, about 0.2 s per
          dataset in a process that has imported torch, for nothing when
          no worker is forked.
        """
        if isinstance(dataloader, dict) and not dataloader.get(
                'num_workers', 0):
            dataloader = copy.copy(dataloader)
            if dataloader.get('persistent_workers'):
                dataloader['persistent_workers'] = False
            if isinstance(dataloader.get('dataset'), dict):
                dataloader['dataset'] = _unserialized(dataloader['dataset'])
        return Runner.build_dataloader(dataloader, seed, diff_rank_seed)

    @classmethod
    def from_cfg(cls, cfg) -> 'ReIDRunner':
        # mmengine looks its logger, message hub and visualizer up by the
        # experiment name (``<name>_<timestamp to the second>``) and returns
        # an existing one with the state and files of an earlier run: two
        # runs of one config started within a second in one process (or
        # SLSR's per-cluster DCGANs) would log into the first run's file
        # and share its message hub. A per-process run number keeps the
        # names apart.
        name = cfg.get('experiment_name') or osp.splitext(
            osp.basename(cfg.filename or 'run'))[0]
        cfg.experiment_name = f'{name}_run{next(_RUN_NUMBERS)}'
        return super().from_cfg(cfg)

    def build_logger(self, log_level='INFO', log_file=None, **kwargs):
        logger = super().build_logger(log_level, log_file, **kwargs)
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler and not any(
                    isinstance(f, _NoDump) for f in handler.filters):
                handler.addFilter(_NoDump())
            if isinstance(handler, logging.FileHandler):
                _fail_once(handler)
        logger.info(f'Environment and config: in {self._log_dir}/'
                    f'{self.timestamp}.log')
        return logger
