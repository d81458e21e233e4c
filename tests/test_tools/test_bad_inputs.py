"""Bad input, tried through the tools as a new user would.

Each case must end with one message that names the cause and the fix (and
the file or key at fault), not with an error from deep inside a library.
Most cases call the tool's ``main()`` in-process (same code path, faster);
``test_cli_ends_with_the_message`` runs one case as a real command line.
"""
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
from unittest import mock

import pytest
import torch
from conftest import load_tool
from mmengine.config import Config

from mmreidgen.apis import load_config
from mmreidgen.config import ConfigError
from mmreidgen.engine.hooks import LossDivergedError
from mmreidgen.registry import MODELS
from mmreidgen.utils import CheckpointMismatchError

pytestmark = pytest.mark.early(36)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/baseline/baseline_r18w16_synthmarket.py')
CRGAN = osp.join(REPO,
                 'configs/crgan/crgan_r18w16_synthmarket2synthduke.py')


def run_tool(relpath: str, *argv: str) -> None:
    tool = load_tool(relpath)
    with mock.patch.object(sys, 'argv', [relpath, *map(str, argv)]):
        tool.main()


def train_opts(root: str, iters: int = 2) -> list:
    return [
        '--cfg-options', f'train_dataloader.dataset.data_root={root}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.batch_size=8', 'val_cfg=None',
        'val_dataloader=None', 'val_evaluator=None',
        f'train_cfg.max_iters={iters}',
        f'default_hooks.checkpoint.interval={iters}'
    ]


def eval_opts(root: str) -> list:
    return [
        '--cfg-options',
        f'test_dataloader.dataset.datasets.0.data_root={root}',
        f'test_dataloader.dataset.datasets.1.data_root={root}',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ]


def copy_domain(synth_root: str, dst: str, masks: bool = True) -> str:
    src = osp.join(synth_root, 'synthmarket')
    shutil.copytree(
        src, dst, ignore=None if masks else shutil.ignore_patterns('masks'))
    return dst


def save_model_checkpoint(path: str, **model_overrides) -> str:
    cfg = load_config(CONFIG, model_overrides)
    model = MODELS.build(cfg.model)
    torch.save({'state_dict': model.state_dict(),
                'meta': {'cfg': cfg.pretty_text}}, path)
    return path


def one_paragraph(msg: str) -> None:
    """A message, not a dump: short, and no Python internals in it."""
    assert len(msg) < 1200, msg
    assert 'Traceback' not in msg and 'site-packages' not in msg, msg


# -- data ---------------------------------------------------------------
def test_data_root_missing(tmp_path):
    missing = str(tmp_path / 'no_such_dir')
    with pytest.raises(FileNotFoundError) as info:
        run_tool('tools/train.py', CONFIG, '--work-dir', tmp_path / 'w',
                 *train_opts(missing))
    msg = str(info.value)
    assert f'data_root {missing} does not exist' in msg
    assert 'bounding_box_train' in msg  # the expected layout
    assert 'docs/en/dataset_prepare.md' in msg
    one_paragraph(msg)


def test_data_root_wrong_layout_points_to_the_right_folder(
        synth_root, tmp_path):
    # A common slip: the folder above the dataset.
    with pytest.raises(FileNotFoundError) as info:
        run_tool('tools/train.py', CONFIG, '--work-dir', tmp_path / 'w',
                 *train_opts(synth_root))
    msg = str(info.value)
    assert 'bounding_box_train not found' in msg
    # Both domains below have the layout; the hint names one of them.
    assert re.search(
        "set data_root='" + re.escape(synth_root) + "/synth(market|duke)'",
        msg), msg
    one_paragraph(msg)


def _corrupt(paths) -> None:
    for path in paths:
        with open(path, 'r+b') as f:
            f.truncate(os.path.getsize(path) // 2)


def test_truncated_image_is_named(synth_root, tmp_path):
    root = copy_domain(synth_root, str(tmp_path / 'market'))
    images = sorted(
        os.listdir(osp.join(root, 'bounding_box_train')))
    _corrupt(osp.join(root, 'bounding_box_train', n) for n in images)
    with pytest.raises(OSError) as info:
        run_tool('tools/train.py', CONFIG, '--work-dir', tmp_path / 'w',
                 *train_opts(root))
    msg = str(info.value)
    match = re.search(r'Cannot read image (\S+):', msg)
    assert match and osp.basename(match.group(1)) in images, msg
    assert '--cfg-options skip_bad_images=True' in msg
    one_paragraph(msg)


def test_truncated_images_skipped_with_a_warning_when_configured(
        synth_root, tmp_path, capsys):
    root = copy_domain(synth_root, str(tmp_path / 'market'))
    folder = osp.join(root, 'bounding_box_train')
    bad = sorted(os.listdir(folder))[::2]
    _corrupt(osp.join(folder, n) for n in bad)
    work_dir = tmp_path / 'w'
    run_tool('tools/train.py', CONFIG, '--work-dir', work_dir,
             *train_opts(root), 'skip_bad_images=True')
    assert osp.isfile(work_dir / 'iter_2.pth')
    # The run's log file holds every warning (the console stream of a
    # logger may belong to an earlier test's capture).
    import glob
    logs = capsys.readouterr()
    text = logs.out + logs.err + ''.join(
        open(p).read() for p in glob.glob(str(work_dir / '*' / '*.log')))
    warned = re.findall(r'WARNING - Cannot read image (\S+):', text)
    assert warned and all(osp.basename(p) in bad for p in warned)


def test_masks_missing_for_crgan(synth_root, tmp_path, monkeypatch):
    # The config reads data/synthreid_v2/... relative to the working dir.
    data = tmp_path / 'data' / 'synthreid_v2'
    for domain in ('synthmarket', 'synthduke'):
        shutil.copytree(
            osp.join(synth_root, domain), data / domain,
            ignore=shutil.ignore_patterns('masks'))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        run_tool('tools/train.py', CRGAN, '--work-dir', tmp_path / 'w')
    msg = str(info.value)
    assert 'with_mask=True but the person mask of' in msg
    assert str(data / 'synthmarket' / 'masks') in msg
    assert 'docs/en/dataset_prepare.md' in msg and 'with_mask=False' in msg
    one_paragraph(msg)


def test_empty_subset(synth_root, tmp_path):
    root = copy_domain(synth_root, str(tmp_path / 'market'))
    shutil.rmtree(osp.join(root, 'query'))
    os.makedirs(osp.join(root, 'query'))
    ckpt = save_model_checkpoint(str(tmp_path / 'model.pth'))
    with pytest.raises(RuntimeError) as info:
        run_tool('tools/test.py', CONFIG, ckpt, '--work-dir', tmp_path / 'w',
                 *eval_opts(root))
    msg = str(info.value)
    assert "found no images for subset='query'" in msg
    assert root in msg and 'query/0001_c1s1_001051_00.jpg' in msg
    one_paragraph(msg)


def test_no_query_pid_in_gallery(synth_root, tmp_path):
    root = copy_domain(synth_root, str(tmp_path / 'market'))
    query_pids = {n[:4] for n in os.listdir(osp.join(root, 'query'))}
    gallery = osp.join(root, 'bounding_box_test')
    for name in os.listdir(gallery):
        if name[:4] in query_pids:
            os.remove(osp.join(gallery, name))
    assert os.listdir(gallery)  # distractors remain
    ckpt = save_model_checkpoint(str(tmp_path / 'model.pth'))
    with pytest.raises(ValueError) as info:
        run_tool('tools/test.py', CONFIG, ckpt, '--work-dir', tmp_path / 'w',
                 *eval_opts(root))
    msg = str(info.value)
    assert re.search(r'None of the \d+ queries has a match', msg), msg
    assert 'no query pid is present in the gallery' in msg
    one_paragraph(msg)


# -- checkpoints and configs ----------------------------------------------
def test_checkpoint_with_other_class_count(synth_root, tmp_path):
    ckpt = save_model_checkpoint(
        str(tmp_path / 'market751.pth'), **{'model.head.num_classes': 751})
    root = osp.join(synth_root, 'synthmarket')
    with pytest.raises(CheckpointMismatchError) as info:
        run_tool('tools/test.py', CONFIG, ckpt, '--work-dir', tmp_path / 'w',
                 *eval_opts(root))
    msg = str(info.value)
    assert f'Checkpoint {ckpt} does not fit the ReIDBaseline model' in msg
    assert 'checkpoint (751, 128), model (100, 128)' in msg
    assert '--cfg-options model.head.num_classes=751' in msg
    one_paragraph(msg)
    # ... and the suggested fix works.
    run_tool('tools/test.py', CONFIG, ckpt, '--work-dir', tmp_path / 'w',
             *eval_opts(root), 'model.head.num_classes=751')


def test_checkpoint_of_another_model(synth_root, tmp_path):
    gan_cfg = dict(
        type='SLSRDCGAN',
        generator=dict(type='SLSRDCGANGenerator', output_size=(32, 16),
                       base_channels=8, num_upsamples=2),
        discriminator=dict(type='SLSRDCGANDiscriminator',
                           input_size=(32, 16), base_channels=8,
                           num_downsamples=2))
    gan = MODELS.build(gan_cfg)
    ckpt = str(tmp_path / 'gan.pth')
    torch.save({'state_dict': gan.state_dict(),
                'meta': {'cfg': Config(dict(model=gan_cfg)).pretty_text}},
               ckpt)
    with pytest.raises(CheckpointMismatchError) as info:
        run_tool('tools/test.py', CONFIG, ckpt, '--work-dir', tmp_path / 'w',
                 *eval_opts(osp.join(synth_root, 'synthmarket')))
    msg = str(info.value)
    assert 'weights are missing from it (backbone.' in msg
    assert 'It was saved by a SLSRDCGAN model' in msg
    one_paragraph(msg)


def test_resume_with_other_class_count(synth_root, tmp_path):
    work_dir = tmp_path / 'w'
    root = osp.join(synth_root, 'synthmarket')
    run_tool('tools/train.py', CONFIG, '--work-dir', work_dir,
             *train_opts(root, iters=1))
    # The same schedule (a longer one is refused before the weights are
    # read: --resume keeps the checkpoint's schedulers).
    with pytest.raises(CheckpointMismatchError) as info:
        run_tool('tools/train.py', CONFIG, '--work-dir', work_dir,
                 '--resume', *train_opts(root, iters=1),
                 'model.head.num_classes=8')
    msg = str(info.value)
    assert 'iter_1.pth does not fit' in msg
    assert 'checkpoint (100, 128), model (8, 128)' in msg
    one_paragraph(msg)


def test_unknown_config_key_suggests_the_closest(tmp_path):
    with pytest.raises(ConfigError) as info:
        run_tool('tools/train.py', CONFIG, '--work-dir', tmp_path / 'w',
                 '--cfg-options', 'model.backbone.dpth=18')
    msg = str(info.value)
    assert "'model.backbone.dpth' does not exist" in msg
    assert "Did you mean 'model.backbone.depth'?" in msg
    assert 'tools/misc/print_config.py' in msg
    with pytest.raises(ConfigError, match="Did you mean 'train_cfg'"):
        run_tool('tools/train.py', CONFIG, '--work-dir', tmp_path / 'w',
                 '--cfg-options', 'train_cgf.max_iters=5')


def test_diverging_loss_stops_with_the_loss_and_iteration(
        synth_root, tmp_path):
    work_dir = tmp_path / 'w'
    with pytest.raises(LossDivergedError) as info:
        run_tool('tools/train.py', CONFIG, '--work-dir', work_dir,
                 *train_opts(osp.join(synth_root, 'synthmarket'), iters=6),
                 'default_hooks.checkpoint.interval=1',
                 'optim_wrapper.optimizer.lr=1e12')
    msg = str(info.value)
    # Either the loss is NaN/Inf first, or the weights are, while the loss
    # of that iteration was still finite; both stop before saving.
    match = re.search(
        r"iteration (\d+): (loss '\w+' = (nan|inf|-inf) is not finite|"
        r'\d+ weight tensor\(s\) hold NaN or Inf)', msg)
    assert match, msg
    it = int(match.group(1))
    assert not osp.exists(work_dir / f'iter_{it}.pth')
    if it > 1:
        assert f'The last good checkpoint is {work_dir}/iter_{it - 1}.pth' \
            in msg
        state = torch.load(
            work_dir / f'iter_{it - 1}.pth', weights_only=True)['state_dict']
        assert all(torch.isfinite(v).all() for v in state.values())


def test_cli_ends_with_the_message(tmp_path):
    """The user's view: the last lines of stderr are the message."""
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', CONFIG, '--work-dir',
         str(tmp_path / 'w'), *train_opts(str(tmp_path / 'nowhere'))],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    # No traceback on the screen (it is in <work_dir>/error.log), no config
    # dump ahead of the message.
    assert 'Traceback' not in proc.stderr + proc.stdout
    assert 'Config:' not in proc.stdout
    lines = proc.stderr.strip().splitlines()
    first = max(i for i, line in enumerate(lines)
                if line.startswith('Error (FileNotFoundError): '))
    # The message is the end of the output: the error line, the expected
    # layout (3 lines) and where to read more.
    assert len(lines) - first == 5, proc.stderr[-2000:]
    assert 'does not exist' in lines[first]
    assert lines[-1] == 'See docs/en/dataset_prepare.md.'
    assert lines[first - 1].startswith('(traceback in ')
    log = osp.join(str(tmp_path / 'w'), 'error.log')
    assert 'Traceback' in open(log).read()


def test_failed_test_leaves_no_work_dir(tmp_path, monkeypatch):
    """tools/test.py with the data missing: the message says how to
    render it, and ./work_dirs/<config>/ is not left behind."""
    ckpt = save_model_checkpoint(str(tmp_path / 'model.pth'))
    run_dir = tmp_path / 'elsewhere'
    run_dir.mkdir()
    monkeypatch.chdir(run_dir)
    with pytest.raises(FileNotFoundError) as info:
        run_tool('tools/test.py', CONFIG, ckpt)
    assert 'make_synthetic_reid.py --out' in str(info.value)
    assert os.listdir(run_dir) == []
