# The SLSR pipeline on Market-1501 without the re-id model, shared by
# slsr_r50_market.py and slsr_densenet121_market.py (which add the model
# base and slsr_head). Ainam et al., "Sparse Label Smoothing for
# Semi-supervised Person Re-Identification", IEEE Access 2019; numbers from
# Sec. 4-5 and the authors' code (docs/en/methods/slsr.md).
_base_ = [
    '../../_base_/datasets/market1501.py',
    '../../_base_/default_runtime.py',
]
runner_type = 'PipelineRunner'

# The baseline of the paper: identity classifier trained with plain
# cross-entropy (Eq. (6)), no metric loss; dropout 0.5 as the authors'
# ClassBlock. A config applies it: model = dict(head=_base_.slsr_head).
slsr_head = dict(
    dropout=0.5,
    loss_cls=dict(type='CrossEntropyLoss', label_smooth=0.0),
    loss_triplet=None)

num_train_images = 12936  # Market-1501 bounding_box_train
num_generated = 12000  # Table 4
train_batch_size = 32  # Sec. 5.2

# SGD, lr 0.01 (x10 on the classifier), momentum 0.9, weight decay 5e-4,
# lr x0.1 every 40 epochs; 60 epochs for the baseline, 130 for SLSR on
# real + generated images (the authors' train.py / sls_train.py). Epochs
# become iterations from num_images and the batch size
# (mmreidgen/config/references.py).
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True),
    paramwise_cfg=dict(custom_keys={'head.classifier': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones_ratio=[40 / 60],
         gamma=0.1),
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_epochs=60,
    num_images='${num_train_images}', val_interval_ratio=1.0)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# One DCGAN per cluster (Sec. 4.1): Adam 2e-4, beta1 0.5, batch 64,
# 30 epochs, G updated twice per D step; 128 x 128 images.
gan_size = 128  # or (height, width)
gan_model = dict(
    type='SLSRDCGAN',
    generator=dict(
        type='SLSRDCGANGenerator', noise_size=100, output_size='${gan_size}',
        base_channels=512, num_upsamples=4),
    discriminator=dict(
        type='SLSRDCGANDiscriminator', input_size='${gan_size}',
        base_channels=64, num_downsamples=4),
    generator_steps=2)
gan_scale = (128, 128)  # the DCGAN's training images, (height, width)
gan_adam = dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999)))
gan_optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=gan_adam,
    discriminator=gan_adam)
gan_train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30)
gan_train_dataloader = dict(
    batch_size=64,
    num_workers='${num_workers}',
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # data_root and ann_file are set per cluster by SLSRTrainGANStage.
    dataset=dict(
        type='ReIDListDataset',
        pipeline=[
            dict(type='LoadReIDImage', cache_mb='${image_cache_mb}',
                 skip_bad_images='${skip_bad_images}'),
            dict(type='ReIDResize', scale='${gan_scale}'),
            dict(type='PackReIDInputs'),
        ]))

# Every stage writes into <work_dir>/<name>/ and is skipped once done;
# run one alone with --cfg-options only_stage=<name>.
stages = dict(
    stage1_baseline=dict(type='train'),
    stage1_test=dict(
        type='test',
        cfg=dict(load_from='{work_dir}/stage1_baseline/final.pth')),
    stage1_test_rerank=dict(
        type='test',
        cfg=dict(load_from='{work_dir}/stage1_baseline/final.pth',
                 test_evaluator=dict(rerank=True))),
    # Clustering (Sec. 4.2, Table 1): k-means on the pooled last-stage
    # features of the baseline; silhouette for k = 2..5.
    stage2_cluster=dict(
        type='SLSRClusterStage',
        checkpoint='{work_dir}/stage1_baseline/final.pth',
        num_clusters=3,
        silhouette_ks=(2, 3, 4, 5),
        silhouette_pca_dim=2,
        feature_batch_size=128),
    stage3_gan=dict(
        type='SLSRTrainGANStage',
        cluster_dir='{work_dir}/stage2_cluster',
        cfg=dict(
            model='${gan_model}',
            optim_wrapper='${gan_optim_wrapper}',
            param_scheduler=None,
            train_cfg='${gan_train_cfg}',
            train_dataloader='${gan_train_dataloader}',
            custom_hooks=None)),
    # Generation: N images split evenly over the clusters.
    stage4_generate=dict(
        type='SLSRGenerateStage',
        cluster_dir='{work_dir}/stage2_cluster',
        gan_dir='{work_dir}/stage3_gan',
        gan_model='${gan_model}',
        num_generated='${num_generated}',
        generate_batch_size=256),
    # Fine-tuning with L_SLSR (Eq. (13)) on real + generated images.
    stage5_finetune=dict(
        type='SLSRFinetuneStage',
        generated_dir='{work_dir}/stage4_generate',
        loss_cls=dict(type='SLSRLoss'),
        cfg=dict(
            param_scheduler=[
                dict(type='MultiStepLR', by_epoch=False,
                     milestones_ratio=[40 / 130, 80 / 130, 120 / 130],
                     gamma=0.1),
            ],
            train_cfg=dict(
                max_epochs=130,
                num_images=['${num_train_images}', '${num_generated}']))),
    stage6_test=dict(
        type='test',
        cfg=dict(load_from='{work_dir}/stage5_finetune/final.pth')),
    stage6_test_rerank=dict(
        type='test',
        cfg=dict(load_from='{work_dir}/stage5_finetune/final.pth',
                 test_evaluator=dict(rerank=True))),
)
