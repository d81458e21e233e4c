# DenseNet-121 baseline (the second backbone of SLSR).
pretrained = 'checkpoints/densenet121_imagenet.pth'
num_classes = 751
model = dict(
    type='ReIDBaseline',
    data_preprocessor=dict(type='ReIDDataPreprocessor'),
    backbone=dict(
        type='mmpretrain.DenseNet',
        arch='121',
        out_indices=(3, ),
        init_cfg=dict(type='Pretrained', checkpoint='${pretrained}')),
    head=dict(
        type='ReIDHead',
        in_channels=1024,
        num_classes='${num_classes}',
        pooling='avg',
        bnneck=True,
        loss_cls=dict(type='CrossEntropyLoss', label_smooth=0.1)),
    test_cfg=dict(flip=True, normalize=True),
)
