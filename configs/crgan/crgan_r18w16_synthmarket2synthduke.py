# Small CPU version of crgan_r50_market2duke.py on the synthetic benchmark
# (tools/dataset_converters/make_synthetic_reid.py): synthmarket ->
# synthduke. Only sizes change: 64x32 images, 16 pairs per batch, a
# ResNet-18 of width 16 as D_id, narrow G / D_d / D_cam, short stages.
#   python tools/dataset_converters/make_synthetic_reid.py --out data/synthreid
#   python tools/train.py configs/crgan/crgan_r18w16_synthmarket2synthduke.py
# Direct transfer: <work_dir>/test_direct_transfer/metrics.json;
# CR-GAN: <work_dir>/test/metrics.json.
_base_ = ['./crgan_r50_market2duke.py']

img_scale = (64, 32)
num_pairs = 16
num_workers = 2
synth_root = 'data/synthreid'
source_data = dict(type='Market1501', data_root=synth_root + '/synthmarket')
target_data = dict(type='Market1501', data_root=synth_root + '/synthduke')
num_source_ids = 100
num_target_cameras = 8

pair_pipeline = [
    dict(type='LoadReIDImage', with_mask=True),
    dict(type='ReIDResize', scale=img_scale),
    dict(type='ReIDRandomFlip', prob=0.5),
    dict(type='PackReIDInputs'),
]
test_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='ReIDResize', scale=img_scale),
    dict(type='PackReIDInputs'),
]
train_dataloader = dict(
    batch_size=2 * num_pairs,
    num_workers=num_workers,
    dataset=dict(datasets=[
        dict(**source_data, subset='train', domain='source', with_mask=True,
             pipeline=pair_pipeline),
        dict(**target_data, subset='train', domain='target', with_mask=True,
             pipeline=pair_pipeline),
    ]))
test_dataloader = dict(
    num_workers=num_workers,
    dataset=dict(datasets=[
        dict(**target_data, subset=subset, pipeline=test_pipeline)
        for subset in ('query', 'gallery')
    ]))

model = dict(
    generator=dict(img_size=img_scale, base_channels=8),
    discriminator=dict(base_channels=16),
    camera_discriminator=dict(num_classes=num_target_cameras,
                              base_channels=16),
    identity_discriminator=dict(
        backbone=dict(depth=18, stem_channels=16, base_channels=16,
                      init_cfg=None),
        head=dict(in_channels=128, num_classes=num_source_ids)))

# ---------------------------------------------------------------- stages
pretrain_iters = 800
gan_iters = 800
finetune_iters = 500


def _adam(lr=2e-4):
    return dict(optimizer=dict(type='Adam', lr=lr, betas=(0.5, 0.999)))


def _reid_sgd(lr):
    return dict(
        optimizer=dict(
            type='SGD', lr=lr, momentum=0.9, weight_decay=5e-4,
            nesterov=True),
        paramwise_cfg=dict(custom_keys={'head.classifier': dict(
            lr_mult=10.0)}))


def _loop(iters):
    return dict(type='IterBasedTrainLoop', max_iters=iters)


def _hooks(iters):
    return dict(
        logger=dict(type='LoggerHook', interval=50),
        checkpoint=dict(
            type='CheckpointHook', interval=iters, by_epoch=False,
            max_keep_ckpts=1, save_last=True))


stage1 = dict(
    name='stage1_pretrain', type='train',
    cfg=dict(
        model=dict(train_stage='pretrain'),
        optim_wrapper=dict(
            constructor='MultiOptimWrapperConstructor',
            identity_discriminator=_reid_sgd(0.05),
            camera_discriminator=_adam()),
        param_scheduler=dict(
            identity_discriminator=[
                dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                     begin=0, end=pretrain_iters // 12),
                dict(type='MultiStepLR', by_epoch=False, gamma=0.1,
                     milestones=[pretrain_iters * 2 // 3]),
            ],
            camera_discriminator=[]),
        train_cfg=_loop(pretrain_iters),
        default_hooks=_hooks(pretrain_iters)))
test_direct_transfer = dict(
    name='test_direct_transfer', type='test',
    cfg=dict(load_from='{work_dir}/stage1_pretrain/final.pth',
             train_dataloader=None))
stage2 = dict(
    name='stage2_gan', type='train',
    cfg=dict(
        model=dict(train_stage='gan'),
        load_from='{work_dir}/stage1_pretrain/final.pth',
        optim_wrapper=dict(
            constructor='MultiOptimWrapperConstructor',
            generator=_adam(), discriminator=_adam()),
        param_scheduler=[
            dict(type='LinearLR', start_factor=1.0, end_factor=0.0,
                 by_epoch=False, begin=gan_iters // 2, end=gan_iters),
        ],
        train_cfg=_loop(gan_iters),
        default_hooks=_hooks(gan_iters),
        custom_hooks=[
            dict(type='GANImageGridHook', interval=gan_iters // 5,
                 max_pairs=8),
        ]))
stage3 = dict(
    name='stage3_finetune', type='train',
    cfg=dict(
        model=dict(train_stage='finetune'),
        load_from='{work_dir}/stage2_gan/final.pth',
        optim_wrapper=dict(
            constructor='MultiOptimWrapperConstructor',
            identity_discriminator=_reid_sgd(0.005)),
        param_scheduler=[
            dict(type='MultiStepLR', by_epoch=False, gamma=0.1,
                 milestones=[finetune_iters * 2 // 3]),
        ],
        train_cfg=_loop(finetune_iters),
        default_hooks=_hooks(finetune_iters)))
test_final = dict(
    name='test', type='test',
    cfg=dict(load_from='{work_dir}/stage3_finetune/final.pth',
             train_dataloader=None))
stages = [stage1, test_direct_transfer, stage2, stage3, test_final]
