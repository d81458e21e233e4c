"""Distributed training and testing on machines without CUDA.

mmengine 0.10.7 assumes a GPU per process: its ``pytorch`` and ``slurm``
launchers call ``torch.cuda.set_device`` (which raises without a driver)
and its default DDP wrapper passes ``device_ids=[LOCAL_RANK]`` (which
``DistributedDataParallel`` refuses for CPU modules). With no GPU,
:func:`setup_cpu_distributed` initialises the process group itself with
the ``gloo`` backend (the Runner then skips its own initialisation) and
sets ``device_ids=None`` in ``model_wrapper_cfg``. On a machine with CUDA
it does nothing. ``tools/train.py`` and ``tools/test.py`` call it.
"""
import datetime
import os
import subprocess

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log


def _slurm_env() -> None:
    """The variables torch.distributed reads, from SLURM's, as mmengine's
    slurm launcher sets them."""
    proc_id = int(os.environ['SLURM_PROCID'])
    ntasks = int(os.environ['SLURM_NTASKS'])
    local_id = int(os.environ.get('SLURM_LOCALID', proc_id))
    if 'MASTER_ADDR' not in os.environ:
        node_list = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {node_list} | head -n1')
    os.environ.setdefault('MASTER_PORT', '29500')
    os.environ['WORLD_SIZE'] = str(ntasks)
    os.environ['LOCAL_RANK'] = str(local_id)
    os.environ['RANK'] = str(proc_id)


def setup_cpu_distributed(cfg: Config, launcher: str) -> None:
    """Make ``launcher='pytorch'`` or ``'slurm'`` work without CUDA.

    Args:
        cfg (Config): The run's config; ``env_cfg.dist_cfg`` and
            ``model_wrapper_cfg`` are read and updated in place.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return
    if launcher not in ('pytorch', 'slurm'):
        raise ValueError(
            f'--launcher {launcher} needs CUDA with mmengine; on a CPU-only '
            "machine use --launcher pytorch (torchrun) or slurm.")
    env_cfg = cfg.get('env_cfg') or {}
    dist_cfg = dict(env_cfg.get('dist_cfg') or {})
    backend = dist_cfg.pop('backend', 'gloo')
    if backend != 'gloo':
        print_log(
            f"env_cfg.dist_cfg.backend='{backend}' needs GPUs; no GPU found, "
            "so 'gloo' is used (set it with --cfg-options "
            'env_cfg.dist_cfg.backend=gloo to silence this).',
            logger='current', level=30)
    if launcher == 'slurm':
        _slurm_env()
    if not torch_dist.is_initialized():
        kwargs = {}
        if dist_cfg.get('timeout') is not None:
            kwargs['timeout'] = datetime.timedelta(
                seconds=float(dist_cfg['timeout']))
        torch_dist.init_process_group(backend='gloo', **kwargs)
    wrapper = dict(cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False)))
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper
