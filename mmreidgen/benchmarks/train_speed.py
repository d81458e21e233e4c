"""One training iteration: mmreidgen's ``train_step`` vs a plain loop.

For a model built from a config this measures, on the same device and
batch:

1. ``model.train_step(batch, optim_wrapper)``: the data preprocessor, the
   ``BaseGAN`` alternation, ``OptimWrapperDict`` updates, loss parsing and
   logging variables, as mmengine's loop calls it;
2. a plain PyTorch loop around the same computation (:data:`PLAIN_STEPS`,
   one per trained model): manual normalisation and ``torch.optim``
   optimizers stepped directly, around the loss methods that the model's
   own ``train_step`` calls (``generate``, ``discriminator_losses``,
   ``generator_losses``, ...), so that the loop computes what training
   computes, whatever a model's losses become.

The paths are interleaved ``repeats`` times (:func:`interleaved_times`);
``tools/analysis_tools/benchmark_train.py`` prints the ratio of the medians
(goal <= 1.1) for CR-GAN stage II and DG-Net (:func:`report`), and the GPU
check (:mod:`mmreidgen.benchmarks.gpu_check`) measures every model in every
precision with the same loops.
"""
import argparse
import contextlib
import copy
import statistics
import time
from typing import Callable, Dict, Iterator, List, Optional

import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapperDict, build_optim_wrapper

from mmreidgen.apis import load_config
from mmreidgen.engine.optimizers import with_default_constructor
from mmreidgen.models.algorithms import set_requires_grad
from mmreidgen.models.algorithms.dgnet import GENERATOR_KEYS
from mmreidgen.registry import MODELS
from mmreidgen.structures import ReIDDataSample
from mmreidgen.utils.config_check import drop_pretrained, enable_amp
from mmreidgen.utils.setup_env import register_all_modules

from .common import sync

# --models of benchmark_train.py: (title, config, stage, fake-batch
# pairing, PLAIN_STEPS key).
BENCHMARK_MODELS = {
    'crgan': ('CR-GAN stage II', 'configs/crgan/crgan_r50_market2duke.py',
              'stage2_gan', 'domains', 'crgan_stage2'),
    'dgnet': ('DG-Net', 'configs/dgnet/dgnet_r50_market.py', 'dgnet',
              'positives', 'dgnet'),
}
# The plain loop of each trained model, by the GPU check's config names:
# the model's own loss methods, stepped with torch.optim.
PLAIN_STEPS: Dict[str, Callable] = {}


def plain_step(*names: str) -> Callable:
    """Register the decorated plain loop under ``names``."""

    def register(fn: Callable) -> Callable:
        for name in names:
            PLAIN_STEPS[name] = fn
        return fn

    return register


def fake_batch(n: int, h: int, w: int, num_ids: int, pairs: str) -> dict:
    """``n`` uint8 images with labels and masks, as a dataloader gives.

    Args:
        n (int): Images.
        h (int): Height.
        w (int): Width.
        num_ids (int): Identities of the labels.
        pairs (str): ``'domains'`` (CR-GAN: source/target alternate),
            ``'positives'`` (DG-Net: anchor, positive) or ``'plain'``.

    Returns:
        dict: ``inputs`` and ``data_samples``.
    """
    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for i in range(n):
        inputs.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8,
                                    generator=g))
        meta = dict(camid=i % 4, pid=i // 2 % num_ids)
        if pairs == 'domains':
            meta['domain'] = ('source', 'target')[i % 2]
        sample = ReIDDataSample(metainfo=meta)
        sample.gt_label = torch.tensor(meta['pid'])
        mask = torch.zeros(1, h, w)
        mask[:, h // 8:, w // 4:3 * w // 4] = 1
        sample.mask = mask
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def without_pretrained(cfg: Config) -> Config:
    """Random initialisation, in place: no ImageNet weights and no DG-Net
    teacher file (nothing is read or downloaded)."""
    drop_pretrained(cfg._cfg_dict)
    if 'teacher_ckpt' in cfg.model:
        cfg.model.teacher_ckpt = None
    return cfg


def torch_optimizers(optim_wrapper) -> dict:
    """Fresh ``torch.optim`` optimizers with the wrappers' settings."""
    wrappers = optim_wrapper.items() if isinstance(
        optim_wrapper, OptimWrapperDict) else [('model', optim_wrapper)]
    out = {}
    for name, wrapper in wrappers:
        opt = wrapper.optimizer
        out[name] = type(opt)([dict(g) for g in opt.param_groups])
    return out


def build_optim_wrappers(model, cfg: Config, amp: bool = False,
                         amp_dtype: Optional[str] = None):
    """The optim wrapper(s) of ``cfg`` for ``model``; with ``amp``, those
    ``tools/train.py --amp`` builds (:func:`enable_amp`)."""
    optim_cfg = Config(dict(optim_wrapper=copy.deepcopy(
        cfg.optim_wrapper.to_dict())))
    if amp:
        enable_amp(optim_cfg, amp_dtype)
    # The constructor ReIDRunner builds by default.
    return build_optim_wrapper(
        model, with_default_constructor(optim_cfg.optim_wrapper))


def start_iteration_info() -> None:
    """The message hub of the first of many iterations (iteration-dependent
    schedules such as CR-GAN's generator steps read it)."""
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 0)
    hub.update_info('max_iters', 10**6)


def interleaved_times(paths: Dict[str, Callable], iters: int,
                      repeats: int, warmup: int = 1,
                      device: str = 'cpu') -> Dict[str, List[float]]:
    """Seconds per iteration of each path, blocks interleaved.

    Args:
        paths (dict[str, Callable]): Name -> one iteration.
        iters (int): Iterations per timed block.
        repeats (int): Timed blocks per path, taken in turn.
        warmup (int): Untimed iterations of every path first. Defaults
            to 1.
        device (str): CUDA is synchronised around each block. Defaults to
            'cpu'.

    Returns:
        dict[str, list[float]]: ``repeats`` values per path.
    """
    for _ in range(warmup):
        for fn in paths.values():
            fn()
    times = {key: [] for key in paths}
    for _ in range(repeats):
        for key, fn in paths.items():
            sync(device)
            start = time.perf_counter()
            for _ in range(iters):
                fn()
            sync(device)
            times[key].append((time.perf_counter() - start) / iters)
    return times


class PlainContext:
    """What a plain loop needs: autocast, loss scaling, ``torch.optim``.

    Args:
        optimizers (dict): ``torch.optim`` optimizers by wrapper name.
        device (str): ``'cuda'`` or ``'cpu'``.
        precision (str): ``'float32'``, ``'float16'`` or ``'bfloat16'``.
        channels_last (bool): Inputs in channels-last memory format.
    """

    def __init__(self, optimizers: dict, device: str, precision: str,
                 channels_last: bool) -> None:
        self.opts = optimizers
        self.device = device
        self.precision = precision
        self.channels_last = channels_last
        self.scalers = {
            k: torch.amp.GradScaler('cuda')
            for k in optimizers
        } if precision == 'float16' else {}

    def autocast(self):
        if self.precision == 'float32':
            return contextlib.nullcontext()
        return torch.autocast(
            self.device.split(':')[0], dtype=getattr(torch, self.precision))

    def step(self, loss: torch.Tensor, names: List[str]) -> None:
        """Backward ``loss`` once and step the optimizers ``names``."""
        for name in names:
            self.opts[name].zero_grad()
        scaler = self.scalers.get(names[0])
        if scaler is None:
            loss.backward()
            for name in names:
                self.opts[name].step()
            return
        scaler.scale(loss).backward()
        for name in names:
            scaler.step(self.opts[name])
        scaler.update()


def total_loss(losses: dict) -> torch.Tensor:
    """Sum of the terms whose name holds ``'loss'`` (mmengine's rule)."""
    return sum(v for k, v in losses.items() if 'loss' in k)


def plain_inputs(model, batch: dict, ctx: PlainContext):
    """Stack, BGR->RGB and normalise by hand."""
    pre = model.data_preprocessor
    x = torch.stack(batch['inputs']).to(ctx.device).float()[:, [2, 1, 0]]
    x = (x - pre.mean) / pre.std
    if ctx.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    samples = [s.to(ctx.device) for s in batch['data_samples']]
    return x, samples


@plain_step('baseline')
def baseline_plain_step(model, batch, ctx):
    x, samples = plain_inputs(model, batch, ctx)
    with ctx.autocast():
        loss = total_loss(model.loss(x, samples))
    ctx.step(loss, ['model'])


@plain_step('crgan_stage1')
def crgan_pretrain_plain_step(model, batch, ctx):
    x, samples = plain_inputs(model, batch, ctx)
    split = model.split_pairs(x, samples, need_masks=False)
    d_id = model.identity_discriminator
    with ctx.autocast():
        loss = total_loss(d_id.loss(split['source_inputs'],
                                    split['source_samples']))
    ctx.step(loss, ['identity_discriminator'])
    if model.loss_cam is not None:
        with ctx.autocast():
            loss = total_loss(model.camera_losses(split))
        ctx.step(loss, ['camera_discriminator'])


@plain_step('crgan_stage2')
def crgan_gan_plain_step(model, batch, ctx):
    x, samples = plain_inputs(model, batch, ctx)
    split = model.split_pairs(x, samples)
    with torch.no_grad():
        fake = model.render(split)['fake']
    with ctx.autocast():
        loss_d = total_loss(model.discriminator_losses(split, fake))
    ctx.step(loss_d, ['discriminator'])
    set_requires_grad(model.discriminators, False)
    steps = model.num_generator_steps(MessageHub.get_current_instance()
                                      .get_info('iter', 0))
    for _ in range(steps):
        split = model.split_pairs(x, samples)
        with ctx.autocast():
            losses = model.generator_losses(split, model.render(split))
        ctx.step(total_loss(losses), ['generator'])
    set_requires_grad(model.discriminators, True)


@plain_step('crgan_stage3')
def crgan_finetune_plain_step(model, batch, ctx):
    x, samples = plain_inputs(model, batch, ctx)
    renderer = model.finetune_cfg['renderer']
    split = model.split_pairs(x, samples, need_masks=renderer != 'source')
    images = model.finetune_images(split)
    with ctx.autocast():
        loss = total_loss(model.identity_discriminator.loss(
            images, split['source_samples']))
    ctx.step(loss, ['identity_discriminator'])


@plain_step('dgnet', 'dgnet_refcode')
def dgnet_plain_step(model, batch, ctx):
    x, samples = plain_inputs(model, batch, ctx)
    with ctx.autocast():
        outs = model.generate(x, samples)
        loss_d = total_loss(model.discriminator_losses(outs))
    ctx.step(loss_d, ['discriminator'])
    set_requires_grad(model.discriminators, False)
    with ctx.autocast():
        loss_g = total_loss(model.generator_losses(outs))
    ctx.step(loss_g, list(GENERATOR_KEYS))
    set_requires_grad(model.discriminators, True)


@plain_step('slsr_dcgan')
def dcgan_plain_step(model, batch, ctx):
    x, _ = plain_inputs(model, batch, ctx)
    with ctx.autocast():
        loss_d = total_loss(model.discriminator_losses(x))
    ctx.step(loss_d, ['discriminator'])
    set_requires_grad(model.discriminators, False)
    for _ in range(model.generator_steps):
        with ctx.autocast():
            loss_g = total_loss(model.generator_losses(x.size(0)))
        ctx.step(loss_g, ['generator'])
    set_requires_grad(model.discriminators, True)


def measure(name: str, args: argparse.Namespace) -> dict:
    """``train_step`` and the plain loop of one of ``BENCHMARK_MODELS``
    in float32 (and ``train_step`` under ``--amp`` wrappers with
    ``args.amp``), on ``args.batch_size`` random images.

    Returns:
        dict: ``config``, ``stage``, ``input_size`` and ``times``
        (seconds per iteration of each timed block, by path).
    """
    _, config, stage, pairs, key = BENCHMARK_MODELS[name]
    cfg = without_pretrained(
        load_config(config, stage=stage, work_dir='/tmp/benchmark_train'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model.to_dict()).to(args.device).train()
    optim_wrapper = build_optim_wrappers(model, cfg)
    ctx = PlainContext(torch_optimizers(optim_wrapper), args.device,
                       'float32', False)
    h, w = cfg.get('img_scale', (256, 128))
    batch = fake_batch(args.batch_size, h, w, 8, pairs)
    start_iteration_info()
    paths = dict(
        train_step=lambda: model.train_step(batch, optim_wrapper),
        plain_loop=lambda: PLAIN_STEPS[key](model, batch, ctx))
    if args.amp:
        amp_wrapper = build_optim_wrappers(model, cfg, True, args.amp_dtype)
        paths['train_step_amp'] = lambda: model.train_step(
            batch, amp_wrapper)
    times = interleaved_times(paths, args.iters, args.repeats, 1,
                              args.device)
    return dict(config=config, stage=stage, input_size=(h, w), times=times)


def report(args: argparse.Namespace) -> Iterator[str]:
    """Measure ``args.models``; yield the lines to print.

    Args:
        args (argparse.Namespace): ``models`` (keys of
            ``BENCHMARK_MODELS``), ``batch_size``, ``iters``, ``repeats``,
            ``device``, ``amp`` and ``amp_dtype``, as
            ``tools/analysis_tools/benchmark_train.py`` parses them.

    Yields:
        str: The times of each model's paths, then the ratios.
    """
    register_all_modules()
    ratios = {}
    for name in BENCHMARK_MODELS:
        if name not in args.models:
            continue
        title = BENCHMARK_MODELS[name][0]
        result = measure(name, args)
        h, w = result['input_size']
        yield (f'{title}: {result["config"]} [{result["stage"]}] input '
               f'{h}x{w}, batch {args.batch_size}, device {args.device}')
        for key, values in result['times'].items():
            yield (f'  {key:<15}: ' + ', '.join(f'{t:.3f}' for t in values)
                   + ' s/iter')
        median = {k: statistics.median(v)
                  for k, v in result['times'].items()}
        ratios[title] = dict(
            plain=median['train_step'] / median['plain_loop'])
        if args.amp:
            ratios[title]['amp'] = \
                median['train_step_amp'] / median['train_step']
    for title, ratio in ratios.items():
        yield (f'ratio train_step/plain, {title}: {ratio["plain"]:.3f} '
               '(goal <= 1.1)')
        if 'amp' in ratio:
            yield (f'ratio train_step --amp/float32, {title}: '
                   f'{ratio["amp"]:.3f}')
