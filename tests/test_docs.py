"""The docs site builds without a warning (``make docs``, with -W); the
Python examples of the user guide run."""
import fnmatch
import glob
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = pytest.mark.early(27)


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


def python_blocks(page: str) -> list:
    with open(osp.join(REPO, page), encoding='utf-8') as f:
        return re.findall(r'^```python\n(.*?)^```', f.read(),
                          flags=re.M | re.S)


def test_own_images_page_runs(synth_root, tmp_path, monkeypatch, capsys):
    """docs/en/own_images.md, block after block, in a folder laid out as
    the page says: the demo's oracle checkpoint (random weights here) and
    folders of crops."""
    import shutil

    import torch

    from mmreidgen.apis import load_config
    from mmreidgen.registry import MODELS
    blocks = python_blocks('docs/en/own_images.md')
    assert len(blocks) == 3
    monkeypatch.chdir(tmp_path)
    config = 'configs/baseline/baseline_r18w16_synthduke.py'
    ckpt = tmp_path / 'work_dirs' / 'demo' / 'oracle' / 'iter_1200.pth'
    ckpt.parent.mkdir(parents=True)
    torch.manual_seed(0)
    model = MODELS.build(load_config(osp.join(REPO, config)).model)
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    crops = sorted(glob.glob(osp.join(synth_root, 'synthduke', 'query',
                                      '*.jpg')))[:5]
    for folder in ('my_images', 'camera_dump'):
        os.makedirs(folder)
        for crop in crops:
            shutil.copy(crop, folder)
    shutil.copy(crops[2], 'my_query.jpg')
    (tmp_path / 'camera_dump' / 'cut_off.jpg').write_bytes(b'\xff\xd8')
    namespace = {}
    for block in blocks:
        exec(compile(block, 'own_images.md', 'exec'), namespace)
    out = [line for line in capsys.readouterr().out.splitlines()
           if not re.match(r'\[\d+/\d+\]', line)]  # progress bars
    assert out[0] == '(5, 128)'
    assert out[1].endswith('.jpg')
    ranked = out[2:5]
    assert ranked[0].startswith('0.000 ') and \
        ranked[0].endswith(osp.basename(crops[2]))
    assert out[-1] == '5 images read'


def test_dgnet_quick_run_is_short():
    """The quick run of configs/dgnet/README.md: its overrides are
    accepted and every training stage runs 20 iterations."""
    import shlex

    from conftest import load_tool

    from mmreidgen.apis import load_config
    from mmreidgen.config import stage_names
    with open(osp.join(REPO, 'configs/dgnet/README.md'),
              encoding='utf-8') as f:
        text = f.read().split('## Quick run', 1)[1]
    block = re.search(r'```shell\n(.*?)```', text, flags=re.S).group(1)
    commands = [shlex.split(c) for c in block.replace('\\\n', ' ')
                .strip().splitlines()]
    assert [c[1] for c in commands] == [
        'tools/dataset_converters/make_synthetic_reid.py', 'tools/train.py']
    args = load_tool('tools/train.py').parse_args(commands[1][2:])
    cfg = load_config(osp.join(REPO, args.config), args.cfg_options)
    trained = []
    for name in stage_names(cfg):
        stage = load_config(osp.join(REPO, args.config), args.cfg_options,
                            stage=name)
        if stage.stage['type'] == 'train':
            trained.append(stage.train_cfg.max_iters)
    assert trained == [20, 20]
