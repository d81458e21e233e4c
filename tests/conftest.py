"""Shared fixtures: registries, a small synthetic benchmark on disk."""
import importlib.util
import os
import os.path as osp

import forked_tools
import pytest
import torch

from mmreidgen.utils import register_all_modules

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

register_all_modules()
# Tool subprocesses start from this worker's imports (forked_tools.py).
forked_tools.install()


def pytest_configure(config):
    forked_tools.set_pytest_filters(
        list(config.getini('filterwarnings')) +
        list(config.known_args_namespace.pythonwarnings or []))
# One intra-op thread per process when make test runs one pytest worker
# per core (pytest-xdist sets PYTEST_XDIST_WORKER_COUNT); two otherwise.
torch.set_num_threads(
    1 if int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1')) > 1 else 2)


def config_files() -> list:
    """Every config file (not the ``_base_`` parts), relative to the
    repository, sorted."""
    import glob
    return sorted(
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                           recursive=True) if '_base_' not in p)


_PIPELINE = {}


def is_pipeline_config(path: str) -> bool:
    """Whether the config at ``path`` (relative to the repository) is a
    pipeline; each config is read once per process (test modules choose
    their parameters with it while they are collected)."""
    if path not in _PIPELINE:
        from mmreidgen.config import is_pipeline, load_config
        _PIPELINE[path] = is_pipeline(
            load_config(osp.join(REPO, path), work_dir='/tmp/unused'))
    return _PIPELINE[path]


def load_tool(relpath: str):
    """Import a script under tools/ as a module."""
    path = osp.join(REPO, relpath)
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def synth_root(tmp_path_factory) -> str:
    """A small synthetic benchmark (both domains) rendered once."""
    from mmreidgen.datasets.synthetic import make_synthetic_reid
    out = tmp_path_factory.mktemp('synthreid')
    # Version 1: the tests that use this fixture were written for it.
    make_synthetic_reid(str(out), seed=0, num_train_ids=8, num_test_ids=6,
                        version=1)
    return str(out)


@pytest.fixture(scope='module')
def one_thread():
    """One intra-op thread while a module's small models run (faster than
    two competing threads on the 2-core machines)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _early_seconds(item) -> float:
    marker = item.get_closest_marker('early')
    if marker is None:
        return 0.0
    return float(marker.args[0]) if marker.args else 1.0


def pytest_collection_modifyitems(config, items):
    """Test files marked ``early(seconds)`` (long ones, with about how long
    the file takes on one idle core) start first, the longest first: with
    one worker per core and whole files to a worker, a long file collected
    last would end the run alone."""
    items.sort(key=lambda item: -_early_seconds(item))
