"""One training iteration: mmreidgen's ``train_step`` vs a plain loop.

For the CR-GAN stage II model and the DG-Net model of the full-size
configs, this measures in one run, on the same device and batch:

1. ``model.train_step(batch, optim_wrapper)``: the data preprocessor, the
   ``BaseGAN`` alternation, ``OptimWrapperDict`` updates, loss parsing and
   logging variables, as mmengine's loop calls it;
2. a hand-written PyTorch loop doing the same computation: manual
   normalisation, the same networks and loss terms, ``torch.optim``
   optimizers stepped directly.

The two are interleaved ``--repeats`` times; the ratio of the medians
(goal <= 1.1) is printed last. With ``--amp`` a third path,
``train_step`` with the optim wrappers ``tools/train.py --amp`` builds
(float16 + loss scale on GPU, bfloat16 autocast on CPU; ``--amp-dtype``
to choose), is interleaved too and its ratio to the float32
``train_step`` printed.

Example::

    python tools/analysis_tools/benchmark_train.py --batch-size 8
"""
import argparse
import copy
import statistics
import time

import torch
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper

from mmreidgen.apis import load_config
from mmreidgen.models.algorithms import set_requires_grad
from mmreidgen.registry import MODELS
from mmreidgen.utils import (
    drop_pretrained,
    enable_amp,
    register_all_modules,
)
from mmreidgen.utils.gpu_check import fake_batch, torch_optimizers


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', nargs='+', default=['crgan', 'dgnet'],
                        choices=['crgan', 'dgnet'])
    parser.add_argument('--batch-size', type=int, default=8,
                        help='images per batch (pairs x 2)')
    parser.add_argument('--iters', type=int, default=2,
                        help='iterations per timed block')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp', action='store_true',
                        help='also time train_step under --amp wrappers')
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'],
                        default=None)
    return parser.parse_args()


def no_pretrained(model_cfg: dict) -> dict:
    """No ImageNet weights and no DG-Net teacher file: random init."""
    drop_pretrained(model_cfg)
    if 'teacher_ckpt' in model_cfg:
        model_cfg['teacher_ckpt'] = None
    return model_cfg


def stage_cfg(config: str, name: str) -> Config:
    return load_config(config, stage=name, work_dir='/tmp/benchmark_train')


def plain_preprocess(model, batch: dict, device: str):
    """Stack, BGR->RGB and normalise by hand."""
    pre = model.data_preprocessor
    x = torch.stack(batch['inputs']).to(device).float()[:, [2, 1, 0]]
    x = (x - pre.mean) / pre.std
    samples = [s.to(device) for s in batch['data_samples']]
    return x, samples


# -- CR-GAN stage II --------------------------------------------------------
def crgan_plain_step(model, batch, opts, device):
    x, samples = plain_preprocess(model, batch, device)
    source, target = model.to_gan_space(x[0::2]), model.to_gan_space(x[1::2])
    src, tgt = samples[0::2], samples[1::2]
    split = dict(
        source=source, target=target,
        source_mask=torch.stack([s.mask for s in src]),
        target_mask=torch.stack([s.mask for s in tgt]),
        pid=torch.stack([s.gt_label for s in src]).long(),
        camid=torch.tensor([s.camid for s in tgt], device=device))
    gen = model.generator
    with torch.no_grad():
        fake = gen(source=source, target=target,
                   source_mask=split['source_mask'],
                   target_mask=split['target_mask'])['fake']
    d = model.discriminator
    loss_d = model.loss_adv(d(target), True, is_disc=True) + \
        model.loss_adv(d(fake), False, is_disc=True)
    opts['discriminator'].zero_grad()
    loss_d.backward()
    opts['discriminator'].step()
    set_requires_grad(model.discriminators, False)
    out = gen(source=source, target=target, source_mask=split['source_mask'],
              target_mask=split['target_mask'])
    losses = model.generator_losses(split, out)
    loss_g = sum(v for k, v in losses.items() if k.startswith('loss'))
    opts['generator'].zero_grad()
    loss_g.backward()
    opts['generator'].step()
    set_requires_grad(model.discriminators, True)


# -- DG-Net -------------------------------------------------------------------
def dgnet_plain_step(model, batch, opts, device):
    x, samples = plain_preprocess(model, batch, device)
    outs = model._generate(x, samples)
    real = outs['x'].detach().requires_grad_(True)
    d_real = model.discriminator(real)
    d_fake = model.discriminator(outs['x_cross'].detach())
    loss_d = (sum(model.loss_disc(o, True) for o in d_real) +
              sum(model.loss_disc(o, False) for o in d_fake) +
              model.loss_r1(d_real, real)) * model.direction_factor
    opts['discriminator'].zero_grad()
    loss_d.backward()
    opts['discriminator'].step()
    set_requires_grad(model.discriminators, False)
    losses = model.generator_losses(outs)
    loss_g = sum(v for k, v in losses.items() if k.startswith('loss'))
    for key in ('appearance_encoder', 'structure_encoder', 'decoder'):
        opts[key].zero_grad()
    loss_g.backward()
    for key in ('appearance_encoder', 'structure_encoder', 'decoder'):
        opts[key].step()
    set_requires_grad(model.discriminators, True)


def measure(args, name: str, config: str, stage: str, pairs: str,
            plain_step) -> dict:
    cfg = stage_cfg(config, stage)
    model_cfg = no_pretrained(copy.deepcopy(cfg.model.to_dict()))
    model = MODELS.build(model_cfg).to(args.device).train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    opts = torch_optimizers(optim_wrapper)
    amp_wrapper = None
    if args.amp:
        amp_cfg = Config(dict(optim_wrapper=cfg.optim_wrapper))
        enable_amp(amp_cfg, args.amp_dtype)
        amp_wrapper = build_optim_wrapper(model, amp_cfg.optim_wrapper)
    h, w = cfg.get('img_scale', (256, 128))
    num_ids = 8
    batch = fake_batch(args.batch_size, h, w, num_ids, pairs)
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 0)
    hub.update_info('max_iters', 10**6)

    def block(fn):
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(args.iters):
            fn()
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / args.iters

    def ours():
        model.train_step(batch, optim_wrapper)

    def plain():
        plain_step(model, batch, opts, args.device)

    def ours_amp():
        model.train_step(batch, amp_wrapper)

    paths = dict(train_step=ours, plain_loop=plain)
    if amp_wrapper is not None:
        paths['train_step_amp'] = ours_amp
    times = {key: [] for key in paths}
    for fn in paths.values():  # warm-up every path
        fn()
    for _ in range(args.repeats):
        for key, fn in paths.items():
            times[key].append(block(fn))
    print(f'{name}: {config} [{stage}] input {h}x{w}, batch '
          f'{args.batch_size}, device {args.device}')
    for key, values in times.items():
        print(f'  {key:<15}: ' + ', '.join(f'{t:.3f}' for t in values) +
              ' s/iter')
    median = {key: statistics.median(v) for key, v in times.items()}
    ratios = dict(plain=median['train_step'] / median['plain_loop'])
    if amp_wrapper is not None:
        ratios['amp'] = median['train_step_amp'] / median['train_step']
    return ratios


def main():
    args = parse_args()
    register_all_modules()
    torch.manual_seed(0)
    ratios = {}
    if 'crgan' in args.models:
        ratios['CR-GAN stage II'] = measure(
            args, 'CR-GAN stage II', 'configs/crgan/crgan_r50_market2duke.py',
            'stage2_gan', 'domains', crgan_plain_step)
    if 'dgnet' in args.models:
        ratios['DG-Net'] = measure(
            args, 'DG-Net', 'configs/dgnet/dgnet_r50_market.py', 'dgnet',
            'positives', dgnet_plain_step)
    for name, ratio in ratios.items():
        print(f'ratio train_step/plain, {name}: {ratio["plain"]:.3f} '
              '(goal <= 1.1)')
        if 'amp' in ratio:
            print(f'ratio train_step --amp/float32, {name}: '
                  f'{ratio["amp"]:.3f}')


if __name__ == '__main__':
    main()
