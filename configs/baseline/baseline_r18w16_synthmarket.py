# Small CPU version of baseline_r50_market.py on the synthetic benchmark:
# only sizes change (backbone depth/width, image size, iterations).
_base_ = ['./baseline_r50_market.py', '../_base_/datasets/synthreid.py']

model = dict(
    backbone=dict(
        depth=18, stem_channels=16, base_channels=16, init_cfg=None),
    head=dict(in_channels=128, num_classes=100))

train_dataloader = _base_.synthmarket_train_dataloader
test_dataloader = _base_.synthmarket_test_dataloader
val_dataloader = test_dataloader

max_iters = 1200
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=100),
    dict(type='MultiStepLR', by_epoch=False, milestones=[800, 1100],
         gamma=0.1),
]
default_hooks = dict(
    logger=dict(interval=100), checkpoint=dict(interval=max_iters))
