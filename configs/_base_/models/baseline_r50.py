# ResNet-50 (last stride 1), BN-neck, CE with label smoothing + triplet.
# ImageNet weights: set ``pretrained`` to a local file (nothing downloads),
# e.g. --cfg-options model.backbone.init_cfg.checkpoint=PATH.
pretrained = 'checkpoints/resnet50_imagenet.pth'
num_classes = 751
model = dict(
    type='ReIDBaseline',
    data_preprocessor=dict(type='ReIDDataPreprocessor'),
    backbone=dict(
        type='mmpretrain.ResNet',
        depth=50,
        strides=(1, 2, 2, 1),
        out_indices=(3, ),
        init_cfg=dict(type='Pretrained', checkpoint='${pretrained}')),
    head=dict(
        type='ReIDHead',
        in_channels=2048,
        num_classes='${num_classes}',
        pooling='avg',
        bnneck=True,
        loss_cls=dict(type='CrossEntropyLoss', label_smooth=0.1),
        loss_triplet=dict(type='TripletLoss', margin=0.3)),
    test_cfg=dict(flip=True, normalize=True),
)
