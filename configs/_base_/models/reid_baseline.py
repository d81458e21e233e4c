# The baseline's re-id model without its backbone: BN-neck head with
# cross-entropy (label smoothing 0.1), flip test-time augmentation. The
# backbone (and the head's in_channels) comes from baseline_r50.py or
# baseline_densenet121.py, which inherit this file.
num_classes = 751
model = dict(
    type='ReIDBaseline',
    data_preprocessor=dict(type='ReIDDataPreprocessor'),
    head=dict(
        type='ReIDHead',
        num_classes='${num_classes}',
        pooling='avg',
        bnneck=True,
        loss_cls=dict(type='CrossEntropyLoss', label_smooth=0.1)),
    test_cfg=dict(flip=True, normalize=True),
)
