# Cluster Contrast (Dai et al., "Cluster Contrast for Unsupervised Person
# Re-Identification", 2021) as the stage ClusterContrastStage
# (mmreidgen/stages/pseudo_label_stages.py): its knobs, each with its
# source. A method config adds the stages `uda` (adaptation) and
# `test_uda` (the adapted model on the target test set) after the stage
# whose weights it starts from (`uda_start`); see configs/uda/README.md.

# Clustering: DBSCAN on k-reciprocal Jaccard distances, outliers left out.
uda_cluster = dict(
    eps=0.6,  # Cluster Contrast Sec. 4.2: max. neighbour distance
    min_samples=4,  # the authors' DBSCAN setting (min. neighbours)
    k1=30,  # Jaccard distance as in SpCL / Cluster Contrast: k1 = 30
    k2=6)  # and k2 = 6 (Zhong et al.'s local query expansion)
# The cluster memory: momentum 0.1 and temperature 0.05 (Sec. 4.2).
uda_memory = dict(type='ClusterMemoryLoss', momentum=0.1, temperature=0.05)
# Batches of 256 images, 16 per pseudo identity (Sec. 4.2).
uda_batch_size = 256
uda_num_instances = 16
# 50 epochs; iterations per epoch: the paper gives none, the authors'
# published commands use 200 for Market-1501 and DukeMTMC-reID (400 for
# MSMT17).
uda_epochs = 50
uda_iters_per_epoch = 200
# Adam, learning rate 3.5e-4, weight decay 5e-4, divided by 10 every 20
# epochs (Sec. 4.2).
uda_optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=3.5e-4, weight_decay=5e-4))
uda_lr_milestones = [20, 40]
# Augmentation of Sec. 4.2: flip, 10-pixel padding with random crop and
# random erasing (at 256x128; the crop padding follows the image size).
uda_crop_padding = 10
uda_train_pipeline = [
    dict(type='LoadReIDImage', cache_mb='${image_cache_mb}',
         skip_bad_images='${skip_bad_images}'),
    dict(type='ReIDResize', scale='${img_scale}'),
    dict(type='ReIDRandomFlip', prob=0.5),
    dict(type='PadRandomCrop', padding='${uda_crop_padding}'),
    dict(type='RandomErasing', prob=0.5),
    dict(type='PackReIDInputs'),
]

# The stages a config appends to a pipeline whose model D_id it adapts
# (``stages = _base_.uda_stages``): adaptation from ``uda_start``, then
# its test.
uda_stages = dict(
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
