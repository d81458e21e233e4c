"""The installed package: a wheel built from the sdist, and its ranges.

The wheel is built from a copy of the source tree (nothing is written into
the repository) and installed with ``--no-deps`` into a fresh virtual
environment whose dependencies are this interpreter's (a ``.pth`` file
adds its site-packages), then used from outside the repository: it loads
configs and models, and runs a tiny proof grid, whose training and test
run through the package's entry points.
"""
import glob
import json
import os
import os.path as osp
import shutil
import site
import subprocess
import sys
import textwrap
import zipfile
from email.parser import Parser

import pytest
from conftest import REPO
from packaging.requirements import Requirement

from mmreidgen.proofs import read_metrics
from mmreidgen.utils.environment import read_lock

IGNORE = shutil.ignore_patterns('.venv', '.git', 'work_dirs', 'data',
                                'build', 'dist', '*.egg-info', '__pycache__',
                                '.pytest_cache', '.ruff_cache', '_build',
                                '*.whl', 'wheels')
# Distributions whose installed copy pip must never replace.
KEPT = ('torch', 'torchvision', 'mmcv', 'mmcv-lite')
# Building the wheel and training from it take a while: start first.
pytestmark = pytest.mark.early(35)


def read_requirements(name: str) -> list:
    with open(osp.join(REPO, 'requirements', name), encoding='utf-8') as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [Requirement(line) for line in lines if line]


def pins() -> dict:
    """``name -> version`` of every ``==`` pin in requirements/*.txt."""
    pinned = {}
    for path in glob.glob(osp.join(REPO, 'requirements', '*.txt')):
        if osp.basename(path) in ('lock.txt', 'uv.txt', 'onedl.txt'):
            continue  # generated from the others (hashes, markers)
        for req in read_requirements(osp.basename(path)):
            exact = [s for s in req.specifier if s.operator == '==']
            if exact:
                pinned[req.name.lower()] = exact[0].version
    return pinned


def env() -> dict:
    """No package index, no pip config, nothing from PYTHONPATH."""
    out = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX='1',
               PIP_FIND_LINKS='', OMP_NUM_THREADS='1')
    out.pop('PYTHONPATH', None)
    return out


@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> str:
    """sdist, then the wheel built from it (``python -m build``)."""
    tmp = tmp_path_factory.mktemp('build')
    src = tmp / 'src'
    shutil.copytree(REPO, src, ignore=IGNORE)
    subprocess.run(
        [sys.executable, '-m', 'build', '--no-isolation', '--outdir',
         str(tmp / 'dist'), str(src)],
        check=True, capture_output=True, env=env())
    wheels = glob.glob(str(tmp / 'dist' / 'mmreidgen-*.whl'))
    assert len(wheels) == 1, wheels
    return wheels[0]


def wheel_metadata(path: str):
    with zipfile.ZipFile(path) as zf:
        name = next(n for n in zf.namelist()
                    if n.endswith('.dist-info/METADATA'))
        return Parser().parsestr(zf.read(name).decode('utf-8'))


def test_declared_ranges_accept_the_pinned_versions():
    declared = read_requirements('install.txt')
    mmcv = read_requirements('mminstall.txt')
    assert [r.name for r in mmcv] == ['mmcv']
    ranges = {r.name.lower(): r.specifier for r in declared}
    ranges['mmcv-lite'] = mmcv[0].specifier  # the mmcv-lite extra
    for name in KEPT:
        if name != 'mmcv':
            assert name in ranges, f'{name} has no declared range'
    for name, spec in ranges.items():
        assert not any(s.operator in ('==', '===') for s in spec), (
            f'{name}{spec}: declare a range, not an exact pin')
    pinned = pins()
    for name in ('torch', 'torchvision', 'mmengine', 'mmcv-lite',
                 'mmpretrain'):
        assert name in pinned, f'requirements/ pins no {name}'
    for name, version in pinned.items():
        if name in ranges:
            assert ranges[name].contains(version), (
                f'{name}=={version} (requirements/) is outside the '
                f'declared {name}{ranges[name]}')
    # The torch of the GPU machine and a CUDA build's local label.
    assert ranges['torch'].contains('2.11.0')
    assert ranges['torch'].contains('2.13.0+cu128')
    assert ranges['torchvision'].contains('0.26.0')


def test_venv_requirements_name_one_opencv():
    """The lock holds opencv-python-headless and not opencv-python, which
    mmengine and mmcv-lite ask for (it would share the cv2 folder)."""
    names = [r.name.lower() for r in read_requirements('runtime.txt')]
    assert 'opencv-python-headless' in names
    assert 'opencv-python' not in names
    nodeps = [r.name.lower() for r in read_requirements('nodeps.txt')]
    assert set(nodeps) == {'mmengine', 'mmcv-lite'}
    assert not set(nodeps) & set(names)
    excluded = [r.name.lower() for r in read_requirements('excludes.txt')]
    assert excluded == ['opencv-python']
    locked = read_lock(osp.join(REPO, 'requirements', 'lock.txt'))
    assert 'opencv-python' not in locked
    assert {'opencv-python-headless', 'mmengine', 'mmcv-lite'} <= set(locked)


def test_lock_holds_every_pin_and_hashes():
    """Each exact pin of the top-level files is the lock's version, and
    every locked package has hashes (the Makefile installs with
    --require-hashes)."""
    locked = read_lock(osp.join(REPO, 'requirements', 'lock.txt'))
    for name, version in pins().items():
        if name == 'uv' or name in locked:
            assert locked.get(name) == version, (
                f'{name}=={version} in requirements/, {locked.get(name)} in '
                'requirements/lock.txt: run `make lock`')
    with open(osp.join(REPO, 'requirements', 'lock.txt'),
              encoding='utf-8') as f:
        blocks = f.read().split('\n')
    heads = [i for i, line in enumerate(blocks)
             if line and not line[0].isspace() and not line.startswith('#')]
    for i in heads:
        assert '--hash=sha256:' in blocks[i + 1], blocks[i]
    with open(osp.join(REPO, 'Makefile'), encoding='utf-8') as f:
        makefile = f.read()
    assert '--require-hashes $(LOCK)' in makefile
    assert '--require-hashes \\\n\t\t\t-r $(LOCK)' in makefile


def test_venv_matches_the_lock():
    """Every package of the lock is installed at the locked version; a
    mismatch names both versions."""
    from importlib import metadata
    locked = read_lock(osp.join(REPO, 'requirements', 'lock.txt'))
    if osp.realpath(sys.prefix) != osp.realpath(osp.join(REPO, '.venv')):
        pytest.skip('not the .venv that make builds from the lock')
    wrong = {}
    for name, version in locked.items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            have = None
        if have is None or have.split('+')[0] != version:
            wrong[name] = f'installed {have}, locked {version}'
    assert not wrong, (f'.venv differs from requirements/lock.txt: {wrong}. '
                       'Run `make` (it installs the lock) or `make lock`.')


def test_wheel_declares_ranges_and_ships_configs(wheel):
    meta = wheel_metadata(wheel)
    requires = [Requirement(r) for r in meta.get_all('Requires-Dist')]
    plain = {r.name.lower(): r for r in requires if r.marker is None}
    assert set(KEPT[:2]) <= set(plain)
    # No mmcv outside an extra: it would replace the other distribution.
    assert not {'mmcv', 'mmcv-lite'} & set(plain)
    assert not any(n.startswith('opencv') for n in plain)
    assert {'mmcv', 'mmcv-lite'} <= set(meta.get_all('Provides-Extra'))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for path in ('configs/crgan/crgan_r50_market2duke.py',
                 'configs/_base_/default_runtime.py', 'tools/train.py',
                 'tools/test.py'):
        assert f'mmreidgen/.mim/{path}' in names, path


CHECK = textwrap.dedent('''
    import json, sys
    from importlib import metadata
    from packaging.requirements import Requirement
    import mmreidgen
    from mmreidgen.apis import find_config, init_model, load_config
    cfg = load_config('configs/crgan/crgan_r50_market2duke.py')
    small = 'configs/baseline/baseline_r18w16_synthmarket.py'
    model = init_model(small)
    unmet = []
    for line in metadata.requires('mmreidgen'):
        req = Requirement(line)
        if req.marker is None and not req.specifier.contains(
                metadata.version(req.name), prereleases=True):
            unmet.append(line)
    print(json.dumps(dict(
        package=mmreidgen.__file__,
        config=find_config('configs/crgan/crgan_r50_market2duke.py'),
        model=type(model).__name__, crgan=cfg.model.type,
        unmet=unmet)))
''')


@pytest.fixture(scope='module')
def installed(wheel, tmp_path_factory) -> tuple:
    """(python, purelib) of a fresh venv with the wheel installed."""
    venv = tmp_path_factory.mktemp('installed') / 'venv'
    subprocess.run([sys.executable, '-m', 'venv', '--without-pip',
                    str(venv)], check=True)
    python = str(venv / 'bin' / 'python')
    purelib = subprocess.run(
        [python, '-c', 'import sysconfig; '
         'print(sysconfig.get_paths()["purelib"])'],
        check=True, capture_output=True, text=True).stdout.strip()
    # The dependencies: this interpreter's site-packages, after the new
    # environment's own (a .pth line only appends to sys.path).
    with open(osp.join(purelib, 'deps.pth'), 'w') as f:
        f.write('\n'.join(site.getsitepackages()) + '\n')
    subprocess.run(
        [sys.executable, '-m', 'pip', '--python', python, 'install', '-q',
         '--no-deps', '--ignore-installed', wheel],
        check=True, capture_output=True, env=env())
    return python, purelib


def test_wheel_installs_without_deps_and_works(installed, tmp_path):
    python, purelib = installed
    work = tmp_path / 'elsewhere'
    work.mkdir()
    proc = subprocess.run([python, '-c', CHECK], cwd=work,
                          capture_output=True, text=True, env=env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out['package'].startswith(purelib), out
    assert out['config'].startswith(osp.join(purelib, 'mmreidgen',
                                             '.mim', 'configs')), out
    assert out['crgan'] == 'CRGAN' and out['model'] == 'ReIDBaseline', out
    # Installing the wheel with its dependencies would change nothing.
    assert out['unmet'] == []


GRID = textwrap.dedent('''
    import json, sys
    from mmreidgen.proofs import run_proofs
    root = sys.argv[1]
    train = {
        'data_root': f'{root}/synthmarket', 'num_classes': 8,
        'train_cfg.max_iters': 4, 'train_batch_size': 8,
        'num_instances': 2, 'test_batch_size': 64, 'num_workers': 0,
        'default_hooks.logger.interval': 2,
        'train_dataloader.persistent_workers': False,
        'test_dataloader.persistent_workers': False,
    }
    grid = dict(description='tiny', rows=[dict(
        name='transfer', label='transfer',
        config='configs/baseline/baseline_r18w16_synthmarket.py',
        cfg_options=train, test=dict(data_root=f'{root}/synthduke'))])
    results = run_proofs('tiny', seeds=[0], work_dir='grid', grid=grid)
    print(json.dumps(results['rows'][0]['runs']))
''')


def test_wheel_runs_a_grid_outside_the_repository(installed, synth_root,
                                                   tmp_path):
    """A proof grid from the installed package: its config found in the
    wheel, training and test run as ``python -m mmreidgen.tools...``."""
    python, purelib = installed
    work = tmp_path / 'elsewhere'
    work.mkdir()
    proc = subprocess.run([python, '-c', GRID, synth_root], cwd=work,
                          capture_output=True, text=True, env=env())
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    runs = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(runs) == {'0'}
    assert 0 <= runs['0']['mAP'] <= 100, runs
    run = work / 'grid' / 'transfer' / 'seed0'
    metrics = read_metrics(str(run / 'proof_test' / 'metrics.json'))
    assert metrics['mAP'] == runs['0']['mAP']
    config = osp.join(purelib, 'mmreidgen', '.mim', 'configs', 'baseline',
                      'baseline_r18w16_synthmarket.py')
    commands = [line for name in ('proof_train.log', 'proof_test.log')
                for line in (run / name).read_text().splitlines()
                if line.startswith('$ ')]
    assert [c.split()[2:5] for c in commands] == [
        ['-m', 'mmreidgen.tools.train', config],
        ['-m', 'mmreidgen.tools.test', config]], commands
    assert not osp.exists(osp.join(REPO, 'work_dirs', 'proofs', 'tiny'))
