"""Find a config file, read it with its ``_base_`` chain, resolve it.

:func:`load_config` (re-exported by :mod:`mmreidgen.apis`) is the one
place where a config file becomes the config that a runner receives.
"""
import ast
import contextlib
import difflib
import glob
import os.path as osp
import threading
from typing import Any, Dict, List, Optional

from mmengine.config import Config

from .errors import ConfigError
from .overrides import check_cfg_options, drop_shadowed_epochs
from .pipeline import (
    is_pipeline,
    resolve_single,
    resolve_stage,
    stage_items,
)
from .plain import to_plain
from .references import resolve_references
from .schedules import explicit_wins

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def config_roots() -> List[str]:
    """The folders whose ``configs/`` :func:`find_config` searches.

    An installed wheel ships its configs in ``mmreidgen/.mim/configs``
    (OpenMMLab's convention, ``setup.py``). A source checkout (an editable
    install, or ``PYTHONPATH``) has no ``.mim``: its configs are beside the
    package, in the checkout's ``configs/``.
    """
    roots = [osp.join(PACKAGE_DIR, '.mim')]
    checkout = osp.dirname(PACKAGE_DIR)
    if osp.isfile(osp.join(checkout, 'setup.py')) and osp.isdir(
            osp.join(checkout, 'configs')):
        roots.insert(0, checkout)
    return roots


def find_config(path: str) -> str:
    """The config file ``path`` names, or one clear error with the closest.

    A path that does not exist is looked up under the ``configs/`` folders
    of :func:`config_roots` (the installed package's, or the checkout's).

    Args:
        path (str): A config path, e.g. ``configs/crgan/crgan_r50_...py``.

    Returns:
        str: An existing file.
    """
    if osp.isfile(path):
        return path
    roots = config_roots()
    for root in roots:
        for candidate in (osp.join(root, path),
                          osp.join(root, 'configs', path)):
            if osp.isfile(candidate):
                return candidate
    known = []
    for root in roots:
        known += [
            osp.relpath(p, root) for p in glob.glob(
                osp.join(root, 'configs', '**', '*.py'), recursive=True)
            if '_base_' not in p
        ]
    names = {osp.basename(k): k for k in known}
    close = difflib.get_close_matches(osp.basename(path), list(names), n=3,
                                      cutoff=0.5)
    hint = ''
    if close:
        hint = ' Closest configs: ' + ', '.join(names[c] for c in close) + '.'
    raise FileNotFoundError(
        f'Config {path} does not exist.{hint} All configs are under '
        'configs/<method>/.')


def config_bases(path: str) -> List[str]:
    """The ``_base_`` files a config file names (absolute paths)."""
    try:
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == '_base_'
                for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return []
            names = [value] if isinstance(value, str) else list(value)
            return [
                osp.normpath(osp.join(osp.dirname(path), name))
                for name in names if isinstance(name, str)
            ]
    return []


def base_cycle(path: str) -> Optional[List[str]]:
    """A loop of ``_base_`` files reached from ``path``, or None.

    Returns:
        list[str] | None: The files of the loop, its first file repeated at
        the end (paths relative to the current folder).
    """

    def visit(node: str, trail: List[str]) -> Optional[List[str]]:
        if node in trail:
            return trail[trail.index(node):] + [node]
        for base in config_bases(node):
            found = visit(base, trail + [node])
            if found:
                return found
        return None

    found = visit(osp.abspath(path), [])
    return None if found is None else [osp.relpath(p) for p in found]


_MERGE_LOCK = threading.RLock()


@contextlib.contextmanager
def explicit_values_win():
    """mmengine's merges (``_base_`` files, ``--cfg-options``) with
    :func:`~.schedules.explicit_wins` at every level.

    mmengine merges a child config into its bases, and overrides into the
    config, with ``Config._merge_a_into_b``, level by level through the
    class attribute; the rule has to act there, where it is still known
    which level set a key.
    """
    # One patch at a time: two threads loading configs would otherwise
    # save and restore each other's patch.
    with _MERGE_LOCK:
        original = Config.__dict__['_merge_a_into_b']

        def merge_a_into_b(a, b, allow_list_keys=False):
            if isinstance(a, dict) and isinstance(b, dict):
                b = explicit_wins(b, a)
            return original.__func__(a, b, allow_list_keys)

        Config._merge_a_into_b = staticmethod(merge_a_into_b)
        try:
            yield
        finally:
            Config._merge_a_into_b = original


def load_config(path: str,
                cfg_options: Optional[Dict[str, Any]] = None,
                stage: Optional[str] = None,
                work_dir: Optional[str] = None) -> Config:
    """Read a config, apply and check overrides, resolve it.

    Args:
        path (str): Config file; a missing one fails with the closest names.
        cfg_options (dict, optional): ``{dotted.key: value}`` overrides, as
            ``--cfg-options`` gives them. Defaults to None.
        stage (str, optional): For a pipeline config, return the config this
            stage runs with. Defaults to None: the pipeline itself (its
            top-level references resolved, stages left to resolve when
            they run).
        work_dir (str, optional): Sets ``work_dir``; defaults to the
            config's, else ``work_dirs/<config name>``.

    Returns:
        Config: The resolved config. Its text (``pretty_text``, the copy a
        runner writes to its work dir and into every checkpoint) is one
        key per line, not reformatted with yapf: formatting took about a
        third of a small pipeline's time (a checkpoint's copy each time).
    """
    path = find_config(path)
    with explicit_values_win():
        try:
            cfg = Config.fromfile(path)
        except RecursionError:
            cycle = base_cycle(path)
            if cycle is None:
                raise
            raise ConfigError(
                f'The _base_ files of {path} include each other: '
                f'{" -> ".join(cycle)}. Remove the _base_ entry that closes '
                'the loop.') from None
        if cfg_options:
            check_cfg_options(cfg, cfg_options)
            cfg.merge_from_dict(cfg_options)
            drop_shadowed_epochs(cfg, cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(path))[0])
    top = to_plain(cfg._cfg_dict)
    if is_pipeline(top):
        stage_items(top)  # validates the stage layout
        if stage is not None:
            resolved = resolve_stage(top, stage, osp.abspath(top['work_dir']))
        else:
            resolved = {
                k: v
                for k, v in top.items() if k not in ('stages', )
            }
            resolved = resolve_references(resolved, top)
            resolved['stages'] = top['stages']
    else:
        if stage is not None:
            raise ConfigError(
                f'{path} is not a pipeline config (no '
                "runner_type='PipelineRunner'), so it has no stage "
                f'{stage!r}.')
        resolved = resolve_single(top)
    return Config(resolved, filename=path, format_python_code=False)


__all__ = [
    'PACKAGE_DIR', 'config_roots', 'find_config', 'config_bases',
    'base_cycle', 'explicit_values_win', 'load_config'
]
