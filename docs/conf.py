"""Sphinx configuration of the mmreidgen docs site (``make docs``).

The source folder is the repository root (``sphinx-build -c docs . OUT``;
``make docs`` writes ``build/docs``), so that the method READMEs next to
the configs (``configs/<method>/README.md``, with their measured numbers)
are pages of the site and the links of ``docs/en`` to them resolve. The
pages are markdown (MyST); ``docs/api.md`` is the API reference, generated
by autodoc from the docstrings (Google style, read by napoleon). Nothing is
fetched at build time.
"""
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)  # the source tree, also without an install

scope: dict = {}
with open(osp.join(ROOT, 'mmreidgen', 'version.py'), encoding='utf-8') as f:
    exec(f.read(), scope)

project = 'mmreidgen'
copyright = 'mmreidgen contributors'
release = version = scope['__version__']

extensions = [
    'myst_parser',
    'sphinx.ext.autodoc',
    'sphinx.ext.napoleon',
    'sphinx.ext.viewcode',
]
source_suffix = {'.md': 'markdown', '.rst': 'restructuredtext'}
root_doc = 'docs/index'
include_patterns = ['docs/**', 'configs/*/README.md']
exclude_patterns = ['build', '**/.venv', 'work_dirs', 'data']

# MyST: ``#`` to ``###`` headings get anchors, so ``page.md#section``
# links resolve; ```{eval-rst}``` blocks hold the autodoc directives.
myst_heading_anchors = 3
myst_enable_extensions = ['colon_fence']

# The API reference: members in signature order, type hints in the
# description (the signatures stay readable), Google docstrings only.
autodoc_member_order = 'bysource'
autodoc_typehints = 'description'
autodoc_default_options = {'members': True, 'show-inheritance': True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# Unresolved type names in signatures (torch, mmengine) are not errors.
nitpicky = False

html_theme = 'alabaster'
html_static_path: list = []
html_title = f'mmreidgen {release}'


REDIRECT = ('<!DOCTYPE html>\n<meta charset="utf-8">\n'
            '<meta http-equiv="refresh" content="0; url=docs/index.html">\n'
            '<a href="docs/index.html">mmreidgen docs</a>\n')


def write_redirect(app, exception) -> None:
    """``OUT/index.html`` opens the root page (``OUT/docs/index.html``)."""
    if exception is None and app.builder.format == 'html':
        with open(osp.join(app.outdir, 'index.html'), 'w',
                  encoding='utf-8') as f:
            f.write(REDIRECT)


def setup(app) -> None:
    app.connect('build-finished', write_redirect)
