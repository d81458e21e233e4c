"""Feature extraction: the tools/test.py path vs forward-only throughput.

Measures, in one run on the same device and batch size:

1. forward-only: ``model.extract_feat`` on tensors already in memory;
2. the test path: the config's test dataloader (default workers) ->
   ``model.test_step`` (data preprocessor + predict), as mmengine's
   ``TestLoop`` runs it.

:func:`report` gives ``test path / forward-only`` throughput (goal:
>= 0.90). The forward-only measure runs before and after the test path;
their mean is the reference, which halves the effect of drifting machine
load.
"""
import argparse
import time
from typing import Iterator

import torch

from mmreidgen.apis import build_dataloader, load_config
from mmreidgen.apis.feature_extraction import test_pipeline_of
from mmreidgen.registry import MODELS
from mmreidgen.utils import cap_num_workers, register_all_modules

from .common import sync


def forward_only(model, shape: tuple, batches: int, device: str) -> float:
    """Images per second of ``extract_feat`` on in-memory tensors."""
    inputs = torch.randn(*shape, device=device)
    with torch.no_grad():
        model.extract_feat(inputs)  # warm-up
        sync(device)
        start = time.perf_counter()
        for _ in range(batches):
            model.extract_feat(inputs)
        sync(device)
    return shape[0] * batches / (time.perf_counter() - start)


def loader_throughput(model, loader, batches: int, device: str) -> float:
    """Images per second of dataloader + ``test_step``."""
    it = iter(loader)
    with torch.no_grad():
        model.test_step(next(it))  # warm-up, starts the workers
        sync(device)
        start = time.perf_counter()
        seen = 0
        for _ in range(batches):
            batch = next(it)
            model.test_step(batch)
            seen += len(batch['inputs'])
        sync(device)
    return seen / (time.perf_counter() - start)


def gallery_loader(cfg, args: argparse.Namespace):
    """The config's test dataloader over the gallery of ``args.data_root``
    (with ``args.batch_size`` and, when given, ``args.num_workers``); it
    must hold ``args.num_batches + 1`` batches."""
    loader_cfg = cfg.test_dataloader
    loader_cfg.batch_size = args.batch_size
    loader_cfg.dataset = dict(
        type='Market1501', data_root=args.data_root, subset='gallery',
        pipeline=test_pipeline_of(cfg))
    loader_cfg.sampler = dict(type='DefaultSampler', shuffle=False)
    loader = build_dataloader(loader_cfg, num_workers=args.num_workers)
    needed = (args.num_batches + 1) * args.batch_size
    if len(loader.dataset) < needed:
        raise ValueError(
            f'{args.data_root} gallery has {len(loader.dataset)} images; '
            f'{needed} are needed for --num-batches {args.num_batches} '
            f'with --batch-size {args.batch_size}.')
    return loader


def report(args: argparse.Namespace) -> Iterator[str]:
    """Measure; yield the lines to print.

    Args:
        args (argparse.Namespace): ``config``, ``data_root``,
            ``batch_size``, ``num_batches``, ``num_workers`` and
            ``device``, as ``tools/analysis_tools/benchmark_extract.py``
            parses them.

    Yields:
        str: The setting, both throughputs and their ratio.
    """
    register_all_modules()
    cfg = load_config(args.config)
    cfg.model.backbone.init_cfg = None
    cap_num_workers(cfg)  # as tools/test.py does
    model = MODELS.build(cfg.model).to(args.device).eval()
    loader = gallery_loader(cfg, args)
    h, w = next(t['scale'] for t in cfg.test_pipeline
                if t['type'] == 'ReIDResize')
    shape = (args.batch_size, 3, h, w)

    before = forward_only(model, shape, args.num_batches, args.device)
    pipeline = loader_throughput(model, loader, args.num_batches, args.device)
    after = forward_only(model, shape, args.num_batches, args.device)
    reference = (before + after) / 2

    yield (f'config: {args.config}  device: {args.device}  batch: '
           f'{args.batch_size}  input: {h}x{w}  workers: '
           f'{cfg.test_dataloader.num_workers}  threads: '
           f'{torch.get_num_threads()}')
    yield (f'forward-only        : {before:8.1f} / {after:8.1f} img/s '
           f'(before / after)')
    yield f'test path           : {pipeline:8.1f} img/s'
    yield (f'ratio test/forward  : {pipeline / reference:.3f} '
           '(goal >= 0.90)')
