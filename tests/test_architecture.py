"""Layers point one way: every import in mmreidgen/ goes down or sideways.

Each module is parsed (``ast``), so an import made inside a function
counts, and so does ``importlib.import_module('mmreidgen....')`` with a
literal name. The layers are those of
docs/en/advanced_guides/architecture.md.
"""
import ast
import os
import os.path as osp
import re
import textwrap
from typing import Dict, List, Set, Tuple

from conftest import REPO

# The sub-packages (and top-level modules) of mmreidgen, bottom first. A
# module may import its own layer's and lower layers' modules; the
# packages of one layer must not import each other in a circle.
LAYERS = (
    ('registry', 'structures', 'utils', 'version'),
    ('config', ),
    ('datasets', 'models', 'evaluation', 'engine', 'visualization'),
    ('apis', ),
    ('stages', ),
    ('proofs', 'benchmarks'),
    ('tools', ),
)
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def module_name(root: str, path: str) -> str:
    rel = osp.splitext(osp.relpath(path, root))[0].replace(os.sep, '.')
    return rel[:-len('.__init__')] if rel.endswith('.__init__') else rel


def imports_of(path: str, name: str) -> List[Tuple[str, int]]:
    """``(imported module, line)`` of every import in the file at
    ``path`` (module ``name``), relative ones made absolute."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), filename=path)
    is_package = osp.basename(path) == '__init__.py'
    package = name.split('.') if is_package else name.split('.')[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = '.'.join(base + ([node.module] if node.module
                                          else []))
            else:
                target = node.module
            found.append((target, node.lineno))
            if node.module is None or node.level:
                # `from . import x` / `from .a import b`: b may be a module.
                found += [(f'{target}.{alias.name}', node.lineno)
                          for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(
                node.func, 'attr', getattr(node.func, 'id', None)) == \
                'import_module' and node.args and isinstance(
                    node.args[0], ast.Constant) and isinstance(
                        node.args[0].value, str):
            found.append((node.args[0].value, node.lineno))
    return found


def subpackage(module: str) -> str:
    """``'stages'`` of ``'mmreidgen.stages.runs'``; ``''`` for the root."""
    parts = module.split('.')
    return parts[1] if len(parts) > 1 else ''


def violations(root: str) -> List[str]:
    """Every import of the package under ``root`` that runs up a layer,
    every sub-package no layer names, and every circle of sub-packages
    within a layer; one line each."""
    found: List[str] = []
    edges: Dict[str, Dict[str, str]] = {}
    for folder, dirs, files in os.walk(osp.join(root, 'mmreidgen')):
        dirs[:] = sorted(d for d in dirs if not d.startswith(('.', '_')))
        for file in sorted(files):
            if not file.endswith('.py'):
                continue
            path = osp.join(folder, file)
            name = module_name(root, path)
            own = subpackage(name)
            if own and own not in LAYER_OF:
                found.append(f'{name}: mmreidgen.{own} is in no layer; '
                             'add it to LAYERS and the architecture doc')
                continue
            for target, line in imports_of(path, name):
                if not target or target.split('.')[0] != 'mmreidgen':
                    continue
                other = subpackage(target)
                if not other or other == own:
                    continue
                if other not in LAYER_OF:
                    continue  # reported where it is defined, or a name
                where = f'{osp.relpath(path, root)}:{line}'
                if not own:  # mmreidgen/__init__.py: the bottom only
                    if LAYER_OF[other] > 0:
                        found.append(f'{where}: mmreidgen imports '
                                     f'{target} (layer {LAYER_OF[other]})')
                    continue
                if LAYER_OF[other] > LAYER_OF[own]:
                    found.append(
                        f'{where}: {name} (layer {LAYER_OF[own]}, {own}) '
                        f'imports {target} (layer {LAYER_OF[other]}, '
                        f'{other})')
                elif LAYER_OF[other] == LAYER_OF[own]:
                    edges.setdefault(own, {}).setdefault(other, where)
    found += circles(edges)
    return found


def circles(edges: Dict[str, Dict[str, str]]) -> List[str]:
    """One line per circle of sub-packages in ``edges``."""
    found, done = [], set()

    def visit(node: str, trail: List[str], seen: Set[str]) -> None:
        for nxt, where in sorted(edges.get(node, {}).items()):
            if nxt == trail[0]:
                loop = trail + [nxt]
                key = frozenset(loop)
                if key not in done:
                    done.add(key)
                    found.append('circle: ' + ' -> '.join(loop) +
                                 f' (closed at {where})')
            elif nxt not in seen:
                visit(nxt, trail + [nxt], seen | {nxt})

    for start in sorted(edges):
        visit(start, [start], {start})
    return found


def private_imports(root: str, folders=('mmreidgen', 'tools')) -> List[str]:
    """Every ``from mmreidgen... import _name`` (or a relative one) in the
    files under ``folders``: a leading underscore means "this file
    only"."""
    found = []
    for top in folders:
        for folder, _, files in os.walk(osp.join(root, top)):
            for file in sorted(f for f in files if f.endswith('.py')):
                path = osp.join(folder, file)
                with open(path, encoding='utf-8') as f:
                    tree = ast.parse(f.read(), filename=path)
                for node in ast.walk(tree):
                    if isinstance(node, ast.ImportFrom) and (
                            node.level or (node.module or '').split('.')[0]
                            == 'mmreidgen'):
                        found += [
                            f'{osp.relpath(path, root)}:{node.lineno}: '
                            f'{alias.name}' for alias in node.names
                            if alias.name.startswith('_')
                            and not alias.name.startswith('__')
                        ]
    return found


def test_imports_point_down():
    found = violations(REPO)
    assert not found, ('Imports that run up a layer (see docs/en/'
                       'advanced_guides/architecture.md): move the module '
                       'up, or what it needs down.\n' + '\n'.join(found))


def test_no_module_imports_a_private_name():
    found = private_imports(REPO)
    assert not found, ('Private names imported from another module: make '
                       'them public (no leading underscore).\n' +
                       '\n'.join(found))


def test_a_private_import_is_found(tmp_path):
    root = write_package(tmp_path, {
        'stages/runs.py': 'from mmreidgen.config.plain import _walk, merge\n',
        'stages/other.py': 'from .runs import __all__, _helper\n',
    })
    assert private_imports(root, ('mmreidgen', )) == [
        'mmreidgen/stages/other.py:1: _helper',
        'mmreidgen/stages/runs.py:1: _walk'
    ]


def test_every_package_has_a_layer():
    packages = {
        d for d in os.listdir(osp.join(REPO, 'mmreidgen'))
        if osp.isfile(osp.join(REPO, 'mmreidgen', d, '__init__.py'))
    }
    modules = {
        osp.splitext(f)[0] for f in os.listdir(osp.join(REPO, 'mmreidgen'))
        if f.endswith('.py') and f != '__init__.py'
    }
    assert packages | modules == set(LAYER_OF)


def test_the_doc_shows_the_layers():
    """The table of architecture.md is LAYERS, top first."""
    with open(osp.join(REPO, 'docs', 'en', 'advanced_guides',
                       'architecture.md'), encoding='utf-8') as f:
        rows = [line.split(None, 2) for line in f
                if re.match(r'layer \d+  ', line)]
    table = {int(number): tuple(names.strip().split(', '))
             for _, number, names in rows}
    assert [int(number) for _, number, _ in rows] == list(
        reversed(range(len(LAYERS))))
    assert table == dict(enumerate(LAYERS))


def write_package(root, files: Dict[str, str]) -> str:
    for rel, text in files.items():
        path = root / 'mmreidgen' / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return str(root)


def test_an_import_inside_a_function_up_a_layer_is_found(tmp_path):
    root = write_package(tmp_path, {
        '__init__.py': 'from .utils import x\n',
        'utils/__init__.py': '',
        'utils/helper.py': '''
            def load():
                from mmreidgen.stages.runs import test_checkpoint
                return test_checkpoint
        ''',
        'stages/__init__.py': 'from .runs import test_checkpoint\n',
        'stages/runs.py': 'from ..utils.helper import load\n',
    })
    found = violations(root)
    assert len(found) == 1, found
    assert found[0].startswith('mmreidgen/utils/helper.py:3: '
                               'mmreidgen.utils.helper (layer 0, utils) '
                               'imports mmreidgen.stages.runs (layer 4')


def test_relative_and_dynamic_imports_are_found(tmp_path):
    root = write_package(tmp_path, {
        'config/__init__.py': 'from ..datasets import Market1501\n',
        'registry.py': '''
            import importlib
            importlib.import_module('mmreidgen.models')
        ''',
        'datasets/__init__.py': '',
        'models/__init__.py': '',
    })
    found = violations(root)
    assert any('mmreidgen.config (layer 1, config) imports '
               'mmreidgen.datasets' in f for f in found), found
    assert any('mmreidgen.registry (layer 0, registry) imports '
               'mmreidgen.models' in f for f in found), found


def test_a_circle_within_a_layer_is_found(tmp_path):
    root = write_package(tmp_path, {
        'models/__init__.py': 'from mmreidgen.engine import hooks\n',
        'engine/__init__.py': '',
        'engine/hooks.py': 'import mmreidgen.datasets.check\n',
        'datasets/__init__.py': '',
        'datasets/check.py': 'from mmreidgen.models import X\n',
    })
    found = violations(root)
    assert found == [
        'circle: datasets -> models -> engine -> datasets (closed at '
        'mmreidgen/engine/hooks.py:1)'
    ], found


def test_a_package_in_no_layer_is_found(tmp_path):
    root = write_package(tmp_path, {'plugins/__init__.py': ''})
    assert violations(root) == [
        'mmreidgen.plugins: mmreidgen.plugins is in no layer; add it to '
        'LAYERS and the architecture doc'
    ]
