# The synthetic benchmark (tools/dataset_converters/make_synthetic_reid.py):
# two rendered camera networks in Market-1501 layout with person masks.
# Variables are prefixed with ``synth_`` so that a small config can inherit
# a full-size config AND this file, then swap the data in explicitly.
synth_root = 'data/synthreid'
synth_img_scale = (64, 32)  # (height, width)
synth_batch_size = 32
synth_num_instances = 4
synth_num_workers = 2

synth_train_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='ReIDResize', scale=synth_img_scale),
    dict(type='ReIDRandomFlip', prob=0.5),
    dict(type='PadRandomCrop', padding=4),
    dict(type='RandomErasing', prob=0.5),
    dict(type='PackReIDInputs'),
]
synth_test_pipeline = [
    dict(type='LoadReIDImage'),
    dict(type='ReIDResize', scale=synth_img_scale),
    dict(type='PackReIDInputs'),
]


def _test_loader(root):
    return dict(
        batch_size=128,
        num_workers=synth_num_workers,
        persistent_workers=True,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(
            type='ConcatDataset',
            datasets=[
                dict(type='Market1501', data_root=root, subset=subset,
                     pipeline=synth_test_pipeline)
                for subset in ('query', 'gallery')
            ]))


def _train_loader(root):
    return dict(
        batch_size=synth_batch_size,
        num_workers=synth_num_workers,
        persistent_workers=True,
        sampler=dict(
            type='IdentityBalancedSampler',
            num_instances=synth_num_instances),
        dataset=dict(
            type='Market1501', data_root=root, subset='train',
            pipeline=synth_train_pipeline))


synthmarket_train_dataloader = _train_loader(synth_root + '/synthmarket')
synthmarket_test_dataloader = _test_loader(synth_root + '/synthmarket')
synthduke_train_dataloader = _train_loader(synth_root + '/synthduke')
synthduke_test_dataloader = _test_loader(synth_root + '/synthduke')
