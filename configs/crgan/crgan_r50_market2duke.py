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
# One stage alone: --cfg-options only_stage=stage2_gan. A stage's setting:
#   --cfg-options stages.stage2_gan.cfg.train_cfg.max_iters=1000
# (its schedule follows: milestones are fractions of max_iters).
# Test: python tools/test.py configs/crgan/crgan_r50_market2duke.py \
#           <work_dir>/stage3_finetune/final.pth  [--cfg-options
#           model.test_cfg.lmp=True]
# Choices the paper leaves open are listed in configs/crgan/README.md.
# '${name}' refers to the variable `name` (mmreidgen/config/references.py).
_base_ = [
    '../_base_/datasets/reid_test.py',
    '../_base_/models/resnet50.py',
    '../_base_/default_runtime.py',
]

runner_type = 'PipelineRunner'

# ------------------------------------------------------------------ data
img_scale = (224, 112)  # (height, width), Supp. 6.1
num_pairs = 32  # (source, target) pairs per batch: "mini-batch size of 32"
source_data = dict(type='Market1501', data_root='data/market1501')
target_data = dict(type='DukeMTMCReID', data_root='data/dukemtmc-reid')
num_source_ids = 751
num_target_cameras = 8

# Person masks (<data_root>/masks/...) are required: X'_T needs M_T and the
# context loss M_S. Random flip is the only augmentation (Supp. 6.1).
pair_pipeline = [
    dict(type='LoadReIDImage', with_mask=True,
         cache_mb='${image_cache_mb}', skip_bad_images='${skip_bad_images}'),
    dict(type='ReIDResize', scale='${img_scale}'),
    dict(type='ReIDRandomFlip', prob=0.5),
    dict(type='PackReIDInputs'),
]
# Even batch positions: source X_S; odd: a random target X_T.
train_dataloader = dict(
    batch_size=2 * num_pairs,
    num_workers='${num_workers}',
    persistent_workers=True,
    drop_last=True,  # a 1-pair batch breaks batch norm
    sampler=dict(type='TwoDomainSampler'),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(type='${source_data.type}',
                 data_root='${source_data.data_root}', subset='train',
                 domain='source', with_mask=True,
                 pipeline='${pair_pipeline}'),
            dict(type='${target_data.type}',
                 data_root='${target_data.data_root}', subset='train',
                 domain='target', with_mask=True,
                 pipeline='${pair_pipeline}'),
        ]))
# Tested on the target (the test loader and metric of reid_test.py).
test_dataloader = dict(
    dataset=dict(datasets=[
        dict(type='${target_data.type}', data_root='${target_data.data_root}',
             subset=subset, pipeline='${test_pipeline}')
        for subset in ('query', 'gallery')
    ]))
test_cfg = dict(type='TestLoop')
# A further target test set (CR-GAN's other direction; here the source),
# evaluated beside the target by the stage test_targets and by
# tools/test.py, its metrics prefixed with the name: 'market/reid/mAP'
# (docs/en/evaluation.md). More sets: more entries in extra_test_sets;
# none: --cfg-options extra_test_sets=None.
extra_target_name = 'market'
extra_target = dict(type='Market1501', data_root='data/market1501')
extra_test_sets = [
    dict(name='${extra_target_name}',
         dataset=dict(
             type='ConcatDataset',
             datasets=[
                 dict(type='${extra_target.type}',
                      data_root='${extra_target.data_root}', subset=subset,
                      pipeline='${test_pipeline}')
                 for subset in ('query', 'gallery')
             ])),
]

# ----------------------------------------------------------------- model
model = dict(
    type='CRGAN',
    data_preprocessor=dict(type='ReIDDataPreprocessor'),
    generator=dict(
        type='CRGANGenerator', img_size='${img_scale}', base_channels=64,
        max_levels=7, dual_condition=True),
    # Linear patch scores for LSGAN; Table 9's sigmoid (output_act=
    # 'sigmoid') saturates and stops G's adversarial gradient (README.md).
    discriminator=dict(
        type='CRGANDomainDiscriminator', base_channels=128, noise_std=0.1,
        output_act=None),
    camera_discriminator=dict(
        type='CRGANCameraDiscriminator', num_classes='${num_target_cameras}',
        base_channels=64),
    # The re-id model: ResNet-50 from ImageNet weights (`pretrained`).
    identity_discriminator=dict(
        type='ReIDBaseline',
        backbone=_base_.resnet50,
        head=dict(
            type='ReIDHead',
            in_channels=2048,
            num_classes='${num_source_ids}',
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
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(
        type='CheckpointHook', interval=2000, by_epoch=False,
        max_keep_ckpts=2, save_last=True))
vis_interval = 1000  # GAN image grids of stage II
adam = dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999)))
reid_sgd = dict(type='SGD', momentum=0.9, weight_decay=5e-4, nesterov=True)
reid_paramwise = dict(custom_keys={'head.classifier': dict(lr_mult=10.0)})

stages = dict(
    stage1_pretrain=dict(
        type='train',
        cfg=dict(
            model=dict(train_stage='pretrain'),
            optim_wrapper=dict(
                constructor='MultiOptimWrapperConstructor',
                identity_discriminator=dict(
                    optimizer=dict(reid_sgd, lr=0.01),
                    paramwise_cfg=reid_paramwise),
                camera_discriminator=adam),
            param_scheduler=dict(
                identity_discriminator=[
                    dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                         begin=0, end_ratio=1 / 30),
                    dict(type='MultiStepLR', by_epoch=False, gamma=0.1,
                         milestones_ratio=[2 / 3]),
                ],
                camera_discriminator=[]),
            train_cfg=dict(type='IterBasedTrainLoop',
                           max_iters=30000))),  # Supp. 6.1
    test_direct_transfer=dict(
        type='test',
        cfg=dict(load_from='{work_dir}/stage1_pretrain/final.pth')),
    stage2_gan=dict(
        type='train',
        cfg=dict(
            model=dict(train_stage='gan'),
            load_from='{work_dir}/stage1_pretrain/final.pth',
            optim_wrapper=dict(
                constructor='MultiOptimWrapperConstructor',
                generator=adam, discriminator=adam),
            # Constant for the first half, then linearly to 0 (Sec. 4.1).
            param_scheduler=[
                dict(type='LinearLR', start_factor=1.0, end_factor=0.0,
                     by_epoch=False, begin_ratio=0.5, end_ratio=1.0),
            ],
            train_cfg=dict(type='IterBasedTrainLoop',
                           max_iters=60000),  # Supp. 6.1
            custom_hooks=[
                dict(type='LossGuardHook'),
                dict(type='GANImageGridHook', interval='${vis_interval}',
                     max_pairs=8),
            ])),
    stage3_finetune=dict(
        type='train',
        cfg=dict(
            model=dict(train_stage='finetune'),
            load_from='{work_dir}/stage2_gan/final.pth',
            optim_wrapper=dict(
                constructor='MultiOptimWrapperConstructor',
                identity_discriminator=dict(
                    optimizer=dict(reid_sgd, lr=0.001),
                    paramwise_cfg=reid_paramwise)),
            param_scheduler=[
                dict(type='MultiStepLR', by_epoch=False, gamma=0.1,
                     milestones_ratio=[2 / 3]),
            ],
            train_cfg=dict(type='IterBasedTrainLoop',
                           max_iters=30000))),  # not given in the paper
    test=dict(
        type='test',
        cfg=dict(load_from='{work_dir}/stage3_finetune/final.pth')),
    # The tested model (test_stage) on the target and every extra set:
    # one metrics.json with all of them.
    test_targets=dict(
        type='test',
        cfg=dict(load_from='{work_dir}/${test_stage}/final.pth',
                 test_cfg=dict(type='MultiTestLoop',
                               extra_test_sets='${extra_test_sets}'))),
)
# tools/test.py evaluates with the stage III model config.
test_stage = 'stage3_finetune'
