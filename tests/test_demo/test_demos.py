"""demo/: ranking, CR-GAN rendering and DG-Net swapping on the synthetic
benchmark with tiny random-weight checkpoints, and their bad inputs."""
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import pytest
import torch
from conftest import REPO, load_tool

from mmreidgen.apis import load_config
from mmreidgen.apis.cli import run_tool
from mmreidgen.registry import MODELS

CONFIGS = dict(
    baseline='configs/baseline/baseline_r18w16_synthmarket.py',
    crgan='configs/crgan/crgan_r18w16_synthmarket2synthduke.py',
    dgnet='configs/dgnet/dgnet_r18w16_synthmarket.py')


# One intra-op thread for these small models (conftest.py).
pytestmark = pytest.mark.usefixtures('one_thread')


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory) -> dict:
    """``name -> (config path, checkpoint of random weights)``."""
    out = tmp_path_factory.mktemp('ckpts')
    torch.manual_seed(0)
    made = {}
    for name, rel in CONFIGS.items():
        cfg = load_config(osp.join(REPO, rel))
        model_cfg = dict(cfg.model)
        if name == 'dgnet':
            model_cfg['teacher_ckpt'] = None
        path = out / f'{name}.pth'
        torch.save(dict(state_dict=MODELS.build(model_cfg).state_dict()),
                   path)
        made[name] = (osp.join(REPO, rel), str(path))
    return made


@pytest.fixture(scope='module')
def demos() -> dict:
    return {
        name: load_tool(f'demo/{name}.py')
        for name in ('reid_demo', 'crgan_render_demo', 'dgnet_swap_demo')
    }


def images(root: str, sub: str) -> list:
    return sorted(glob.glob(osp.join(root, sub, '*.jpg')))


def fails_with(demo, argv, capsys, tmp_path) -> str:
    """The one-line message a demo ends with (through run_tool)."""
    with pytest.raises(SystemExit) as exc:
        run_tool(demo.main, work_dir_of=lambda: str(tmp_path), argv=argv)
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith('Error ('), err
    return err[-1]


@pytest.fixture
def bad_files(tmp_path) -> dict:
    garbage = tmp_path / 'broken.jpg'
    garbage.write_bytes(b'not a jpeg')
    empty = tmp_path / 'empty'
    empty.mkdir()
    return dict(missing=str(tmp_path / 'missing.jpg'),
                broken=str(garbage), empty=str(empty))


def test_reid_demo_ranks_the_gallery(demos, ckpts, synth_root, tmp_path):
    config, ckpt = ckpts['baseline']
    market = osp.join(synth_root, 'synthmarket')
    queries = images(market, 'query')[:2]
    out = tmp_path / 'out' / 'ranks.json'
    report = demos['reid_demo'].main(
        [*queries, '--gallery', osp.join(market, 'bounding_box_test'),
         config, ckpt, '--topk', '5', '--out', str(out)])
    saved = json.loads(out.read_text())
    assert saved['metric'] == 'euclidean'
    assert [r['query'] for r in saved['results']] == queries
    gallery = set(images(market, 'bounding_box_test'))
    for result in saved['results']:
        ranked = result['ranked']
        assert [e['rank'] for e in ranked] == [1, 2, 3, 4, 5]
        assert {e['path'] for e in ranked} <= gallery
        dists = [e['dist'] for e in ranked]
        assert dists == sorted(dists)
        assert ranked[0]['name'] == osp.basename(ranked[0]['path'])
        picture = cv2.imread(result['picture'])
        assert picture is not None and picture.shape[1] > 6 * 64
    assert report == saved['results']


def test_reid_demo_bad_inputs(demos, ckpts, synth_root, tmp_path, capsys,
                              bad_files):
    config, ckpt = ckpts['baseline']
    market = osp.join(synth_root, 'synthmarket')
    gallery = osp.join(market, 'bounding_box_test')
    query = images(market, 'query')[0]
    out = str(tmp_path / 'ranks.json')
    demo = demos['reid_demo']

    def run(*argv):
        return fails_with(demo, list(argv), capsys, tmp_path)

    msg = run(bad_files['missing'], '--gallery', gallery, config, ckpt,
              '--out', out)
    assert 'missing.jpg does not exist' in msg
    msg = run(query, '--gallery', bad_files['empty'], config, ckpt, '--out',
              out)
    assert 'empty holds no image' in msg
    msg = run(query, '--gallery', bad_files['missing'], config, ckpt,
              '--out', out)
    assert 'is not a folder' in msg
    msg = run(bad_files['broken'], '--gallery', gallery, config, ckpt,
              '--out', out)
    assert 'Cannot read image' in msg and 'broken.jpg' in msg
    msg = run(query, '--gallery', gallery, config, ckpts['dgnet'][1],
              '--out', out)
    assert 'CheckpointMismatchError' in msg and 'dgnet.pth' in msg
    msg = run(query, '--gallery', gallery, config, ckpt, '--out',
              str(tmp_path / 'ranks.txt'))
    assert 'must name a .json file' in msg


def test_crgan_render_demo_reads_or_computes_masks(demos, ckpts, synth_root,
                                                   tmp_path, capsys):
    config, ckpt = ckpts['crgan']
    source = images(osp.join(synth_root, 'synthmarket'),
                    'bounding_box_train')[0]
    # Outside a dataset folder: no mask file, GrabCut computes it.
    target = tmp_path / 'target.jpg'
    shutil.copy(images(osp.join(synth_root, 'synthduke'),
                       'bounding_box_train')[0], target)
    out = tmp_path / 'render.png'
    demos['crgan_render_demo'].main(
        [source, str(target), config, ckpt, '--out', str(out),
         '--cfg-options', f'synth_root={synth_root}'])
    printed = capsys.readouterr().out
    stem = osp.splitext(osp.basename(source))[0]
    assert osp.join('masks', 'bounding_box_train', f'{stem}.png') in printed
    assert 'target computed with GrabCut' in printed
    grid = cv2.imread(str(out))
    # 7 columns of 64x32 tiles with 2-pixel gaps, scaled by 2.
    assert grid.shape == (2 * (64 + 4), 2 * (7 * 34 + 2), 3)


def test_crgan_render_demo_bad_inputs(demos, ckpts, synth_root, tmp_path,
                                      capsys, bad_files):
    config, ckpt = ckpts['crgan']
    image = images(osp.join(synth_root, 'synthmarket'), 'query')[0]
    demo = demos['crgan_render_demo']
    out = str(tmp_path / 'render.png')

    def run(*argv):
        return fails_with(demo, [*argv, '--out', out], capsys, tmp_path)

    assert 'missing.jpg does not exist' in run(
        bad_files['missing'], image, config, ckpt)
    msg = run(image, bad_files['broken'], config, ckpt)
    assert 'Cannot read image' in msg and 'broken.jpg' in msg
    msg = run(image, image, config, ckpts['baseline'][1])
    assert 'CheckpointMismatchError' in msg and 'baseline.pth' in msg
    msg = run(image, image, ckpts['dgnet'][0], ckpts['dgnet'][1])
    assert 'not CRGAN' in msg


def test_crgan_render_demo_refuses_an_untrained_generator(
        demos, ckpts, synth_root, tmp_path, capsys):
    """A stage I checkpoint (the runner records its config) would render
    noise: refused, naming the stage; stage II's is accepted."""
    config, ckpt = ckpts['crgan']
    image = images(osp.join(synth_root, 'synthmarket'), 'query')[0]
    state = torch.load(ckpt, weights_only=True)['state_dict']
    written = {}
    for stage in ('stage1_pretrain', 'stage2_gan'):
        text = load_config(config, stage=stage).pretty_text
        written[stage] = str(tmp_path / stage / 'final.pth')
        os.makedirs(osp.dirname(written[stage]))
        torch.save(dict(state_dict=state, meta=dict(cfg=text, iter=5)),
                   written[stage])
    out = str(tmp_path / 'render.png')
    demo = demos['crgan_render_demo']
    msg = fails_with(demo, [image, image, config, written['stage1_pretrain'],
                            '--out', out], capsys, tmp_path)
    assert 'stage I' in msg and "train_stage='pretrain'" in msg, msg
    assert 'stage2_gan/final.pth' in msg and 'cut_paste' in msg
    assert not osp.exists(out)
    demo.main([image, image, config, written['stage1_pretrain'], '--out',
               out, '--renderer', 'cut_paste'])
    demo.main([image, image, config, written['stage2_gan'], '--out', out])
    assert osp.isfile(out)


def test_dgnet_swap_demo_writes_the_grid(demos, ckpts, synth_root,
                                         tmp_path):
    config, ckpt = ckpts['dgnet']
    a, b = images(osp.join(synth_root, 'synthmarket'), 'query')[:2]
    out = tmp_path / 'swap.png'
    demos['dgnet_swap_demo'].main([a, b, config, ckpt, '--out', str(out),
                                   '--scale', '1'])
    grid = cv2.imread(str(out))
    assert grid.shape == (3 * 64, 3 * 32, 3)
    # The top row holds image A after the test resize, at column 1.
    resized = cv2.resize(cv2.imread(a), (32, 64),
                         interpolation=cv2.INTER_LINEAR)
    diff = cv2.absdiff(grid[:64, 32:64], resized)
    assert diff.mean() < 3


def test_dgnet_swap_demo_bad_inputs(demos, ckpts, synth_root, tmp_path,
                                    capsys, bad_files):
    config, ckpt = ckpts['dgnet']
    image = images(osp.join(synth_root, 'synthmarket'), 'query')[0]
    demo = demos['dgnet_swap_demo']

    def run(*argv):
        return fails_with(demo, list(argv), capsys, tmp_path)

    assert 'missing.jpg does not exist' in run(
        image, bad_files['missing'], config, ckpt)
    msg = run(image, bad_files['broken'], config, ckpt)
    assert 'Cannot read image' in msg and 'broken.jpg' in msg
    msg = run(image, image, config, ckpts['crgan'][1])
    assert 'CheckpointMismatchError' in msg and 'crgan.pth' in msg
    msg = run(image, image, *ckpts['baseline'])
    assert 'not DGNet' in msg


def test_demo_command_lines(ckpts, synth_root, tmp_path):
    """As commands: a render (the registries are set up by the demo
    itself) and a missing image ending with the one message."""
    config, ckpt = ckpts['crgan']
    source, target = images(osp.join(synth_root, 'synthmarket'),
                            'query')[:2]
    out = tmp_path / 'render.png'
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'demo', 'crgan_render_demo.py'),
         source, target, config, ckpt, '--out', str(out)],
        capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert cv2.imread(str(out)) is not None
    config, ckpt = ckpts['dgnet']
    proc = subprocess.run(
        [sys.executable, osp.join(REPO, 'demo', 'dgnet_swap_demo.py'),
         str(tmp_path / 'a.jpg'), str(tmp_path / 'b.jpg'), config, ckpt],
        capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last == (f'Error (FileNotFoundError): Image {tmp_path}/a.jpg '
                    'does not exist.')
