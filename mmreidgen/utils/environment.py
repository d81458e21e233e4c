"""What made a number: the versions and the CPU, and the lock they match.

Training on the CPU is deterministic on one machine, but its bits depend
on the library versions and the CPU type, and the synthetic renderer's
bytes depend on the OpenCV release (``cv2.pow`` changed between OpenCV 5.0
and 5.1). Every result the project writes (a proof grid's
``results.json``, the demo's table, the GPU check's report, a render's
``stats.json``) therefore carries :func:`environment_record`, and
:func:`lock_mismatches` says which installed version differs from
``requirements/lock.txt``.
"""
import os.path as osp
import platform
import re
from importlib import metadata
from typing import Dict, Optional

# Distributions whose versions change numbers; ``opencv`` is whichever
# OpenCV distribution provides cv2.
RECORDED = ('torch', 'torchvision', 'opencv-python-headless', 'numpy',
            'scipy', 'scikit-learn', 'mmengine', 'mmcv', 'mmpretrain')
# Each of the two lines of OpenMMLab packages installs the same import
# names under another distribution name.
ALIASES = {
    'mmengine': ('mmengine', 'onedl-mmengine'),
    'mmcv': ('mmcv-lite', 'mmcv', 'onedl-mmcv'),
    'mmpretrain': ('mmpretrain', 'onedl-mmpretrain'),
    'opencv-python-headless': ('opencv-python-headless', 'opencv-python'),
}
LOCK = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))), 'requirements', 'lock.txt')


# The import name of each aliased distribution.
IMPORT_NAMES = {'mmengine': 'mmengine', 'mmcv': 'mmcv',
                'mmpretrain': 'mmpretrain', 'opencv-python-headless': 'cv2'}


def _imported_from(dist: str, module: str) -> bool:
    """Whether the module Python imports is the one ``dist`` installed."""
    import importlib.util
    try:
        spec = importlib.util.find_spec(module)
        files = metadata.distribution(dist)
    except (ImportError, ValueError, metadata.PackageNotFoundError):
        return False
    if spec is None or spec.origin is None:
        return False
    mine = files.locate_file(f'{module}/__init__.py')
    return osp.realpath(str(mine)) == osp.realpath(spec.origin)


def installed_version(name: str) -> Optional[str]:
    """The installed version of ``name``, or None.

    For a name with aliases (mmengine, mmcv, mmpretrain, OpenCV): the
    distribution whose files Python imports (the first installed one if
    none matches), written ``dist==version`` when it is not ``name``.
    """
    dists = ALIASES.get(name, (name, ))
    module = IMPORT_NAMES.get(name)
    if module is not None:
        used = [d for d in dists if _imported_from(d, module)]
        dists = tuple(used) + tuple(d for d in dists if d not in used)
    for dist in dists:
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
        return version if dist == name else f'{dist}=={version}'
    return None


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), or the platform's."""
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment_record() -> Dict[str, object]:
    """Versions of what changes numbers, the CPU, and the lock's verdict.

    Returns:
        dict: ``python``, ``platform``, ``cpu``, ``packages`` (name ->
        installed version, None when absent) and ``lock_mismatches``
        (see :func:`lock_mismatches`; empty when the .venv matches the
        lock, None when there is no lock file, as in a wheel install).
    """
    packages = {name: installed_version(name) for name in RECORDED}
    locked = read_lock()
    return dict(
        python=platform.python_version(),
        platform=platform.platform(),
        cpu=cpu_model(),
        packages=packages,
        lock_mismatches=None if locked is None else lock_mismatches(locked))


def read_lock(path: str = LOCK) -> Optional[Dict[str, str]]:
    """``name -> version`` of the lock's lines for this Python, or None.

    A universal lock may pin one package at two versions with environment
    markers (numpy for Python < 3.12 and >= 3.12); the line whose marker
    this interpreter meets is kept.
    """
    if not osp.isfile(path):
        return None
    from packaging.markers import Marker
    pins = {}
    pattern = re.compile(r'^([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;([^\\]*))?')
    with open(path, encoding='utf-8') as f:
        for line in f:
            match = pattern.match(line)
            if match is None:
                continue
            name, version, marker = match.groups()
            if marker and not Marker(marker.strip()).evaluate():
                continue
            pins[name.lower()] = version
    return pins


def lock_mismatches(locked: Dict[str, str]) -> Dict[str, Dict[str, str]]:
    """Recorded packages whose installed version differs from the lock.

    Returns:
        dict: ``name -> {'installed': ..., 'locked': ...}`` for each
        recorded package the lock pins and the installed version differs
        from (``installed`` is None when the package is missing; the
        local label of a CUDA build, ``+cu130``, is ignored).
    """
    out = {}
    for name in RECORDED:
        dists = ALIASES.get(name, (name, ))
        lock_name = next((d for d in dists if d in locked), None)
        if lock_name is None:
            continue
        have = installed_version(name)
        plain = None if have is None else have.split('==')[-1].split('+')[0]
        if have is None or '==' in have and not have.startswith(
                f'{lock_name}==') or plain != locked[lock_name]:
            out[name] = dict(installed=have, locked=locked[lock_name])
    return out


def format_environment(record: Dict[str, object]) -> str:
    """One Markdown line of ``record``, for a report's header."""
    packages = ', '.join(f'{k} {v}' for k, v in record['packages'].items()
                         if v is not None)
    text = (f'Python {record["python"]}, {packages}; CPU: {record["cpu"]}')
    mismatches = record.get('lock_mismatches')
    if mismatches:
        diff = ', '.join(f'{k} {v["installed"]} (lock: {v["locked"]})'
                         for k, v in mismatches.items())
        text += f'; differs from requirements/lock.txt: {diff}'
    elif mismatches is not None:
        text += '; as requirements/lock.txt'
    return text
