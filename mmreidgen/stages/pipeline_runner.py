"""Run the stages of a multi-stage method in order, in one work dir."""
import copy
import hashlib
import json
import os
import os.path as osp
import shutil
import time
from typing import Any, Dict, List, Optional, Sequence

from mmengine.config import Config
from mmengine.logging import print_log

from mmreidgen.config import (
    EPOCH_IMAGES_KEY,
    ConfigError,
    check_resolved,
    resolve_stage,
    stage_names,
    to_plain,
)
from mmreidgen.registry import RUNNERS, STAGES
from mmreidgen.utils.config_check import (
    amp_dtype,
    cap_num_workers,
    enable_amp,
)
from mmreidgen.utils.work_dir_lock import work_dir_lock

from .base_stage import read_json, write_json

MARKER = 'done'
CONFIG_COPY = 'stage_config.json'
# Settings that do not change what a stage computes; a change of them
# does not make a finished stage stale.
_VOLATILE = {'num_workers', 'persistent_workers', 'pin_memory',
             'prefetch_factor', 'experiment_name', 'work_dir', 'launcher',
             'resume', 'log_level', 'visualizer', EPOCH_IMAGES_KEY}
# Hooks a tool adds (``extra_hooks``) that change what a stage computes;
# they are recorded under ``tool_options`` with the precision.
COMPUTING_HOOKS = {'ChannelsLastHook': 'channels_last'}


# Keys that change no result of a stage: how often it saves and logs. A
# finished stage that differs only there is not stale.
_BOOKKEEPING = ('default_hooks.checkpoint.', 'default_hooks.logger.')


class StaleStageError(ConfigError):
    """A finished stage would be skipped although its config changed."""


def canonical(node: Any, root: str) -> Any:
    if isinstance(node, dict):
        return {
            str(k): canonical(v, root)
            for k, v in sorted(node.items(), key=lambda kv: str(kv[0]))
            if k not in _VOLATILE
        }
    if isinstance(node, (list, tuple)):
        return [canonical(v, root) for v in node]
    if isinstance(node, str):
        return node.replace(root, '{work_dir}')
    return node


def _flatten(node: Any, prefix: str = '') -> Dict[str, Any]:
    out = {}
    if isinstance(node, dict):
        for key, value in node.items():
            out.update(_flatten(value, f'{prefix}.{key}' if prefix else key))
    elif isinstance(node, list) and any(
            isinstance(v, (dict, list)) for v in node):
        for i, value in enumerate(node):
            out.update(_flatten(value, f'{prefix}.{i}'))
    else:
        out[prefix] = node
    return out


def changed_keys(old: dict, new: dict) -> List[str]:
    """Dotted keys whose values differ between two canonical configs."""
    a, b = _flatten(old), _flatten(new)
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


@RUNNERS.register_module()
class PipelineRunner:
    """Run ``cfg.stages`` in order; each stage in ``<work_dir>/<name>``.

    ``stages`` is a dict keyed by stage name (see
    :mod:`mmreidgen.config` for how a stage's config is resolved).
    A stage's ``type`` is ``'train'`` (:class:`TrainStage`), ``'test'``
    (:class:`TestStage`) or another class registered in
    ``mmreidgen.registry.STAGES`` (SLSR's clustering, GAN, generation and
    fine-tuning stages).

    Re-running is always safe, with or without ``--resume``:

    - a finished stage (its ``done`` marker) is skipped when its resolved
      config, and that of every stage before it, is unchanged;
    - a finished or started stage whose resolved config changed stops the
      run before any work, with the changed keys and the ways on (a new
      work dir, or ``restart_from=NAME`` / ``--restart-from NAME``, which
      moves that stage and every later one to ``<work_dir>/stale/`` and runs
      them again);
    - an interrupted training stage resumes from its own newest complete
      checkpoint; a stage that has not started starts fresh from its
      ``load_from``.

    ``only_stage=NAME`` runs that stage alone, even when done.

    Args:
        cfg (Config): The pipeline config, with ``stages`` and ``work_dir``.
        amp_dtype (str, optional): Switch every stage's optim wrappers to
            mixed precision (``tools/train.py --amp``); ``''`` picks the
            device's default dtype. Part of every stage's recorded
            settings (``tool_options.amp``). Defaults to None (off).
        extra_hooks (Sequence[dict]): Hooks added to every stage. Only
            those that change the computation (:data:`COMPUTING_HOOKS`)
            are part of the stage's recorded settings. Defaults to ().
        cfg_options (dict, optional): The ``--cfg-options`` the config was
            loaded with. Each stage records them, so that a run that leaves
            one out is told so, apart from one that changes a value.
            Defaults to None.
    """

    def __init__(self,
                 cfg: Config,
                 amp_dtype: Optional[str] = None,
                 extra_hooks: Sequence[dict] = (),
                 cfg_options: Optional[Dict[str, Any]] = None) -> None:
        check_resolved(cfg, type(self).__name__)
        self.top = to_plain(cfg._cfg_dict)
        names = stage_names(self.top)
        if not names:
            raise ConfigError(
                "runner_type='PipelineRunner' needs a non-empty `stages` "
                'dict in the config.')
        self.names = names
        self.work_dir = osp.abspath(cfg.work_dir)
        self.only_stage: Optional[str] = cfg.get('only_stage')
        if self.only_stage is not None and self.only_stage not in names:
            raise ConfigError(
                f'only_stage={self.only_stage!r} is not a stage; choose '
                f'one of {names}')
        self.restart_from: Optional[str] = cfg.get('restart_from')
        if self.restart_from is not None and \
                self.restart_from not in names:
            raise ConfigError(
                f'--restart-from {self.restart_from!r} is not a stage; '
                f'choose one of {names}')
        for name in names:
            kind = resolve_stage(self.top, name, self.work_dir)['stage'][
                'type']
            if STAGES.get(kind) is None:
                known = sorted(set(STAGES.module_dict))
                raise ConfigError(
                    f'stage {name!r} has type {kind!r}, which is not '
                    'registered in mmreidgen.registry.STAGES; registered: '
                    f'{", ".join(known)}.')
        self.amp_dtype = amp_dtype
        self.extra_hooks = list(extra_hooks)
        self.config_file = cfg.filename
        self.cfg_options = {
            str(k): str(v) for k, v in (cfg_options or {}).items()
            if k != 'restart_from'
        }

    @classmethod
    def from_cfg(cls, cfg: Config) -> 'PipelineRunner':
        return cls(cfg)

    def stage_dir(self, name: str) -> str:
        return osp.join(self.work_dir, name)

    def stage_config(self, name: str) -> Config:
        """The resolved config stage ``name`` runs with."""
        return Config(resolve_stage(self.top, name, self.work_dir),
                      format_python_code=False)

    def tool_options(self) -> dict:
        """The tool's settings that change what every stage computes.

        ``amp`` (the autocast dtype of ``--amp``) and the flags of
        :data:`COMPUTING_HOOKS` (``channels_last``); only those that are
        on, so that a run without them records what it always did.
        """
        options = {}
        if self.amp_dtype is not None:
            options['amp'] = amp_dtype(self.amp_dtype or None)
        for hook in self.extra_hooks:
            flag = COMPUTING_HOOKS.get(hook.get('type'))
            if flag is not None:
                options[flag] = True
        return options

    def _keys(self) -> Dict[str, dict]:
        """Per stage: canonical config and the chained hash.

        The canonical config is the resolved stage config without the
        settings that do not change results, plus :meth:`tool_options`
        under ``tool_options`` when any is on.
        """
        out, previous = {}, ''
        tool = self.tool_options()
        for name in self.names:
            canon = canonical(
                resolve_stage(self.top, name, self.work_dir), self.work_dir)
            if tool:
                canon['tool_options'] = tool
            text = json.dumps(canon, sort_keys=True, default=str)
            digest = hashlib.sha256((previous + text).encode()).hexdigest()
            out[name] = dict(config=canon, hash=digest)
            previous = digest
        return out

    def check_stale(self, keys: Dict[str, dict],
                    only: Optional[str] = None) -> None:
        """Stop when a stage that has run (or started) was set up otherwise.

        Raises:
            StaleStageError: With the first such stage, its changed keys and
                the ways on.
        """
        # Whether every stage before has a record that differs from the
        # current config in bookkeeping keys at most.
        settled = True
        for name in self.names:
            if only is not None and name != only:
                continue
            recorded = read_json(osp.join(self.stage_dir(name), CONFIG_COPY))
            if recorded is None:
                settled = False
                continue
            if only is not None:
                same = recorded.get('config') == keys[name]['config']
            else:
                same = recorded.get('hash') == keys[name]['hash']
            if same:
                continue
            own = [
                k for k in changed_keys(recorded.get('config', {}),
                                        keys[name]['config'])
                if not k.startswith(_BOOKKEEPING)
            ]
            if not own and (settled or only is not None):
                continue
            if own:
                shown = ', '.join(own[:12]) + (
                    f' and {len(own) - 12} more' if len(own) > 12 else '')
                why = f'its resolved config changed: {shown}'
            else:
                why = 'an earlier stage changed, so its results are stale'
            state = 'finished' if osp.exists(
                osp.join(self.stage_dir(name), MARKER)) else 'started'
            before = recorded.get('cfg_options') or {}
            left_out = [f'{k}={v}' for k, v in before.items()
                        if k not in self.cfg_options]
            if left_out:
                raise StaleStageError(
                    f'Stage {name!r} has {state} in {self.work_dir} with '
                    '--cfg-options that this command leaves out: '
                    f'{" ".join(left_out)}. Nothing was run. To go on with '
                    'that run, give them again (the same command as '
                    'before). To run with other settings instead, use a new '
                    f'work dir (--work-dir), or --restart-from {name}, which '
                    'moves this stage and every later one to '
                    f'{osp.join(self.work_dir, "stale")}/ and runs them '
                    'again.')
            raise StaleStageError(
                f'Stage {name!r} has {state} in {self.work_dir} with other '
                f'settings ({why}). Nothing was run. Either use a new work '
                'dir (--work-dir), or re-run this stage and every later one '
                f'with --restart-from {name} (their old folders are moved '
                f'to {osp.join(self.work_dir, "stale")}/).')

    def _restart(self, name: str) -> None:
        stamp = time.strftime('%Y%m%d-%H%M%S')
        dest = osp.join(self.work_dir, 'stale', stamp)
        for later in self.names[self.names.index(name):]:
            if osp.exists(self.stage_dir(later)):
                os.makedirs(dest, exist_ok=True)
                shutil.move(self.stage_dir(later), osp.join(dest, later))
                print_log(f'Stage {later}: moved to {dest}/{later} '
                          '(--restart-from).', logger='current')

    def train(self) -> None:
        """Run every stage that is not done yet.

        The work dir is locked meanwhile (``<work_dir>/.workdir.lock``).

        Raises:
            WorkDirLockedError: Another process is writing into the work
                dir; nothing was run or moved.
        """
        with work_dir_lock(self.work_dir, 'PipelineRunner'):
            self._train()

    def _train(self) -> None:
        if self.restart_from is not None:
            self._restart(self.restart_from)
        keys = self._keys()
        self.check_stale(keys, only=self.only_stage)
        for name in self.names:
            if self.only_stage is not None and name != self.only_stage:
                continue
            marker = osp.join(self.stage_dir(name), MARKER)
            if osp.exists(marker) and self.only_stage is None:
                print_log(f'Stage {name}: done before, skipped ({marker}).',
                          logger='current')
                continue
            self.run_stage(name, keys[name])

    def run_stage(self, name: str, key: Optional[dict] = None) -> Any:
        """Run one stage and write its marker."""
        key = key or self._keys()[name]
        cfg = self.stage_config(name)
        os.makedirs(cfg.work_dir, exist_ok=True)
        write_json(dict(hash=key['hash'], config=key['config'],
                        cfg_options=self.cfg_options),
                   osp.join(cfg.work_dir, CONFIG_COPY))
        args = dict(cfg.stage)
        stage_type = args.pop('type')
        args.pop('name')
        cfg.pop('stage')
        cap_num_workers(cfg)
        if self.amp_dtype is not None:
            enable_amp(cfg, self.amp_dtype or None)
        if self.extra_hooks:
            hooks = list(cfg.get('custom_hooks') or [])
            present = {h.get('type') for h in hooks}
            cfg.custom_hooks = hooks + [
                copy.deepcopy(h) for h in self.extra_hooks
                if h['type'] not in present
            ]
        cfg.experiment_name = f"{name}_{time.strftime('%Y%m%d_%H%M%S')}"
        stage_cls = STAGES.get(stage_type)
        if stage_cls is None:
            raise ConfigError(
                f'stage {name!r} has type {stage_type!r}, which is not '
                "registered in mmreidgen.registry.STAGES ('train', 'test', "
                f'{", ".join(sorted(STAGES.module_dict))}).')
        print_log(f'Stage {name} ({stage_type}) starts in {cfg.work_dir}.',
                  logger='current')
        result = stage_cls(cfg=cfg, work_dir=cfg.work_dir, name=name,
                           **args).run()
        write_json(
            dict(finished=time.strftime('%Y-%m-%d %H:%M:%S'),
                 hash=key['hash'], config_file=self.config_file,
                 result=result),
            osp.join(cfg.work_dir, MARKER))
        return result

    def test_stage_name(self) -> str:
        """The stage whose model ``tools/test.py`` evaluates."""
        name = self.top.get('test_stage')
        if name is None:
            trains = [
                n for n in self.names
                if resolve_stage(self.top, n, self.work_dir)['stage'][
                    'type'] in ('train', 'TrainStage')
            ]
            name = trains[-1] if trains else self.names[-1]
        return name

    def test(self) -> dict:
        """Evaluate ``load_from`` (set by ``tools/test.py``) with the model
        config of ``test_stage`` (default: the last training stage), in
        ``<work_dir>/test_tool/`` so no stage's files are touched."""
        from .base_stage import without_training
        from .train_test_stages import build_runner
        cfg = self.stage_config(self.test_stage_name())
        cfg.pop('stage')
        cfg.load_from = self.top.get('load_from')
        cfg.resume = False
        cfg.work_dir = osp.join(self.work_dir, 'test_tool')
        hooks = list(cfg.get('custom_hooks') or [])
        cfg.custom_hooks = hooks + copy.deepcopy(self.extra_hooks)
        cap_num_workers(cfg)
        with work_dir_lock(cfg.work_dir, 'PipelineRunner.test'):
            return build_runner(without_training(cfg)).test()
