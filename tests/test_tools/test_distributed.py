"""Two processes on CPU (gloo) through the shipped launch scripts.

- ``tools/dist_train.sh``: the tiny synthetic baseline, 2 ranks, 2
  iterations;
- ``tools/dist_test.sh`` with 2 ranks and ``tools/test.py`` with 1 process
  evaluate that checkpoint: the metrics must be equal;
- ``tools/slurm_train.sh`` (with a stand-in ``srun`` that starts the tasks
  on this host) trains the SLSR DCGAN, a GAN with two optimisers, under
  ``MMSeparateDistributedDataParallel``: each rank saw other images, yet
  every parameter ends bitwise equal on both ranks and differs from its
  initial value.
"""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

pytestmark = pytest.mark.early(50)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/baseline/baseline_r18w16_synthmarket.py'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _env(**extra) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    # The scripts call ``torchrun`` and ``python`` from PATH.
    env['PATH'] = osp.dirname(sys.executable) + os.pathsep + env['PATH']
    env['PYTHONPATH'] = REPO + os.pathsep + env.get('PYTHONPATH', '')
    env['PORT'] = str(_free_port())
    env.update(extra)
    return env


def _run(cmd, log, env=None, wait=True):
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env or _env(), stdout=open(log, 'w'),
        stderr=subprocess.STDOUT)
    if wait:
        _check(proc, log)
    return proc


def _check(proc, log):
    proc.wait(timeout=600)
    text = open(log).read()
    assert proc.returncode == 0, text[-4000:]
    return text


def test_dist_train_then_dist_test_equals_single_process(synth_root, tmp_path):
    root = osp.join(synth_root, 'synthmarket')
    work_dir = str(tmp_path / 'train')
    _run([
        'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', work_dir,
        '--cfg-options', 'env_cfg.dist_cfg.backend=gloo',
        f'train_dataloader.dataset.data_root={root}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'train_dataloader.batch_size=8', 'val_cfg=None',
        'val_dataloader=None', 'val_evaluator=None', 'train_cfg.max_iters=2',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1'
    ], str(tmp_path / 'train.log'))
    # The environment block is in the run's log file (not on the console).
    import glob
    text = ''.join(open(p).read() for p in glob.glob(
        osp.join(work_dir, '*', '*.log')))
    # mmengine reports the world size as "GPU number", also on CPU.
    assert 'Distributed training: True' in text
    assert 'GPU number: 2' in text
    ckpt = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(ckpt)

    test_opts = [
        '--cfg-options',
        f'test_dataloader.dataset.datasets.0.data_root={root}',
        f'test_dataloader.dataset.datasets.1.data_root={root}',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        'test_dataloader.batch_size=16'
    ]
    out2, out1 = str(tmp_path / 'dist.json'), str(tmp_path / 'single.json')
    dist = _run([
        'bash', 'tools/dist_test.sh', CONFIG, ckpt, '2', '--work-dir',
        str(tmp_path / 'test2'), '--out-metrics', out2, *test_opts,
        'env_cfg.dist_cfg.backend=gloo'
    ], str(tmp_path / 'test2.log'), wait=False)
    single = _run([
        sys.executable, 'tools/test.py', CONFIG, ckpt, '--work-dir',
        str(tmp_path / 'test1'), '--out-metrics', out1, *test_opts
    ], str(tmp_path / 'test1.log'), wait=False)
    _check(dist, str(tmp_path / 'test2.log'))
    _check(single, str(tmp_path / 'test1.log'))
    dist_metrics, single_metrics = json.load(open(out2)), json.load(open(out1))
    # tools/test.py --out-metrics: every re-id metric, in percent.
    keys = {k.rsplit('/', 1)[-1] for k in single_metrics}
    assert {'mAP', 'R1', 'R5', 'mINP'} <= keys
    assert all(0 <= v <= 100 for v in single_metrics.values())
    assert dist_metrics == single_metrics


_GAN_CONFIG = '''
default_scope = 'mmreidgen'
custom_imports = dict(imports=['rank_dump_hook'], allow_failed_imports=False)
size = (32, 16)
model = dict(
    type='SLSRDCGAN',
    generator=dict(type='SLSRDCGANGenerator', output_size=size,
                   base_channels=16, num_upsamples=2),
    discriminator=dict(type='SLSRDCGANDiscriminator', input_size=size,
                       base_channels=8, num_downsamples=2))
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='Market1501', data_root='{root}', subset='train',
                 pipeline=[dict(type='LoadReIDImage'),
                           dict(type='ReIDResize', scale=size),
                           dict(type='PackReIDInputs')]))
adam = dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999)))
optim_wrapper = dict(constructor='MultiOptimWrapperConstructor',
                     generator=adam, discriminator=adam)
train_cfg = dict(by_epoch=False, max_iters=3)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=3, by_epoch=False),
    logger=dict(type='LoggerHook', interval=1))
custom_hooks = [dict(type='LossGuardHook'), dict(type='RankDumpHook')]
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel')
env_cfg = dict(dist_cfg=dict(backend='gloo'))
# Each rank draws its own noise (and data order); weights still start equal
# because the runner broadcasts them after initialisation.
randomness = dict(seed=0, diff_rank_seed=True)
'''

_DUMP_HOOK = '''
import os.path as osp

import torch
import torch.distributed as dist
from mmengine.hooks import Hook

from mmreidgen.registry import HOOKS


@HOOKS.register_module()
class RankDumpHook(Hook):
    """Save this rank's parameters before and after training."""

    def before_train(self, runner):
        self.init = {k: v.detach().clone()
                     for k, v in runner.model.module.named_parameters()}
        self.paths = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.paths += [s.img_path for s in data_batch['data_samples']]

    def after_train(self, runner):
        torch.save(dict(
            wrapper=type(runner.model).__name__,
            world_size=dist.get_world_size(),
            paths=self.paths, init=self.init,
            final={k: v.detach().clone()
                   for k, v in runner.model.module.named_parameters()}),
            osp.join(runner.work_dir, f'rank{dist.get_rank()}.pth'))
'''

# A stand-in for SLURM's srun: starts --ntasks copies of the command on this
# host with the SLURM variables a real allocation sets.
_FAKE_SRUN = '''#!/usr/bin/env bash
ntasks=1
while [[ $# -gt 0 && $1 == -* ]]; do
  case $1 in
    --ntasks=*) ntasks=${1#--ntasks=} ;;
    -p) shift ;;
  esac
  shift
done
pids=()
for ((i = 0; i < ntasks; i++)); do
  SLURM_PROCID=$i SLURM_LOCALID=$i SLURM_NTASKS=$ntasks \\
    SLURM_NODELIST=localhost "$@" &
  pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
exit $rc
'''


def test_gan_with_separate_ddp_through_slurm_train_sh(synth_root, tmp_path):
    plugin_dir = tmp_path / 'plugin'
    plugin_dir.mkdir()
    (plugin_dir / 'rank_dump_hook.py').write_text(_DUMP_HOOK)
    config = tmp_path / 'slsr_dcgan_tiny.py'
    config.write_text(
        _GAN_CONFIG.replace('{root}', osp.join(synth_root, 'synthmarket')))
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'srun').write_text(_FAKE_SRUN)
    os.chmod(bin_dir / 'srun', 0o755)
    env = _env(GPUS='2', GPUS_PER_NODE='2', CPUS_PER_TASK='1',
               MASTER_ADDR='127.0.0.1')
    env['MASTER_PORT'] = env['PORT']
    env['PATH'] = str(bin_dir) + os.pathsep + env['PATH']
    env['PYTHONPATH'] = str(plugin_dir) + os.pathsep + env['PYTHONPATH']
    work_dir = str(tmp_path / 'gan')
    _run(['bash', 'tools/slurm_train.sh', 'cpu', 'gan', str(config),
          work_dir], str(tmp_path / 'gan.log'), env=env)

    ranks = [
        torch.load(osp.join(work_dir, f'rank{r}.pth'), weights_only=True)
        for r in (0, 1)
    ]
    for rank in ranks:
        assert rank['wrapper'] == 'MMSeparateDistributedDataParallel'
        assert rank['world_size'] == 2
    assert not set(ranks[0]['paths']) & set(ranks[1]['paths'])
    names = ranks[0]['final'].keys()
    assert any(k.startswith('generator.') for k in names)
    assert any(k.startswith('discriminator.') for k in names)
    for name in names:
        assert torch.equal(ranks[0]['final'][name], ranks[1]['final'][name])
        assert torch.equal(ranks[0]['init'][name], ranks[1]['init'][name])
        assert not torch.equal(ranks[0]['final'][name],
                               ranks[0]['init'][name]), name
    assert osp.isfile(osp.join(work_dir, 'iter_3.pth'))
