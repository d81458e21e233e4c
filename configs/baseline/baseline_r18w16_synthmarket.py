# Small CPU version of baseline_r50_market.py on the synthetic benchmark:
# only sizes change (backbone depth/width, image size, iterations).
_base_ = ['./baseline_r50_market.py']

# The synthetic benchmark's root, one name in every synthetic config:
# `make demo` renders it, or
#   python tools/dataset_converters/make_synthetic_reid.py --out data/synthreid_v2
synth_root = 'data/synthreid_v2'
data_root = '${synth_root}/synthmarket'
img_scale = (64, 32)
crop_padding = 4
train_batch_size = 32
# Loading in the main process from decoded images kept in memory: on 2
# cores faster than 2 workers (docs/en/benchmarks.md, "Data loading").
# Until 2026-12-01 the small configs used num_workers = 2, which draws other
# augmentations: pass --cfg-options num_workers=2 to reproduce results
# dated before.
num_workers = 0
image_cache_mb = 256
num_classes = 100
model = dict(
    backbone=dict(depth=18, stem_channels=16, base_channels=16,
                  init_cfg=None),  # from scratch
    head=dict(in_channels=128))

train_cfg = dict(max_iters=1200)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end_ratio=1 / 12),
    dict(type='MultiStepLR', by_epoch=False, milestones_ratio=[2 / 3, 11 / 12],
         gamma=0.1),
]
default_hooks = dict(
    logger=dict(interval=100), checkpoint=dict(interval_ratio=1.0))
