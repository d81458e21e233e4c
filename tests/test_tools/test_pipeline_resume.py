"""Pipelines survive SIGKILL and Ctrl-C in the middle of every training
stage, through the real tools, and end with the weights of an uninterrupted
run.

For each method a pipeline runs once without interruption (in parallel
with the rest), and once with a signal in the middle of each kind of
training stage (after its second checkpoint), each time followed by the
same command again (alternately with and without ``--resume``: for a
pipeline both behave the same). A plain re-id training stage is killed
once, in CR-GAN's stage I (DG-Net's teacher and SLSR's baseline are the
same kind of stage); every GAN, fine-tuning and adaptation stage is
interrupted, with SIGKILL or Ctrl-C. Training is
deterministic here (no dataloader workers, fixed seed; RNGStateHook puts the
model's random numbers back), so every stage's ``final.pth`` must equal the
uninterrupted run's bit for bit, and so must every test stage's metrics.
"""
import json
import os
import os.path as osp
import shlex
import signal
import subprocess
import sys
import time

import pytest
import torch

from mmreidgen.engine.checkpoint import is_complete_checkpoint

pytestmark = pytest.mark.early(190)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ITERS = 8


def crgan(root):
    opts = [f'synth_root={root}', 'num_workers=0', 'vis_interval=100',
            'train_dataloader.persistent_workers=False',
            'test_dataloader.persistent_workers=False',
            'default_hooks.checkpoint.interval=2',
            'default_hooks.checkpoint.max_keep_ckpts=10',
            'num_source_ids=8', 'stages.test_direct_transfer=None',
            'stages.test_targets=None']
    opts += [f'stages.{s}.cfg.train_cfg.max_iters={ITERS}'
             for s in ('stage1_pretrain', 'stage2_gan', 'stage3_finetune')]
    return ('configs/crgan/crgan_r18w16_synthmarket2synthduke.py', opts,
            [('stage1_pretrain', 'iter_2.pth', signal.SIGKILL),
             ('stage2_gan', 'iter_4.pth', signal.SIGINT),
             ('stage3_finetune', 'iter_2.pth', signal.SIGKILL)])


def dgnet(root):
    opts = [f'data_root={root}/synthmarket', 'num_workers=0',
            'num_classes=8', f'train_cfg.max_iters={ITERS}',
            f'stages.teacher.cfg.train_cfg.max_iters={ITERS}',
            'train_dataloader.persistent_workers=False',
            'teacher_train_dataloader.persistent_workers=False',
            'test_dataloader.persistent_workers=False',
            'default_hooks.checkpoint.interval=2',
            'default_hooks.checkpoint.max_keep_ckpts=10',
            'stages.dgnet.cfg.default_hooks.checkpoint.interval=2',
            # One test stage is enough to compare metrics.
            'stages.test_teacher=None', 'stages.test_prim=None',
            'stages.test_fine=None']
    return ('configs/dgnet/dgnet_r18w16_synthmarket.py', opts,
            [('dgnet', 'iter_2.pth', signal.SIGKILL)])


def slsr(root):
    opts = [f'data_root={root}/synthmarket', 'num_workers=0',
            'num_classes=8', f'train_cfg.max_iters={ITERS}',
            f'stages.stage5_finetune.cfg.train_cfg.max_iters={ITERS}',
            'train_dataloader.persistent_workers=False',
            'test_dataloader.persistent_workers=False',
            'num_generated=24', 'gan_train_cfg.max_epochs=4',
            'gan_train_dataloader.batch_size=8',
            'default_hooks.checkpoint.interval=2',
            'default_hooks.checkpoint.max_keep_ckpts=10',
            # The DCGAN trains by epochs: checkpoints at epoch ends, where
            # an epoch-based loop resumes exactly.
            'stages.stage3_gan.cfg.default_hooks.checkpoint.by_epoch=True',
            'stages.stage3_gan.cfg.default_hooks.checkpoint.interval=1',
            'stages.stage2_cluster.silhouette_ks=[2,3]',
            'stages.stage1_test=None', 'stages.stage1_test_rerank=None',
            'stages.stage6_test_rerank=None']
    return ('configs/slsr/slsr_r18w16_synthmarket.py', opts,
            [('stage3_gan/cluster_0', 'epoch_2.pth', signal.SIGINT),
             ('stage5_finetune', 'iter_2.pth', signal.SIGKILL)])


def uda(root):
    """Pseudo-label adaptation from direct transfer: killed after its first
    epoch, it restarts the second from the first's state, clustering
    again."""
    opts = [f'synth_root={root}', 'num_workers=0',
            'train_dataloader.persistent_workers=False',
            'test_dataloader.persistent_workers=False',
            'default_hooks.checkpoint.interval=2',
            'num_source_ids=8', 'stages.test_direct_transfer=None',
            'stages.test_targets=None',
            f'stages.stage1_pretrain.cfg.train_cfg.max_iters={ITERS}',
            'uda_epochs=2', 'uda_iters_per_epoch=2', 'uda_batch_size=8',
            'uda_num_instances=2', 'uda_lr_milestones=[1]',
            'uda_cluster.min_samples=2', 'uda_cluster.k1=6',
            'uda_cluster.k2=2']
    return ('configs/uda/cluster-contrast_r18w16_synthmarket2synthduke.py',
            opts, [('uda', 'epoch_1.pth', signal.SIGKILL)])


METHODS = dict(crgan=crgan, dgnet=dgnet, slsr=slsr, uda=uda)


def command(config, work_dir, opts, resume=False):
    cmd = [sys.executable, 'tools/train.py', config, '--work-dir',
           str(work_dir)]
    if resume:
        cmd.append('--resume')
    return cmd + ['--cfg-options', *opts]


def env():
    out = dict(os.environ, OMP_NUM_THREADS='1')
    out.pop('MMREIDGEN_TRACEBACK', None)
    return out


def run(cmd):
    proc = subprocess.run(cmd, cwd=REPO, env=env(), capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def start(cmd, log_dir):
    """Start ``cmd`` in the background, its output in files of
    ``log_dir`` (a pipe left unread could fill and block it)."""
    os.makedirs(log_dir, exist_ok=True)
    out = open(osp.join(log_dir, 'stdout.txt'), 'w')
    err = open(osp.join(log_dir, 'stderr.txt'), 'w')
    proc = subprocess.Popen(cmd, cwd=REPO, env=env(), stdout=out,
                            stderr=err, text=True)
    proc.logs = (out, err)
    return proc


def finish(proc, timeout=600):
    """Wait for a :func:`start`-ed command; it must succeed."""
    code = proc.wait(timeout=timeout)
    for f in proc.logs:
        f.close()
    with open(proc.logs[1].name) as f:
        assert code == 0, f.read()[-3000:]


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(cmd, stage_dir, ckpt, sig):
    """Start ``cmd``, send ``sig`` once ``stage_dir/ckpt`` is complete."""
    # Default SIGINT handling in the child even when this test runs with
    # SIGINT ignored (e.g. started in the background by a shell without
    # job control, which children inherit): Ctrl-C is what is tested.
    proc = subprocess.Popen(cmd, cwd=REPO, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_default_sigint)
    target = osp.join(stage_dir, ckpt)
    deadline = time.time() + 600
    while not (osp.exists(target) and is_complete_checkpoint(target)):
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.time() < deadline
        time.sleep(0.02)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    # Killed in the middle: the stage had not finished.
    assert not osp.exists(osp.join(stage_dir, 'final.pth')), \
        f'{stage_dir} finished before the signal; lengthen ITERS'
    return proc.returncode, out, err


def finals(work_dir):
    """Every final.pth under ``work_dir`` (stage and DCGAN cluster ones)."""
    found = {}
    for root, _, files in os.walk(work_dir):
        if 'final.pth' in files and '/stale' not in root:
            found[osp.relpath(root, work_dir)] = torch.load(
                osp.join(root, 'final.pth'), map_location='cpu',
                weights_only=False)['state_dict']
    return found


def metrics(work_dir):
    found = {}
    for root, _, files in os.walk(work_dir):
        if 'metrics.json' in files:
            with open(osp.join(root, 'metrics.json')) as f:
                found[osp.relpath(root, work_dir)] = json.load(f)
    return found


@pytest.mark.parametrize('method', sorted(METHODS))
def test_interrupted_pipeline_resumes_to_the_same_weights(
        method, synth_root, tmp_path):
    config, opts, kills = METHODS[method](synth_root)
    # The uninterrupted run goes on beside the interrupted ones: each
    # process trains on one thread, and the machines have two cores.
    clean = tmp_path / 'clean'
    clean_run = start(command(config, clean, opts), tmp_path / 'clean_logs')

    work = tmp_path / 'interrupted'
    for i, (stage, ckpt, sig) in enumerate(kills):
        given = command(config, work, opts, resume=i % 2 == 1)
        code, out, err = interrupt(given, osp.join(work, stage), ckpt, sig)
        if sig == signal.SIGKILL:
            assert code == -signal.SIGKILL
        else:
            # Ctrl-C: one line with the checkpoint and the command as it
            # was given (its --cfg-options too), with --resume.
            assert code == 130, err[-2000:]
            last = err.strip().splitlines()[-1]
            assert last.startswith('Interrupted. Last complete checkpoint: ')
            hint = shlex.split(last.split('Resume with: ', 1)[1])
            args = [str(a) for a in given[2:]]
            assert hint == ['python', 'tools/train.py', *args] + (
                [] if '--resume' in args else ['--resume'])
            assert 'Traceback' not in err
    run(command(config, work, opts, resume=True))
    finish(clean_run)
    reference = finals(clean)
    assert len(reference) >= len(kills)

    resumed = finals(work)
    assert sorted(resumed) == sorted(reference)
    for name, state in reference.items():
        other = resumed[name]
        assert state.keys() == other.keys()
        for key in state:
            assert torch.equal(state[key], other[key]), (name, key)
    assert metrics(work) == metrics(clean)
    # A plain re-run of the finished pipeline does nothing.
    proc = run(command(config, work, opts))
    assert 'starts in' not in proc.stdout + proc.stderr
