# Market-1501 in its published layout under data/market1501. A config that
# changes a variable below (dataset_type, data_root, crop_padding, ...) or
# of ./reid_test.py (img_scale, num_workers) changes every loader and
# pipeline that refers to it ('${name}').
_base_ = ['./reid_test.py']

dataset_type = 'Market1501'
data_root = 'data/market1501'
crop_padding = 10
train_batch_size = 64
num_instances = 4  # P x K sampling: 16 ids x 4 images
test_batch_size = 128

train_pipeline = [
    dict(type='LoadReIDImage', cache_mb='${image_cache_mb}',
         skip_bad_images='${skip_bad_images}'),
    dict(type='ReIDResize', scale='${img_scale}'),
    dict(type='ReIDRandomFlip', prob=0.5),
    dict(type='PadRandomCrop', padding='${crop_padding}'),
    dict(type='RandomErasing', prob=0.5),
    dict(type='PackReIDInputs'),
]
train_dataloader = dict(
    batch_size='${train_batch_size}',
    num_workers='${num_workers}',
    persistent_workers=True,
    sampler=dict(
        type='IdentityBalancedSampler', num_instances='${num_instances}'),
    dataset=dict(
        type='${dataset_type}',
        data_root='${data_root}',
        subset='train',
        pipeline='${train_pipeline}'),
)
test_dataloader = dict(batch_size='${test_batch_size}')
val_dataloader = '${test_dataloader}'
val_evaluator = '${test_evaluator}'
