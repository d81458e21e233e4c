# The SLSR pipeline on Market-1501 without the re-id model, shared by
# slsr_r50_market.py and slsr_densenet121_market.py (which add the
# backbone). Ainam et al., "Sparse Label Smoothing for Semi-supervised
# Person Re-Identification", IEEE Access 2019; numbers from Sec. 4-5 and
# the authors' code (docs/en/methods/slsr.md).
_base_ = [
    '../../_base_/datasets/market1501.py',
    '../../_base_/default_runtime.py',
]
runner_type = 'PipelineRunner'

num_train_images = 12936  # Market-1501 bounding_box_train
num_generated = 12000  # Table 4
batch_size = 32  # Sec. 5.2

# SGD, lr 0.01 (x10 on the classifier), momentum 0.9, weight decay 5e-4,
# lr x0.1 every 40 epochs; 60 epochs for the baseline, 130 for SLSR on
# real + generated images (the authors' train.py / sls_train.py).
iters_per_epoch = num_train_images // batch_size
max_iters = 60 * iters_per_epoch
slsr_iters_per_epoch = (num_train_images + num_generated) // batch_size
slsr_max_iters = 130 * slsr_iters_per_epoch

train_dataloader = dict(batch_size=batch_size)
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True),
    paramwise_cfg=dict(custom_keys={'head.classifier': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False,
         milestones=[40 * iters_per_epoch], gamma=0.1),
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

gan_size = 128  # DCGAN images are 128 x 128 (Sec. 4.1)
slsr = dict(
    # Clustering (Sec. 4.2, Table 1): k-means on the pooled last-stage
    # features of the baseline; silhouette for k = 2..5.
    num_clusters=3,
    silhouette_ks=(2, 3, 4, 5),
    silhouette_pca_dim=2,
    silhouette_sample_size=None,
    feature_batch_size=128,
    seed=0,
    # One DCGAN per cluster (Sec. 4.1): Adam 2e-4, beta1 0.5, batch 64,
    # 30 epochs, G updated twice per D step.
    gan=dict(
        model=dict(
            type='SLSRDCGAN',
            generator=dict(
                type='SLSRDCGANGenerator', noise_size=100,
                output_size=gan_size, base_channels=512, num_upsamples=4),
            discriminator=dict(
                type='SLSRDCGANDiscriminator', input_size=gan_size,
                base_channels=64, num_downsamples=4),
            generator_steps=2),
        optim_wrapper=dict(
            constructor='MultiOptimWrapperConstructor',
            generator=dict(
                optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
            discriminator=dict(
                optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999)))),
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=30),
        batch_size=64,
        pipeline=[
            dict(type='LoadReIDImage'),
            dict(type='ReIDResize', scale=(gan_size, gan_size)),
            dict(type='PackReIDInputs'),
        ]),
    # Generation: N images split evenly over the clusters.
    num_generated=num_generated,
    generate_batch_size=256,
    save_size=None,
    # Fine-tuning with L_SLSR (Eq. (13)) on real + generated images.
    loss_cls=dict(type='SLSRLoss'),
    finetune=dict(
        train_cfg=dict(max_iters=slsr_max_iters, val_interval=slsr_max_iters),
        param_scheduler=[
            dict(type='MultiStepLR', by_epoch=False,
                 milestones=[40 * slsr_iters_per_epoch,
                             80 * slsr_iters_per_epoch,
                             120 * slsr_iters_per_epoch],
                 gamma=0.1),
        ]),
)

# Every stage writes into <work_dir>/<name>/ and is skipped once done;
# run one alone with --cfg-options only_stage=<name>.
stages = [
    dict(name='stage1_baseline', type='train'),
    dict(name='stage1_test', type='test',
         cfg=dict(load_from='{work_dir}/stage1_baseline/final.pth')),
    dict(name='stage1_test_rerank', type='test',
         cfg=dict(load_from='{work_dir}/stage1_baseline/final.pth',
                  test_evaluator=dict(rerank=True))),
    dict(name='stage2_cluster', type='SLSRClusterStep',
         checkpoint='{work_dir}/stage1_baseline/final.pth'),
    dict(name='stage3_gan', type='SLSRTrainGANStep',
         cluster_dir='{work_dir}/stage2_cluster'),
    dict(name='stage4_generate', type='SLSRGenerateStep',
         cluster_dir='{work_dir}/stage2_cluster',
         gan_dir='{work_dir}/stage3_gan'),
    dict(name='stage5_finetune', type='SLSRFinetuneStep',
         generated_dir='{work_dir}/stage4_generate'),
    dict(name='stage6_test', type='test',
         cfg=dict(load_from='{work_dir}/stage5_finetune/final.pth')),
    dict(name='stage6_test_rerank', type='test',
         cfg=dict(load_from='{work_dir}/stage5_finetune/final.pth',
                  test_evaluator=dict(rerank=True))),
]
