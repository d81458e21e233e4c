# ResNet-50 (last stride 1), BN-neck, CE with label smoothing + triplet.
# ImageNet weights: set ``pretrained`` to a local file (nothing downloads),
# e.g. --cfg-options model.backbone.init_cfg.checkpoint=PATH.
_base_ = ['./reid_baseline.py']

pretrained = 'checkpoints/resnet50_imagenet.pth'
model = dict(
    backbone=dict(
        type='mmpretrain.ResNet',
        depth=50,
        strides=(1, 2, 2, 1),
        out_indices=(3, ),
        init_cfg=dict(type='Pretrained', checkpoint='${pretrained}')),
    head=dict(
        in_channels=2048,
        loss_triplet=dict(type='TripletLoss', margin=0.3)))
