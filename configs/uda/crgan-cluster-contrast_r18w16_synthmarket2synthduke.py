# CR-GAN followed by pseudo-label adaptation (the hybrid of CR-GAN's
# Table 6, with Cluster Contrast in place of TAUDL), on the synthetic
# benchmark: ClusterContrastStage adapts CR-GAN's stage III model to
# unlabelled synthduke.
#   python tools/train.py configs/uda/crgan-cluster-contrast_r18w16_synthmarket2synthduke.py
# Stages: CR-GAN's six (as configs/crgan/crgan_r18w16_synthmarket2synthduke.py,
# so a run of that config shares them), then uda and test_uda
# (<work_dir>/test_uda/metrics.json). Clustering per epoch:
# <work_dir>/uda/clustering.json.
_base_ = [
    '../crgan/crgan_r18w16_synthmarket2synthduke.py',
    './_base_/cluster_contrast_synth.py',
]

# The weights the adaptation starts from.
uda_start = '{work_dir}/stage3_finetune/final.pth'
stages = dict(
    uda=dict(
        type='ClusterContrastStage',
        checkpoint='${uda_start}',
        reid_model='identity_discriminator',
        target_data='${target_data}',
        train_pipeline='${uda_train_pipeline}',
        cluster='${uda_cluster}',
        memory='${uda_memory}',
        batch_size='${uda_batch_size}',
        num_instances='${uda_num_instances}',
        num_workers='${num_workers}',
        cfg=dict(
            # CR-GAN trains D_id in this mode (stage III's).
            model=dict(train_stage='finetune'),
            train_cfg=dict(max_epochs='${uda_epochs}',
                           iters_per_epoch='${uda_iters_per_epoch}'),
            # The stage saves after every epoch (not a fraction of a run).
            default_hooks=dict(checkpoint=dict(interval=1)),
            optim_wrapper='${uda_optim_wrapper}',
            param_scheduler=[
                dict(type='MultiStepLR', by_epoch=True, gamma=0.1,
                     milestones='${uda_lr_milestones}'),
            ])),
    test_uda=dict(type='test',
                  cfg=dict(load_from='{work_dir}/uda/final.pth')),
)
