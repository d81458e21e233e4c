"""Evaluate checkpoints: one config, or every split of a protocol.

:func:`test_checkpoint` is what ``tools/test.py`` runs (a single config or
a pipeline's ``test_stage``); :func:`evaluate_splits` runs it once per
random split (CUHK03 classic: 20, VIPeR: 10), each split with its own
checkpoint, and reports the mean ± sd over the splits
(``tools/analysis_tools/eval_splits.py``).
"""
import copy
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

from mmengine.logging import print_log

from mmreidgen.config import load_config
from mmreidgen.engine.checkpoint import load_checkpoint_file
from mmreidgen.engine.dist import setup_cpu_distributed
from mmreidgen.engine.runner import ReIDRunner
from mmreidgen.evaluation.functional.splits import aggregate_split_metrics
from mmreidgen.utils import cap_num_workers, work_dir_lock

from .pipeline_runner import PipelineRunner
from .train_test_stages import train_in_dir

# Top-level variables that select a split, and how many splits there are.
SPLIT_VARIABLES = {'cuhk03_split_id': 20, 'viper_split_id': 10}


def add_result_dump(cfg, out_file: Optional[str] = None,
                    show_dir: Optional[str] = None, show_num: int = 8,
                    topk: int = 10) -> None:
    """Add :class:`DumpReIDResults` to ``cfg.test_evaluator`` (in place).

    The rank lists use the distance of the config's ``ReIDMetric``.
    """
    if out_file is None and show_dir is None:
        return
    evaluator = cfg.get('test_evaluator')
    metrics = list(evaluator) if isinstance(evaluator, (list, tuple)) else \
        [evaluator]
    distance = next((m.get('metric') for m in metrics
                     if isinstance(m, dict) and m.get('metric')),
                    'euclidean')
    dump = dict(type='DumpReIDResults', out_file=out_file, show_dir=show_dir,
                show_num=show_num, topk=topk, metric=distance)
    cfg.test_evaluator = [copy.deepcopy(m) for m in metrics] + [dump]


def test_checkpoint(cfg, checkpoint: str, launcher: str = 'none',
                    channels_last: bool = False) -> Dict[str, float]:
    """Evaluate ``checkpoint`` with a resolved config.

    A pipeline config is evaluated with the model config of its
    ``test_stage`` in ``<work_dir>/test_tool/``. The checkpoint is checked
    against the model (one message for another model or class count).

    Args:
        cfg (Config): From :func:`mmreidgen.apis.load_config`; changed in
            place (``load_from``, hooks, launcher).
        checkpoint (str): A ``.pth`` file.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or
            ``'mpi'``. Defaults to 'none'.
        channels_last (bool): Channels-last model and inputs. Defaults to
            False.

    Returns:
        dict[str, float]: The test loop's metrics.
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'Checkpoint {checkpoint} does not exist; pass the path of a '
            '.pth file written by tools/train.py (e.g. '
            f'{cfg.work_dir}/iter_N.pth).')
    pipeline = cfg.get('runner_type') == 'PipelineRunner'
    # The folder the test writes into; another run there is refused first.
    written = osp.join(cfg.work_dir, 'test_tool') if pipeline else \
        cfg.work_dir
    with work_dir_lock(written, 'tools/test.py'):
        # An empty, truncated or unsafe file: one message naming it.
        load_checkpoint_file(checkpoint)
        cfg.launcher = launcher
        cfg.load_from = checkpoint
        setup_cpu_distributed(cfg, launcher)
        # mmengine loads non-strictly; a checkpoint of another model or
        # with another number of classes must fail with one message.
        hooks = [dict(type='CheckpointCheckHook', on_load=True)]
        if channels_last:
            hooks.append(dict(type='ChannelsLastHook'))
        if pipeline:
            metrics = PipelineRunner(cfg, extra_hooks=hooks).test()
        else:
            cap_num_workers(cfg)
            cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + hooks
            metrics = ReIDRunner.from_cfg(cfg).test()
    return {k: float(v) for k, v in metrics.items()}


def split_variable(cfg, name: Optional[str] = None) -> str:
    """The top-level variable of a config that selects its split.

    Args:
        cfg (Config): A loaded config.
        name (str, optional): Given by the user; checked. Defaults to None:
            the one of :data:`SPLIT_VARIABLES` the config defines.

    Returns:
        str: The variable's name.
    """
    if name is not None:
        if name not in cfg:
            raise KeyError(
                f'The config has no top-level variable {name!r}; its split '
                f'variables: {[k for k in SPLIT_VARIABLES if k in cfg]}.')
        return name
    found = [key for key in SPLIT_VARIABLES if key in cfg]
    if len(found) != 1:
        raise ValueError(
            f'Cannot tell the split variable of this config (found '
            f'{found} of {list(SPLIT_VARIABLES)}); pass --split-var NAME.')
    if found[0] == 'cuhk03_split_id' and \
            cfg.get('cuhk03_protocol', 'classic') != 'classic':
        raise ValueError(
            f"cuhk03_protocol={cfg.get('cuhk03_protocol')!r} has one fixed "
            'split (767/700): evaluate it with tools/test.py, or set '
            'cuhk03_protocol=classic cuhk03_eval_protocol='
            'single_gallery_shot for the 20 classic splits.')
    return found[0]


def _train_split(cfg, work_dir: str) -> str:
    """Train one split in ``work_dir``; returns its final checkpoint."""
    hooks = [dict(type='CheckpointCheckHook', on_resume=True),
             dict(type='RNGStateHook')]
    if cfg.get('runner_type') == 'PipelineRunner':
        runner = PipelineRunner(cfg, extra_hooks=hooks)
        runner.train()
        # The model of the last stage that trained one (SLSR's fine-tuning,
        # CR-GAN's stage III).
        for name in reversed(runner.names):
            final = osp.join(runner.stage_dir(name), 'final.pth')
            if osp.isfile(final):
                return final
        raise RuntimeError(f'No stage of {runner.work_dir} wrote final.pth.')
    cap_num_workers(cfg)
    cfg.custom_hooks = list(cfg.get('custom_hooks') or []) + hooks
    return train_in_dir(cfg, work_dir)


def evaluate_splits(config: str,
                    checkpoint: Optional[str] = None,
                    splits: Optional[Sequence[int]] = None,
                    split_var: Optional[str] = None,
                    cfg_options: Optional[Dict[str, Any]] = None,
                    work_dir: Optional[str] = None,
                    train: bool = False,
                    out_file: Optional[str] = None) -> Dict[str, Any]:
    """Test one checkpoint per split and average the metrics over splits.

    A checkpoint is trained on one split's training identities, so every
    split has its own: ``checkpoint`` is a pattern with ``{split}``, e.g.
    ``work_dirs/slsr_viper_split{split}/stage5_finetune/final.pth``. With
    ``train=True`` each split is first trained in
    ``<work_dir>/split<k>`` (resuming what is there) and its final
    checkpoint tested (a pipeline's: the ``final.pth`` of its last stage
    that has one).

    Args:
        config (str): The config file.
        checkpoint (str, optional): Pattern of the checkpoints, with
            ``{split}``. Required unless ``train``. Defaults to None.
        splits (Sequence[int], optional): Splits to run. Defaults to None:
            all splits of the protocol (:data:`SPLIT_VARIABLES`).
        split_var (str, optional): The top-level variable that selects the
            split. Defaults to None (found in the config).
        cfg_options (dict, optional): Overrides of every split's config.
            Defaults to None.
        work_dir (str, optional): Split ``k`` runs in ``<work_dir>/split<k>``.
            Defaults to None: ``work_dirs/<config name>_splits``.
        train (bool): Train each split before testing it. Defaults to False.
        out_file (str, optional): Write the result as JSON. Defaults to
            None.

    Returns:
        dict: ``config``, ``split_variable``, ``splits`` (one dict per split
        with ``split``, ``checkpoint`` and ``metrics``), ``num_splits``,
        ``mean`` and ``sd`` (:func:`aggregate_split_metrics`).
    """
    if checkpoint is None and not train:
        raise ValueError('Pass the checkpoints as a pattern with {split} '
                         '(e.g. work_dirs/x_split{split}/final.pth), or '
                         'train=True (--train) to train every split.')
    if checkpoint is not None and '{split}' not in checkpoint:
        raise ValueError(
            f'The checkpoint pattern {checkpoint!r} has no {{split}}: each '
            'split is trained on its own identities, so each needs its '
            'own checkpoint.')
    options = dict(cfg_options or {})
    probe = load_config(config, options or None)
    var = split_variable(probe, split_var)
    if splits is None:
        if var not in SPLIT_VARIABLES:
            raise ValueError(f'Pass the splits to run for {var!r}.')
        splits = range(SPLIT_VARIABLES[var])
    splits = [int(s) for s in splits]
    if work_dir is None:
        name = osp.splitext(osp.basename(config))[0]
        work_dir = osp.join('work_dirs', f'{name}_splits')
    per_split: List[dict] = []
    for split in splits:
        split_dir = osp.join(work_dir, f'split{split}')
        cfg = load_config(config, {**options, var: split}, work_dir=split_dir)
        ckpt = checkpoint.format(split=split) if checkpoint else None
        if train:
            ckpt = _train_split(cfg, split_dir)
            cfg = load_config(config, {**options, var: split},
                              work_dir=split_dir)
        print_log(f'{var}={split}: testing {ckpt}', logger='current')
        metrics = test_checkpoint(cfg, ckpt)
        per_split.append(dict(split=split, checkpoint=ckpt, metrics=metrics))
    summary = aggregate_split_metrics([s['metrics'] for s in per_split])
    result = dict(config=config, split_variable=var, splits=per_split,
                  **summary)
    if out_file:
        os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
        with open(out_file, 'w', encoding='utf-8') as f:
            json.dump(result, f, indent=2)
    return result
