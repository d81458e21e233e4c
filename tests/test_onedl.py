"""The maintained OpenMMLab line: a representative subset of the suite on
onedl-mmengine, onedl-mmcv and onedl-mmpretrain (same import names).

The forks are installed once, from their hashed pins
(``requirements/onedl.txt``), into a folder of their own inside the
virtual environment, and put first on ``PYTHONPATH`` of a pytest
subprocess; the rest of the environment is the lock's.
"""
import hashlib
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = pytest.mark.early(35)

PINS = osp.join(REPO, 'requirements', 'onedl.txt')
# Registry and config loading, a tiny training that is resumed from a
# checkpoint (equal to the uninterrupted run), the re-id evaluation, and
# safe checkpoint loading.
SUBSET = (
    'tests/test_apis/test_init_model.py',
    'tests/test_engine/test_optimizers/test_reid_optim_wrapper_constructor.py',
    'tests/test_evaluation/test_metrics/test_reid_metric.py',
    'tests/test_utils/test_weights_only_load.py',
)
# Every model built from a config: those of the small synthetic configs
# (one or more a method), not every full-size one.
SELECT = 'not test_builds_the_top_level_model_of_a_pipeline or r18w16'
CHECK = ('from mmreidgen.utils.environment import environment_record; '
         'p = environment_record()["packages"]; print(p); '
         'assert all(p[n].startswith("onedl-") for n in '
         '("mmengine", "mmcv", "mmpretrain")), p')


def _install(target: str) -> None:
    env = dict(os.environ, PIP_FIND_LINKS='', PIP_CONFIG_FILE=os.devnull)
    uv = osp.join(osp.dirname(sys.executable), 'uv')
    tmp = f'{target}.tmp-{os.getpid()}'
    if osp.exists(tmp):
        shutil.rmtree(tmp)
    if osp.isfile(uv):
        cmd = [uv, 'pip', 'install', '-q', '--python', sys.executable,
               '--target', tmp, '--no-deps', '--require-hashes',
               '--compile-bytecode', '-r', PINS]
    else:
        cmd = [sys.executable, '-m', 'pip', 'install', '-q', '--target',
               tmp, '--no-deps', '--require-hashes', '-r', PINS]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, (
        'Installing the OneDL forks from requirements/onedl.txt failed '
        f'(needs the package index):\n{proc.stderr[-2000:]}')
    os.replace(tmp, target)


@pytest.fixture(scope='module')
def onedl_path() -> str:
    with open(PINS, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    target = osp.join(sys.prefix, f'onedl-{digest}')
    if not osp.isdir(target):
        _install(target)
    return target


def test_subset_passes_on_the_maintained_line(onedl_path):
    env = dict(os.environ, PYTHONPATH=onedl_path, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', CHECK], cwd=REPO, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
         *SUBSET, '-k', SELECT], cwd=REPO, env=env, capture_output=True,
        text=True)
    tail = proc.stdout[-3000:]
    assert proc.returncode == 0, tail
    assert ' passed' in tail and 'failed' not in tail
