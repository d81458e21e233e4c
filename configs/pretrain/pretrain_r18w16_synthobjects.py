# The ImageNet stand-in of the synthetic proofs: the small ResNet-18 of
# width 16 (as in configs/baseline/baseline_r18w16_synth*.py) trained to
# classify the generic object set of
# mmreidgen/datasets/synthetic/pretrain_set.py (200 classes, no people,
# none of the benchmark's cameras), with the baseline head (BN-neck,
# cross-entropy with label smoothing; no triplet loss). Its backbone then
# initialises a re-id model (configs/pretrain/README.md):
#   model.backbone.init_cfg="dict(_delete_=True, type='Pretrained',
#       prefix='backbone.',
#       checkpoint='work_dirs/pretrain_r18w16_synthobjects/iter_2496.pth')"
_base_ = [
    '../_base_/models/baseline_r50.py',
    '../_base_/datasets/reid_test.py',
    '../_base_/default_runtime.py',
]

data_root = 'data/synthobjects'
img_scale = (64, 64)  # (height, width) of the rendered images
num_classes = 200
train_batch_size = 64
test_batch_size = 256
num_workers = 2
pretrained = None

model = dict(
    backbone=dict(depth=18, stem_channels=16, base_channels=16,
                  init_cfg=None),  # from scratch, as ImageNet training
    head=dict(in_channels=128, loss_triplet=None))

train_pipeline = [
    dict(type='LoadReIDImage', cache_mb='${image_cache_mb}',
         skip_bad_images='${skip_bad_images}'),
    dict(type='ReIDResize', scale='${img_scale}'),
    dict(type='ReIDRandomFlip', prob=0.5),
    dict(type='PadRandomCrop', padding=6),
    dict(type='PackReIDInputs'),
]
list_files = dict(train='train.txt', query='query.txt',
                  gallery='gallery.txt')
train_dataloader = dict(
    batch_size='${train_batch_size}',
    num_workers='${num_workers}',
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='ReIDListDataset', data_root='${data_root}',
                 subset='train', ann_files='${list_files}',
                 pipeline='${train_pipeline}'))
# The held-out split: rank-1 of its query against its gallery is the
# nearest-neighbour accuracy on unseen images of the training classes.
# (The test pipeline and metric of reid_test.py.)
test_dataloader = dict(
    batch_size='${test_batch_size}',
    dataset=dict(datasets=[
        dict(type='ReIDListDataset', data_root='${data_root}', subset=subset,
             ann_files='${list_files}', pipeline='${test_pipeline}')
        for subset in ('query', 'gallery')
    ]))
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True))
# 16 passes over the 10,000 training images (2,496 iterations at 64).
train_cfg = dict(type='IterBasedTrainLoop', max_epochs=16,
                 num_images=10000)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end_ratio=1 / 16),
    dict(type='CosineAnnealingLR', by_epoch=False, begin_ratio=1 / 16,
         end_ratio=1.0, eta_min=0.0),
]
default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(interval_ratio=1.0, max_keep_ckpts=1))
