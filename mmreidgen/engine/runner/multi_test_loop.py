"""Evaluate one model on several named test sets in one run.

mmengine runs one test dataloader through one evaluator. Cross-domain
re-id reports a model on several target datasets (fast-reid's
``DATASETS.TESTS``), so :class:`MultiTestLoop` evaluates the config's
``test_dataloader`` first, with its metric names unchanged
(``reid/mAP``), then every extra test set, with the set's name in front
(``market/reid/mAP``)::

    test_cfg = dict(
        type='MultiTestLoop',
        extra_test_sets=[
            dict(name='market', dataset=dict(
                type='ConcatDataset', datasets=[
                    dict(type='Market1501', data_root='data/market1501',
                         subset=subset, pipeline='${test_pipeline}')
                    for subset in ('query', 'gallery')])),
        ])

An extra set's dataloader is ``test_dataloader`` with its ``dataset``
replaced; its evaluator is ``test_evaluator`` unless the entry gives an
``evaluator`` (e.g. the single-gallery-shot protocol for CUHK03 classic).
A metric of the copied evaluator that writes files (``out_file``,
``show_dir``, as :class:`~mmreidgen.evaluation.DumpReIDResults`) writes
them with ``_<name>`` added, so the sets do not overwrite each other.
"""
import copy
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

from mmengine.evaluator import Evaluator
from mmengine.runner import TestLoop
from torch.utils.data import DataLoader

from mmreidgen.registry import LOOPS

_FILE_KEYS = ('out_file', 'show_dir')


def _with_suffix(path: str, name: str) -> str:
    root, ext = osp.splitext(path)
    return f'{root}_{name}{ext}'


def _evaluator_for(cfg: Union[dict, list], name: str) -> Union[dict, list]:
    """A copy of an evaluator config whose output files name the set."""
    cfg = copy.deepcopy(cfg)
    metrics = cfg.get('metrics', cfg) if isinstance(cfg, dict) else cfg
    for metric in metrics if isinstance(metrics, list) else [metrics]:
        for key in _FILE_KEYS:
            if isinstance(metric, dict) and metric.get(key):
                metric[key] = _with_suffix(metric[key], name)
    return cfg


def check_test_sets(extra_test_sets: Optional[Sequence[dict]]) -> List[dict]:
    """Validate ``extra_test_sets``; returns the list (``[]`` for None).

    Raises:
        ValueError: An entry without ``name`` or ``dataset``, a name with
            ``/`` or a name given twice.
    """
    if extra_test_sets is None:
        return []
    if isinstance(extra_test_sets, dict) or not isinstance(
            extra_test_sets, (list, tuple)):
        raise ValueError(
            'extra_test_sets must be a list of dict(name=..., dataset=...), '
            f'got {type(extra_test_sets).__name__}.')
    names = []
    for index, entry in enumerate(extra_test_sets):
        if not isinstance(entry, dict) or not {'name', 'dataset'} <= set(
                entry):
            raise ValueError(
                f'extra_test_sets[{index}] must be dict(name=..., '
                f'dataset=..., evaluator=None), got {entry!r}.')
        unknown = set(entry) - {'name', 'dataset', 'evaluator'}
        if unknown:
            raise ValueError(
                f'extra_test_sets[{index}] has unknown keys '
                f'{sorted(unknown)}; allowed: name, dataset, evaluator.')
        name = entry['name']
        if not isinstance(name, str) or not name or '/' in name:
            raise ValueError(
                f'extra_test_sets[{index}]: name must be a non-empty string '
                f'without "/", got {name!r}.')
        if name in names:
            raise ValueError(f'extra_test_sets: the name {name!r} is given '
                             'twice; each set needs its own prefix.')
        names.append(name)
    return list(extra_test_sets)


@LOOPS.register_module()
class MultiTestLoop(TestLoop):
    """mmengine's ``TestLoop`` over the test set, then over extra sets.

    Hooks see one test run: ``before_test`` and ``before_test_epoch`` once,
    the iterations of every set (``batch_idx`` restarts with each set), then
    ``after_test_epoch`` with all metrics and ``after_test``.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The primary test set's loader.
        evaluator (Evaluator | dict | list): The primary evaluator.
        extra_test_sets (Sequence[dict], optional): ``dict(name=...,
            dataset=..., evaluator=None)`` per extra set, evaluated in this
            order; their metrics are named ``<name>/<metric>``. Defaults to
            None (only the primary set, as ``TestLoop``).
        target_name (str): Label of the primary set in tables (its metric
            names carry no prefix). Defaults to 'target'.
        fp16 (bool): Autocast the forward passes. Defaults to False.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 extra_test_sets: Optional[Sequence[dict]] = None,
                 target_name: str = 'target',
                 fp16: bool = False) -> None:
        sets = check_test_sets(extra_test_sets)
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        self.target_name = target_name
        template = runner.cfg.get('test_dataloader')
        if sets and not isinstance(template, dict):
            raise ValueError(
                'MultiTestLoop builds the extra test sets from the config\'s '
                'test_dataloader dict; this config has none.')
        evaluator_cfg = runner.cfg.get('test_evaluator')
        self.extra = []
        # Every set is built now, so a missing dataset stops the run
        # before the first forward pass, not after the primary set.
        for entry in sets:
            name = entry['name']
            loader_cfg = copy.deepcopy(dict(template))
            loader_cfg['dataset'] = copy.deepcopy(entry['dataset'])
            try:
                loader = runner.build_dataloader(loader_cfg)
            except (OSError, ValueError, KeyError) as err:
                raise type(err)(
                    f'Extra test set {name!r}: {err} (or leave the set out '
                    'of extra_test_sets; none: --cfg-options '
                    'extra_test_sets=None, or test_cfg.extra_test_sets=None '
                    'where test_cfg names them)') from err
            ev_cfg = entry.get('evaluator') or _evaluator_for(
                evaluator_cfg, name)
            ev = runner.build_evaluator(copy.deepcopy(ev_cfg))
            ev.dataset_meta = getattr(loader.dataset, 'metainfo', None)
            self.extra.append((name, loader, ev))

    @property
    def names(self) -> List[str]:
        """Labels of the sets, the primary first."""
        return [self.target_name] + [name for name, _, _ in self.extra]

    def _run_set(self, loader: DataLoader, evaluator: Evaluator) -> dict:
        self.dataloader, self.evaluator = loader, evaluator
        self.test_loss.clear()
        for idx, data_batch in enumerate(loader):
            self.run_iter(idx, data_batch)
        return evaluator.evaluate(len(loader.dataset))

    def run(self) -> dict:
        """Evaluate every set; returns the merged metrics."""
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        self.runner.model.eval()
        primary = (self.dataloader, self.evaluator)
        metrics = dict(self._run_set(*primary))
        for name, loader, evaluator in self.extra:
            result = self._run_set(loader, evaluator)
            metrics.update({f'{name}/{k}': v for k, v in result.items()})
        self.dataloader, self.evaluator = primary
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics


def enable_extra_test_sets(cfg) -> List[str]:
    """Evaluate a config's ``extra_test_sets`` variable too.

    ``tools/test.py`` calls this: a config (a pipeline's too) that defines
    the top-level variable ``extra_test_sets`` (a list as
    :class:`MultiTestLoop` takes) is tested with a :class:`MultiTestLoop`
    over them; a config whose ``test_cfg`` is already one is left as it is.

    Args:
        cfg (Config): A config from ``load_config``; changed in place.

    Returns:
        list[str]: The extra sets' names (``[]``: only the test set).
    """
    test_cfg = cfg.get('test_cfg') or {}
    if test_cfg.get('type') == 'MultiTestLoop':
        sets = test_cfg.get('extra_test_sets')
    else:
        sets = cfg.get('extra_test_sets')
        if sets:
            cfg.test_cfg = dict(
                {k: v for k, v in test_cfg.items() if k != 'type'},
                type='MultiTestLoop', extra_test_sets=sets)
    return [entry['name'] for entry in check_test_sets(sets or None)]


def target_rows(metrics: Dict[str, float], names: Sequence[str],
                target_name: str = 'target') -> Dict[str, Dict[str, float]]:
    """Group a :class:`MultiTestLoop` result into one row per test set.

    Args:
        metrics (dict): ``{'reid/mAP': ..., 'market/reid/mAP': ...}``.
        names (Sequence[str]): The extra sets' names.
        target_name (str): Label of the primary set's row. Defaults to
            'target'.

    Returns:
        dict: ``{set label: {metric: value}}`` with the evaluator prefix
        dropped (``'mAP'``), the primary set first.
    """
    rows = {target_name: {}}
    rows.update({name: {} for name in names})
    for key, value in metrics.items():
        head, _, rest = key.partition('/')
        row = head if head in names and rest else target_name
        short = (rest if row != target_name else key).rsplit('/', 1)[-1]
        rows[row][short] = value
    return rows


def format_table(rows: Dict[str, Dict[str, object]],
                 first: str = 'test set') -> str:
    """A markdown table of ``{row label: {column: value}}``.

    Floats are written with two decimals; columns follow the first row.
    """
    columns = []
    for row in rows.values():
        columns += [c for c in row if c not in columns]
    lines = ['| ' + ' | '.join([first] + columns) + ' |',
             '|' + '---|' * (len(columns) + 1)]
    for label, row in rows.items():
        cells = [
            f'{row[c]:.2f}' if isinstance(row.get(c), float) else
            str(row.get(c, '')) for c in columns
        ]
        lines.append('| ' + ' | '.join([label] + cells) + ' |')
    return '\n'.join(lines)
