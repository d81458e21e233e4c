"""What a user sees, through the real tools: changed settings
stop a pipeline with the changed keys and the remedy, and the remedy works
as written; a mistyped config path lists the closest configs; --check-data
lists broken files before training; the gradient-clipping override that the
messages suggest can be typed; no traceback or config dump on the screen."""
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest
from mmengine.config import Config

pytestmark = pytest.mark.early(60)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DIRECT = 'configs/crgan/direct-transfer_r18w16_synthmarket2synthduke.py'
BASELINE = 'configs/baseline/baseline_r18w16_synthmarket.py'


def tool(*args, check=None):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('MMREIDGEN_TRACEBACK', None)
    proc = subprocess.run([sys.executable, *map(str, args)], cwd=REPO,
                          env=env, capture_output=True, text=True,
                          timeout=600)
    if check is not None:
        assert proc.returncode == check, proc.stderr[-3000:]
    return proc


def direct_opts(root):
    return [
        f'synth_root={root}', 'num_workers=0', 'num_source_ids=8',
        'train_dataloader.persistent_workers=False',
        'test_dataloader.persistent_workers=False',
        'stages.stage1_pretrain.cfg.train_cfg.max_iters=3',
        'stages.test_targets=None'
    ]


def last_lines(proc, n=1):
    return proc.stderr.strip().splitlines()[-n:]


def test_changed_settings_stop_and_restart_from_reruns(synth_root, tmp_path):
    work = tmp_path / 'w'
    train = ['tools/train.py', DIRECT, '--work-dir', work, '--cfg-options',
             *direct_opts(synth_root)]
    tool(*train, check=0)
    done = work / 'stage1_pretrain' / 'done'
    first = done.read_text()

    changed = train + [
        'stages.stage1_pretrain.cfg.optim_wrapper.identity_discriminator.'
        'optimizer.lr=0.02'
    ]
    proc = tool(*changed, check=1)
    message = last_lines(proc)[0]
    assert message.startswith('Error (StaleStageError): ')
    assert "Stage 'stage1_pretrain' has finished" in message
    assert 'optim_wrapper.identity_discriminator.optimizer.lr' in message
    assert 'Nothing was run' in message
    assert '--restart-from stage1_pretrain' in message
    assert 'leaves out' not in message
    assert 'Traceback' not in proc.stderr + proc.stdout
    assert done.read_text() == first  # nothing ran

    # An override left out (the command of a resume hint without its
    # --cfg-options) is told apart from a changed value.
    left_out = [a for a in train if 'max_iters' not in str(a)]
    proc = tool(*left_out, check=1)
    message = last_lines(proc)[0]
    assert message.startswith('Error (StaleStageError): ')
    assert ('--cfg-options that this command leaves out: '
            'stages.stage1_pretrain.cfg.train_cfg.max_iters=3.') in message
    assert 'give them again' in message
    assert done.read_text() == first

    # The remedy, as the message writes it.
    tool(*changed[:4], '--restart-from', 'stage1_pretrain', *changed[4:],
         check=0)
    stale = glob.glob(str(work / 'stale' / '*' / 'stage1_pretrain'))
    assert len(stale) == 1 and osp.isfile(osp.join(stale[0], 'done'))
    # Downstream stages never keep stale results: test_direct_transfer ran
    # again too, on the new weights.
    assert glob.glob(str(work / 'stale' / '*' / 'test_direct_transfer'))
    assert (work / 'test_direct_transfer' / 'metrics.json').is_file()
    assert done.read_text() != first
    # And the new settings are now the recorded ones: the same settings
    # again skip every stage and rewrite nothing.
    second = done.read_text()
    proc = tool(*changed, check=0)
    assert 'starts in' not in proc.stdout
    assert 'done before, skipped' in proc.stdout
    assert done.read_text() == second


def test_mistyped_config_path_lists_the_closest(tmp_path):
    proc = tool('tools/train.py',
                'configs/crgan/crgan_r18w16_synthmarket2synthdke.py',
                '--work-dir', tmp_path, check=1)
    message = last_lines(proc)[0]
    assert message.startswith('Error (FileNotFoundError): Config ')
    assert 'Closest configs: configs/crgan/' \
        'crgan_r18w16_synthmarket2synthduke.py' in message
    assert 'Traceback' not in proc.stderr


def test_check_data_lists_every_broken_file_before_training(
        synth_root, tmp_path):
    root = tmp_path / 'market'
    shutil.copytree(osp.join(synth_root, 'synthmarket'), root)
    names = sorted(os.listdir(root / 'bounding_box_train'))[:3]
    for name in names:
        (root / 'bounding_box_train' / name).write_bytes(b'\xff\xd8broken')
    work = tmp_path / 'w'
    proc = tool('tools/train.py', BASELINE, '--work-dir', work,
                '--check-data', '--cfg-options', f'data_root={root}',
                'train_cfg.max_iters=2', check=1)
    text = proc.stderr
    assert '3 of ' in text and 'cannot be decoded' in text
    for name in names:
        assert name in text
    assert not glob.glob(str(work / '*.pth'))  # training never started


@pytest.mark.parametrize('option', [
    'optim_wrapper.clip_grad=dict(max_norm=10)',
    'optim_wrapper.clip_grad.max_norm=10',
])
def test_gradient_clipping_override_as_the_messages_write_it(
        synth_root, tmp_path, option):
    work = tmp_path / 'w'
    proc = tool('tools/train.py', BASELINE, '--work-dir', work,
                '--cfg-options', f'data_root={synth_root}/synthmarket',
                'num_workers=0', 'train_dataloader.persistent_workers=False',
                'test_dataloader.persistent_workers=False',
                'train_dataloader.batch_size=8', 'num_classes=8',
                'train_cfg.max_iters=2', option, check=0)
    # The config the run wrote beside its checkpoints has the setting.
    dumped = Config.fromfile(str(work / osp.basename(BASELINE)))
    assert dumped.optim_wrapper.clip_grad == dict(max_norm=10)
    # The console holds neither the config dump nor mmengine's notices.
    assert 'Config:\n' not in proc.stdout
    assert 'System environment' not in proc.stdout
    assert 'will be deprecated' not in proc.stdout
    assert 'Environment and config: in ' in proc.stdout


def test_interrupt_hint_repeats_the_command(tmp_path):
    """The Ctrl-C hint is the command as it was given, with --resume: its
    --cfg-options included."""
    import shlex

    from conftest import load_tool
    train = load_tool('tools/train.py')
    argv = [BASELINE, '--cfg-options', 'synth_root=/my_data',
            'train_cfg.max_iters=3']
    train.STATE.update(config=BASELINE, work_dir=str(tmp_path), argv=argv)
    hint = train.interrupted()
    assert hint.startswith('No checkpoint was written yet. Resume with: ')
    command = shlex.split(hint.split('Resume with: ', 1)[1])
    assert command[:2] == ['python', 'tools/train.py']
    args = train.parse_args(command[2:])
    assert args.config == BASELINE and args.resume == 'auto'
    assert args.work_dir == str(tmp_path)
    assert args.cfg_options == {'synth_root': '/my_data',
                                'train_cfg.max_iters': 3}
