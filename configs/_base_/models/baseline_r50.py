# ResNet-50 (last stride 1), BN-neck, CE with label smoothing + triplet.
# ImageNet weights (./resnet50.py): set ``pretrained`` to a local file, e.g.
# --cfg-options model.backbone.init_cfg.checkpoint=PATH.
_base_ = ['./reid_baseline.py', './resnet50.py']

model = dict(
    backbone=_base_.resnet50,
    head=dict(
        in_channels=2048,
        loss_triplet=dict(type='TripletLoss', margin=0.3)))
