# CR-GAN (Chen, Zhu, Gong, ICCV 2019): Market-1501 -> DukeMTMC-reID.
# Algorithm 1 in one command, each stage in <work_dir>/<stage name>/:
#   python tools/train.py configs/crgan/crgan_r50_market2duke.py
# I   stage1_pretrain : D_id (ResNet-50) on source ids, D_cam on target cams
#     test_direct_transfer : D_id of stage I on the target test set
# II  stage2_gan      : G and D_d (Adam 2e-4, constant then linear to 0,
#                       G updated twice per iteration in the second half)
# III stage3_finetune : D_id fine-tuned on X_G = G(X_S, X_T) rendered on
#                       the fly from random pairs, labelled with the source id
#     test            : the stage III model on the target test set
# One stage alone: --cfg-options only_stage=stage2_gan.
# Test: python tools/test.py configs/crgan/crgan_r50_market2duke.py \
#           <work_dir>/stage3_finetune/final.pth  [--cfg-options
#           model.test_cfg.lmp=True]
# Choices the paper leaves open are listed in configs/crgan/README.md.
_base_ = ['../_base_/default_runtime.py']

runner_type = 'PipelineRunner'

# ------------------------------------------------------------------ data
img_scale = (224, 112)  # (height, width), Supp. 6.1
num_pairs = 32  # (source, target) pairs per batch: "mini-batch size of 32"
num_workers = 4
source_data = dict(type='Market1501', data_root='data/market1501')
target_data = dict(type='DukeMTMCReID', data_root='data/dukemtmc-reid')
num_source_ids = 751
num_target_cameras = 8

# Person masks (<data_root>/masks/...) are required: X'_T needs M_T and the
# context loss M_S. Random flip is the only augmentation (Supp. 6.1).
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
# Even batch positions: source X_S; odd: a random target X_T.
train_dataloader = dict(
    batch_size=2 * num_pairs,
    num_workers=num_workers,
    persistent_workers=True,
    drop_last=True,  # a 1-pair batch breaks batch norm
    sampler=dict(type='TwoDomainSampler'),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(**source_data, subset='train', domain='source',
                 with_mask=True, pipeline=pair_pipeline),
            dict(**target_data, subset='train', domain='target',
                 with_mask=True, pipeline=pair_pipeline),
        ]))
test_dataloader = dict(
    batch_size=128,
    num_workers=num_workers,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(**target_data, subset=subset, pipeline=test_pipeline)
            for subset in ('query', 'gallery')
        ]))
test_evaluator = dict(type='ReIDMetric', metric='euclidean')
test_cfg = dict(type='TestLoop')

# ----------------------------------------------------------------- model
# ImageNet ResNet-50 from a local file (nothing is downloaded).
pretrained = 'checkpoints/resnet50_imagenet.pth'
model = dict(
    type='CRGAN',
    data_preprocessor=dict(type='ReIDDataPreprocessor'),
    generator=dict(
        type='CRGANGenerator', img_size=img_scale, base_channels=64,
        max_levels=7, dual_condition=True),
    # Linear patch scores for LSGAN; Table 9's sigmoid (output_act=
    # 'sigmoid') saturates and stops G's adversarial gradient (README.md).
    discriminator=dict(
        type='CRGANDomainDiscriminator', base_channels=128, noise_std=0.1,
        output_act=None),
    camera_discriminator=dict(
        type='CRGANCameraDiscriminator', num_classes=num_target_cameras,
        base_channels=64),
    identity_discriminator=dict(
        type='ReIDBaseline',
        backbone=dict(
            type='mmpretrain.ResNet',
            depth=50,
            strides=(1, 2, 2, 1),
            out_indices=(3, ),
            init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
        head=dict(
            type='ReIDHead',
            in_channels=2048,
            num_classes=num_source_ids,
            loss_cls=dict(type='CrossEntropyLoss', label_smooth=0.1)),
        test_cfg=dict(flip=True, normalize=True)),
    # Eq. (8): lambda_adv = 2, lambda_id = lambda_cam = 1, lambda_con = 5.
    loss_adv=dict(type='LSGANLoss', loss_weight=2.0),
    loss_id=dict(type='CrossEntropyLoss', loss_weight=1.0),
    loss_cam=dict(type='CrossEntropyLoss', loss_weight=1.0),
    loss_con=dict(type='CRGANContextLoss', loss_weight=5.0),
    gan_cfg=dict(second_half_generator_steps=2),
    finetune_cfg=dict(renderer='generator', render_prob=1.0),
    test_cfg=dict(lmp=False, lmp_parts=6, lmp_reduce='mean'))

# ---------------------------------------------------------------- stages
pretrain_iters = 30000  # Supp. 6.1
gan_iters = 60000  # Supp. 6.1
finetune_iters = 30000  # not given in the paper
ckpt_interval = 2000
vis_interval = 1000


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
            type='CheckpointHook', interval=min(ckpt_interval, iters),
            by_epoch=False, max_keep_ckpts=2, save_last=True))


stage1 = dict(
    name='stage1_pretrain', type='train',
    cfg=dict(
        model=dict(train_stage='pretrain'),
        optim_wrapper=dict(
            constructor='MultiOptimWrapperConstructor',
            identity_discriminator=_reid_sgd(0.01),
            camera_discriminator=_adam()),
        param_scheduler=dict(
            identity_discriminator=[
                dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                     begin=0, end=pretrain_iters // 30),
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
        # Constant for the first half, then linearly to 0 (Sec. 4.1).
        param_scheduler=[
            dict(type='LinearLR', start_factor=1.0, end_factor=0.0,
                 by_epoch=False, begin=gan_iters // 2, end=gan_iters),
        ],
        train_cfg=_loop(gan_iters),
        default_hooks=_hooks(gan_iters),
        custom_hooks=[
            dict(type='GANImageGridHook', interval=vis_interval,
                 max_pairs=8),
        ]))
stage3 = dict(
    name='stage3_finetune', type='train',
    cfg=dict(
        model=dict(train_stage='finetune'),
        load_from='{work_dir}/stage2_gan/final.pth',
        optim_wrapper=dict(
            constructor='MultiOptimWrapperConstructor',
            identity_discriminator=_reid_sgd(0.001)),
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
# tools/test.py evaluates with the stage III model config.
test_stage = 'stage3_finetune'
