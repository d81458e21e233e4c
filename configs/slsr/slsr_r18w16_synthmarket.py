
_base_ = ['./slsr_r50_market.py']

# The synthetic benchmark's root, as in every synthetic config:
# `make demo` renders it, or
#   python tools/dataset_converters/make_synthetic_reid.py --out data/synthreid_v2
synth_root = 'data/synthreid_v2'
data_root = '${synth_root}/synthmarket'
img_scale = (64, 32)
crop_padding = 4
num_workers = 0  # as in baseline_r18w16_synthmarket.py, which says why
image_cache_mb = 256
num_classes = 100
model = dict(
    backbone=dict(depth=18, stem_channels=16, base_channels=16,
                  init_cfg=None),
    head=dict(in_channels=128))

num_train_images = 896  # synthmarket bounding_box_train (benchmark v2)
num_generated = 800  # about the Market ratio 12000 / 12936

# Trained from scratch (the full configs start from ImageNet): lr 0.05
# instead of 0.01, as configs/baseline/baseline_r18w16_synthmarket.py;
# 40 epochs, x0.1 after 30.
optim_wrapper = dict(optimizer=dict(lr=0.05))
train_cfg = dict(max_epochs=40)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones_ratio=[30 / 40],
         gamma=0.1),
]
default_hooks = dict(
    logger=dict(interval=100), checkpoint=dict(interval=1000))

gan_size = (64, 32)
gan_scale = (64, 32)
gan_model = dict(
    generator=dict(base_channels=64), discriminator=dict(base_channels=8))
gan_train_cfg = dict(max_epochs=60)
gan_train_dataloader = dict(batch_size=32)
stages = dict(
    stage2_cluster=dict(feature_batch_size=64),
    stage5_finetune=dict(cfg=dict(
        param_scheduler=[
            dict(type='MultiStepLR', by_epoch=False,
                 milestones_ratio=[30 / 40], gamma=0.1),
        ],
        train_cfg=dict(max_epochs=40))),
)
