# Market-1501 in its published layout under data/market1501. A config that
# changes a variable below (dataset_type, data_root, img_scale, ...)
# changes every loader and pipeline that refers to it ('${name}').
dataset_type = 'Market1501'
data_root = 'data/market1501'
img_scale = (256, 128)  # (height, width)
crop_padding = 10
train_batch_size = 64
num_instances = 4  # P x K sampling: 16 ids x 4 images
test_batch_size = 128
num_workers = 4

train_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='ReIDResize', scale='${img_scale}'),
    dict(type='ReIDRandomFlip', prob=0.5),
    dict(type='PadRandomCrop', padding='${crop_padding}'),
    dict(type='RandomErasing', prob=0.5),
    dict(type='PackReIDInputs'),
]
test_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='ReIDResize', scale='${img_scale}'),
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
test_dataloader = dict(
    batch_size='${test_batch_size}',
    num_workers='${num_workers}',
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(type='${dataset_type}', data_root='${data_root}',
                 subset='query', pipeline='${test_pipeline}'),
            dict(type='${dataset_type}', data_root='${data_root}',
                 subset='gallery', pipeline='${test_pipeline}'),
        ]),
)
val_dataloader = '${test_dataloader}'
test_evaluator = dict(type='ReIDMetric', metric='euclidean')
val_evaluator = '${test_evaluator}'
