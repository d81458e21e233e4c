"""The docs site builds without a warning (``make docs``, with -W)."""
import fnmatch
import glob
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
from conftest import REPO


def test_every_docs_page_is_in_the_site():
    """Each page of docs/en is in a toctree of docs/index.md (Sphinx also
    warns about the others; this names them)."""
    with open(osp.join(REPO, 'docs', 'index.md'), encoding='utf-8') as f:
        entries = set(re.findall(r'^(/?[\w/.*-]+)$', f.read(), flags=re.M))
    pages = {
        osp.relpath(p, osp.join(REPO, 'docs'))[:-3]
        for p in glob.glob(osp.join(REPO, 'docs', 'en', '**', '*.md'),
                           recursive=True)
    }
    # A glob entry (:glob: toctrees) covers the pages it matches.
    assert {p for p in pages if not any(
        fnmatch.fnmatchcase(p, e) for e in entries)} == set()
    assert 'en/pretrained' in entries and 'api' in entries


def test_docs_build_with_warnings_as_errors(tmp_path):
    pytest.importorskip('sphinx')
    pytest.importorskip('myst_parser')
    out = tmp_path / 'html'
    proc = subprocess.run(
        [sys.executable, '-m', 'sphinx', '-b', 'html', '-W', '--keep-going',
         '-q', '-E', '-d', str(tmp_path / 'doctrees'), '-c',
         osp.join(REPO, 'docs'), REPO, str(out)],
        capture_output=True, text=True, cwd=tmp_path,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert proc.returncode == 0, proc.stderr[-4000:]
    api = (out / 'docs' / 'api.html').read_text(encoding='utf-8')
    for name in ('mmreidgen.apis.init_model', 'mmreidgen.apis.ReIDInferencer',
                 'mmreidgen.stages.PipelineRunner',
                 'mmreidgen.models.generators.CRGANGenerator',
                 'mmreidgen.evaluation.functional.evaluate_rank',
                 'mmreidgen.visualization.ReIDVisualizer'):
        assert f'id="{name}"' in api, name
    for page in ('docs/en/pretrained.html', 'configs/crgan/README.html',
                 'index.html'):
        assert (out / page).is_file(), page
