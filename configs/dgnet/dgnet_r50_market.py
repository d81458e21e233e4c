# DG-Net (Zheng et al., "Joint Discriminative and Generative Learning for
# Person Re-identification", CVPR 2019) on Market-1501, the paper's setting
# (Sec. 3.3, 4.1) with the architecture of the reference code
# (NVlabs/DG-Net, configs/latest.yaml). The whole pipeline runs with
#   python tools/train.py configs/dgnet/dgnet_r50_market.py
# Stages (each in <work_dir>/<name>/, skipped once done; run one alone with
# --cfg-options only_stage=<name>):
#   teacher       trains the teacher, a ReIDBaseline (Sec. 3.2)
#   dgnet         trains DG-Net with the teacher's soft labels
#   test_teacher, test_prim, test_fine, test_both   Table 3's four rows
# A teacher you already have: copy it to <work_dir>/teacher/final.pth and
# touch <work_dir>/teacher/done, or run only the dgnet stage with
#   --cfg-options only_stage=dgnet model.teacher_ckpt=PATH
# Reference-code behaviour instead of the paper's: dgnet-refcode_r50_market.py
_base_ = [
    '../_base_/models/baseline_r50.py',
    '../_base_/datasets/market1501.py',
    '../_base_/default_runtime.py',
]
runner_type = 'PipelineRunner'

# dataset_type, data_root, num_classes, crop_padding and the ImageNet
# weights (pretrained) are the bases'.
num_train_images = 12936  # bounding_box_train ("train_all")
# The baseline's backbone (ResNet-50, last stride 1), shared by the teacher
# and E_a.
backbone = _base_.model.backbone

# The test loader of reid_test.py, with the reference's bicubic resize.
test_pipeline = [
    dict(type='LoadReIDImage', cache_mb='${image_cache_mb}'),
    dict(type='ReIDResize', scale='${img_scale}', interpolation='bicubic'),
    dict(type='PackReIDInputs'),
]
val_dataloader = '${test_dataloader}'
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# The reference scores with dot products of normalised features and the
# Market-1501 (trapezoid) AP; ap_mode='standard' gives the usual AP.
test_evaluator = dict(metric='cosine', ap_mode='trapezoid')
val_evaluator = '${test_evaluator}'

# ---------------------------------------------------------------------------
# The teacher: "a baseline CNN trained with identification loss on the
# original training set" (Sec. 3.2). Like the reference's teacher: the
# baseline with average pooling, dropout 0.5 before the classifier, plain
# cross-entropy; SGD lr 0.05 on the classifier and 0.005 on the backbone,
# 60 epochs of batch 32, x0.1 after 40 (the reference trains it with
# layumi/Person_reID_baseline_pytorch; its 512-d bottleneck is the
# project's BN-neck here). Its last stride is 1 like E_a's (the reference
# reads it from the teacher's own options, default 2), so the baseline and
# E_a share one backbone.
teacher = dict(
    _base_.model,
    backbone='${backbone}',
    head=dict(
        _base_.model.head,
        dropout=0.5,
        loss_cls=dict(type='CrossEntropyLoss'),
        loss_triplet=None))
# The dataset base's training loader and pipeline, in random order, with
# the reference's bicubic resize and without random erasing.
train_batch_size = 32
train_pipeline = [
    dict(type='LoadReIDImage', cache_mb='${image_cache_mb}',
         skip_bad_images='${skip_bad_images}'),
    dict(type='ReIDResize', scale='${img_scale}', interpolation='bicubic'),
    dict(type='ReIDRandomFlip', prob=0.5),
    dict(type='PadRandomCrop', padding='${crop_padding}'),
    dict(type='PackReIDInputs'),
]
teacher_train_dataloader = dict(
    _base_.train_dataloader,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
teacher_optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.005, momentum=0.9, weight_decay=5e-4,
                   nesterov=True),
    paramwise_cfg=dict(custom_keys={'head.classifier': dict(lr_mult=10.0)}))

# ---------------------------------------------------------------------------
# DG-Net, the pipeline's model.
# E_a: ResNet-50, last stride 1, 2048 x 4 x 1 max-pooled code, two 512-d
# heads (dropout 0.5 / 0.75); E_s: gray input, 128 x 64 x 32 code; G: 4
# AdaIN residual blocks, 2 up-samplings; D: 3-scale PatchGAN (App. A).
# It replaces the baseline model of the bases (the teacher above).
model = dict(
    _delete_=True,
    type='DGNet',
    data_preprocessor=dict(type='ReIDDataPreprocessor'),
    appearance_encoder=dict(
        type='DGNetAppearanceEncoder',
        backbone='${backbone}',
        in_channels=2048,
        num_stripes=4,
        num_classes='${num_classes}',
        feat_dim=512,
        dropout_prim=0.5,
        dropout_fine=0.75),
    structure_encoder=dict(
        type='DGNetStructureEncoder', in_channels=1, base_channels=16,
        num_downsample=2, num_res=4, aspp=True, aspp_dilations=(3, 6, 9)),
    decoder=dict(
        type='DGNetDecoder', in_channels=128, code_dim=8192, num_res=4,
        num_upsample=2, mlp_dim=512),
    discriminator=dict(
        type='DGNetDiscriminator', base_channels=32, num_layers=2,
        num_res=4, num_scales=3),
    teacher='${teacher}',
    teacher_ckpt='{work_dir}/teacher/final.pth',
    # Eq. (10): l_img = 5, l_id = 0.5, l_prim = 2, l_fine = 0.2 l_prim
    # (the last two ramped by DGNetLossRampHook below).
    loss_img_recon=dict(type='DGNetReconLoss', loss_weight=5.0),
    loss_img_recon_pos=dict(type='DGNetReconLoss', loss_weight=5.0),
    loss_code_app=dict(type='DGNetReconLoss', loss_weight=1.0),
    loss_code_struct=dict(type='DGNetReconLoss', loss_weight=1.0),
    loss_id=dict(type='CrossEntropyLoss'),
    loss_id_gen=dict(type='CrossEntropyLoss', loss_weight=0.5),
    loss_adv=dict(type='LSGANLoss', loss_weight=1.0),
    loss_disc=dict(type='LSGANLoss', loss_weight=1.0),
    loss_r1=dict(type='DGNetR1Penalty', loss_weight=0.01),
    loss_prim=dict(type='SoftLabelLoss', mode='kl', loss_weight=2.0),
    loss_fine=dict(type='CrossEntropyLoss', loss_weight=0.2 * 2.0),
    loss_cycle=None,
    # The paper's meaning where the reference code departs from it
    # (configs/dgnet/README.md, "Paper or reference code").
    detach_appearance_code=False,
    reencode='live',
    fine_on_real=False,
    teacher_bn='eval',
    erasing_prob=0.5,
    direction_sum=True,
    # f_prim and f_fine concatenated with beta = 0.5 (Sec. 4.3), flip TTA.
    test_cfg=dict(feature='both', flip=True, fine_weight=0.5))

# The teacher's loader with 8 "a" + 8 "b" anchors, each with a
# same-identity image (32 real images), and edge padding.
train_dataloader = dict(
    drop_last=True,
    sampler=dict(_delete_=True, type='PositivePairSampler'),
    dataset=dict(
        pipeline=[
            dict(type='LoadReIDImage', cache_mb='${image_cache_mb}',
                 skip_bad_images='${skip_bad_images}'),
            dict(type='ReIDResize', scale='${img_scale}',
                 interpolation='bicubic'),
            dict(type='ReIDRandomFlip', prob=0.5),
            dict(type='PadRandomCrop', padding='${crop_padding}',
                 padding_mode='edge'),
            dict(type='PackReIDInputs'),
        ]))
adam = dict(type='Adam', lr=1e-4, betas=(0.0, 0.999), weight_decay=5e-4)
optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    # SGD for E_a, 10x on the two heads (Sec. 4.1 (v)).
    appearance_encoder=dict(
        optimizer=dict(type='SGD', lr=0.002, momentum=0.9,
                       weight_decay=5e-4, nesterov=True),
        paramwise_cfg=dict(custom_keys={
            'head_prim': dict(lr_mult=10.0),
            'head_fine': dict(lr_mult=10.0)
        })),
    structure_encoder=dict(optimizer=adam),
    decoder=dict(optimizer=adam),
    discriminator=dict(optimizer=adam))
# x0.1 at 60k and 90k for every optimiser (the reference's multistep
# policy; its third step, 105k, is past the end).
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones_ratio=[0.6, 0.9],
         gamma=0.1),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=100000,
                 val_interval_ratio=1.0)
# The re-id losses on generated images join at 30k and reach their weight
# at 34k of 100k iterations (Sec. 3.3): fractions of the run.
dgnet_ramps = dict(prim=(0.30, 0.34), fine=(0.30, 0.34))
custom_hooks = [
    dict(type='LossGuardHook'),
    dict(type='DGNetLossRampHook', ramps_ratio='${dgnet_ramps}'),
]

# ---------------------------------------------------------------------------
stages = dict(
    teacher=dict(
        type='train',
        cfg=dict(
            model='${teacher}',
            train_dataloader='${teacher_train_dataloader}',
            optim_wrapper='${teacher_optim_wrapper}',
            param_scheduler=[
                dict(type='MultiStepLR', by_epoch=False,
                     milestones_ratio=[2 / 3], gamma=0.1),
            ],
            # 60 epochs of the training set at the loader's batch size.
            train_cfg=dict(max_iters=None, max_epochs=60,
                           num_images='${num_train_images}'),
            custom_hooks=[dict(type='LossGuardHook')])),
    dgnet=dict(
        type='train',
        cfg=dict(default_hooks=dict(checkpoint=dict(interval=10000)))),
    # Table 3: the teacher (baseline), f_prim, f_fine and both.
    test_teacher=dict(
        type='test',
        cfg=dict(model='${teacher}',
                 load_from='{work_dir}/teacher/final.pth')),
    test_prim=dict(
        type='test',
        cfg=dict(model=dict(test_cfg=dict(feature='prim')),
                 load_from='{work_dir}/dgnet/final.pth')),
    test_fine=dict(
        type='test',
        cfg=dict(model=dict(test_cfg=dict(feature='fine')),
                 load_from='{work_dir}/dgnet/final.pth')),
    test_both=dict(
        type='test',
        cfg=dict(load_from='{work_dir}/dgnet/final.pth')),
)
test_stage = 'test_both'
