"""What the GPU check measures: its settings, goals and configs."""
import os.path as osp

from mmengine.config import Config

from mmreidgen.apis import load_config
from mmreidgen.benchmarks.common import (
    SIZES,
)
from mmreidgen.benchmarks.train_speed import (
    without_pretrained,
)

PRECISIONS = ('float32', 'float16', 'bfloat16')
# Every precision in both memory formats, the three precisions first (what
# the time budget keeps when it cannot keep all six).
SETTINGS = tuple(f'{p}{cl}' for cl in ('', '_channels_last')
                 for p in PRECISIONS)
DRY_SETTINGS = ('float32', 'bfloat16_channels_last')
# Options whose default depends on --dry-run: (name, type, full-size
# default, dry-run default, help).
SCALED_OPTIONS = (
    ('budget', float, 440.0, 300.0, 'seconds for the whole check'),
    ('iters', int, 300, 2, 'iterations of each run'),
    ('warmup', int, 20, 0, 'run iterations before the steady state'),
    ('step_iters', int, 5, 1, 'iterations per timed block'),
    ('step_warmup', int, 1, 0,
     'untimed iterations per path before the blocks'),
    ('repeats', int, 3, 1, 'timed blocks per path'),
)
GOAL_RATIO = 1.05
GOAL_BUSY = 0.90
GOAL_MARKET_RERANK_S = 2.0
GNN_RERANK_MS = 9.4  # GNN re-ranking (Zhang et al. 2020), K40m, Market

# (num_query, num_gallery, num_ids, num_distractors) of the real datasets,
# the sizes of tools/analysis_tools/benchmark_eval.py.
EVAL_SIZES = {k: SIZES[k] for k in ('market', 'msmt')}
DRY_EVAL_SIZES = dict(market=(60, 300, 20, 30), msmt=(90, 600, 30, 0))


# -- the configs --------------------------------------------------------
# name: (full config, dry-run config, stage, fake-batch pairing).
TRAIN_SPECS = {
    'baseline': ('configs/baseline/baseline_r50_market.py',
                 'configs/baseline/baseline_r18w16_synthmarket.py', None,
                 'plain'),
    'crgan_stage1': ('configs/crgan/crgan_r50_market2duke.py',
                     'configs/crgan/crgan_r18w16_synthmarket2synthduke.py',
                     'stage1_pretrain', 'domains'),
    'crgan_stage2': ('configs/crgan/crgan_r50_market2duke.py',
                     'configs/crgan/crgan_r18w16_synthmarket2synthduke.py',
                     'stage2_gan', 'domains'),
    'crgan_stage3': ('configs/crgan/crgan_r50_market2duke.py',
                     'configs/crgan/crgan_r18w16_synthmarket2synthduke.py',
                     'stage3_finetune', 'domains'),
    'dgnet': ('configs/dgnet/dgnet_r50_market.py',
              'configs/dgnet/dgnet_r18w16_synthmarket.py', 'dgnet',
              'positives'),
    'dgnet_refcode': ('configs/dgnet/dgnet-refcode_r50_market.py',
                      'configs/dgnet/dgnet-refcode_r18w16_synthmarket.py',
                      'dgnet', 'positives'),
    'slsr_dcgan': ('configs/slsr/slsr_r50_market.py',
                   'configs/slsr/slsr_r18w16_synthmarket.py', 'stage3_gan',
                   'plain'),
}
TRAIN_LIST = 'train_list.txt'  # the SLSR DCGAN's "cluster": every image


def load_train_config(name: str, synth_root: str, work_dir: str,
                      dry_run: bool) -> Config:
    """The runnable training config of one entry of ``TRAIN_SPECS``.

    Random initialisation (no ImageNet or teacher file), the rendered set
    as training data, no validation, no checkpoints, no image-grid hooks.

    Args:
        name (str): A key of ``TRAIN_SPECS``.
        synth_root (str): The rendered set (``synthmarket``,
            ``synthduke``).
        work_dir (str): Work folder of the runner.
        dry_run (bool): The small synthetic variant of the config, batch 4
            and no dataloader workers.

    Returns:
        Config: Ready for ``ReIDRunner.from_cfg``.
    """
    full, small, stage, _ = TRAIN_SPECS[name]
    cfg = load_config(small if dry_run else full, stage=stage,
                      work_dir=work_dir)
    cfg.pop('stage', None)
    without_pretrained(cfg)
    cfg.load_from = None
    cfg.resume = False
    cfg.work_dir = work_dir
    cfg.experiment_name = name
    cfg.log_level = 'WARNING'
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.custom_hooks = []
    cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=10**6)
    cfg.default_hooks.pop('visualization', None)
    cfg.visualizer = dict(type='Visualizer', vis_backends=[])
    loader = cfg.train_dataloader
    if name == 'slsr_dcgan':
        loader.dataset.update(data_root=osp.join(synth_root, 'synthmarket'),
                              ann_file=TRAIN_LIST)
    else:
        point_to_synthetic(loader.dataset, synth_root)
    if dry_run:
        loader.update(batch_size=4, num_workers=0, persistent_workers=False)
        if loader.sampler.get('type') == 'IdentityBalancedSampler':
            loader.sampler.num_instances = 2
    return cfg


def point_to_synthetic(node, synth_root: str) -> None:
    """Every dataset of ``node`` reads the rendered set, in place: target
    domains ``synthduke``, the others ``synthmarket`` (both in the
    Market-1501 layout)."""
    if isinstance(node, dict):
        if 'data_root' in node and 'type' in node:
            domain = 'synthduke' if node.get('domain') == 'target' else \
                'synthmarket'
            node.update(type='Market1501',
                        data_root=osp.join(synth_root, domain))
        for value in node.values():
            point_to_synthetic(value, synth_root)
    elif isinstance(node, list):
        for value in node:
            point_to_synthetic(value, synth_root)


def input_size(cfg: Config) -> tuple:
    """(height, width) of the training images: the resize of the training
    pipeline."""

    def find(node):
        if isinstance(node, dict):
            if node.get('type') == 'ReIDResize':
                return node['scale']
            values = node.values()
        elif isinstance(node, (list, tuple)):
            values = node
        else:
            return None
        for value in values:
            found = find(value)
            if found is not None:
                return found
        return None

    scale = find(cfg.train_dataloader.to_dict()) or cfg.get(
        'img_scale', (256, 128))
    if isinstance(scale, int):
        scale = (scale, scale)
    return tuple(int(s) for s in scale)
