# DenseNet-121 baseline (the second backbone of SLSR): BN-neck, CE with
# label smoothing.
_base_ = ['./reid_baseline.py']

pretrained = 'checkpoints/densenet121_imagenet.pth'
model = dict(
    backbone=dict(
        type='mmpretrain.DenseNet',
        arch='121',
        out_indices=(3, ),
        init_cfg=dict(type='Pretrained', checkpoint='${pretrained}')),
    head=dict(in_channels=1024))
