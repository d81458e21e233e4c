"""Install mmreidgen: ``pip install mmreidgen`` or ``pip install -e .``.

The install requirements are the tested version ranges of
``requirements/install.txt``: an installed torch, torchvision or mmcv
inside them is kept. mmcv itself is an extra (``mmreidgen[mmcv-lite]`` or
``mmreidgen[mmcv]``), because mmcv-lite and the full mmcv install the same
``mmcv`` package. The exact pins of the ``.venv`` that ``make`` builds are
``requirements/runtime.txt`` and ``requirements/nodeps.txt``.

Configs, tools and demos ship inside the package, in ``mmreidgen/.mim``
(OpenMMLab's convention), so an installed mmreidgen finds
``configs/crgan/crgan_r50_market2duke.py`` by name. They are copied there
when the wheel is built; an editable install reads the repository's
folders.
"""
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
MIM_FOLDERS = ('configs', 'tools', 'demo')
# What .mim holds of those folders (no wheels, caches or outputs).
MIM_SUFFIXES = ('.py', '.sh', '.md', '.yml')


def read_requirements(path: str) -> list:
    with open(osp.join(HERE, path), encoding='utf-8') as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def read_version() -> str:
    scope: dict = {}
    with open(osp.join(HERE, 'mmreidgen/version.py'), encoding='utf-8') as f:
        exec(f.read(), scope)
    return scope['__version__']


def mmcv_extras() -> dict:
    """``mmcv`` and ``mmcv-lite`` extras with the range of mminstall.txt."""
    full = read_requirements('requirements/mminstall.txt')
    lite = [req.replace('mmcv', 'mmcv-lite', 1) for req in full]
    return {'mmcv': full, 'mmcv-lite': lite}


def _not_mim_source(folder: str, names: list) -> list:
    return [
        name for name in names
        if name == '__pycache__' or (
            not osp.isdir(osp.join(folder, name))
            and not name.endswith(MIM_SUFFIXES))
    ]


class BuildPyWithMim(build_py):
    """``build_py`` that also copies configs/, tools/ and demo/ into
    ``<build_lib>/mmreidgen/.mim`` (the source tree is left as it is)."""

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            return  # the repository's folders are found in place
        for folder in MIM_FOLDERS:
            src = osp.join(HERE, folder)
            if not osp.isdir(src):
                continue
            dst = osp.join(self.build_lib, 'mmreidgen', '.mim', folder)
            shutil.rmtree(dst, ignore_errors=True)
            shutil.copytree(src, dst, ignore=_not_mim_source)
            for cur, _, _ in os.walk(dst, topdown=False):
                if not os.listdir(cur):
                    os.rmdir(cur)  # a folder of wheels or outputs only


setup(
    name='mmreidgen',
    version=read_version(),
    description='Person re-identification with generative models '
    '(CR-GAN, SLSR, DG-Net) on mmengine, mmcv and mmpretrain',
    long_description=open(osp.join(HERE, 'README.md'),
                          encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(
        exclude=('configs*', 'tools*', 'tests*', 'docs*', 'demo*')),
    python_requires='>=3.10',
    install_requires=read_requirements('requirements/install.txt'),
    extras_require={
        **mmcv_extras(),
        'tests': read_requirements('requirements/tests.txt'),
        'optional': read_requirements('requirements/optional.txt'),
    },
    cmdclass={'build_py': BuildPyWithMim},
    license='Apache-2.0',
    zip_safe=False,
)
