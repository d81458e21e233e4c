# SGD, warm-up then step decay; counted in iterations (about 120 epochs of
# Market-1501 at batch 64). Milestones are fractions of max_iters, so the
# schedule follows a changed train_cfg.max_iters.
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True),
    paramwise_cfg=dict(custom_keys={'head.classifier': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end_ratio=1 / 24),
    dict(type='MultiStepLR', by_epoch=False, milestones_ratio=[1 / 3, 2 / 3],
         gamma=0.1),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=24000,
                 val_interval_ratio=1.0)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
