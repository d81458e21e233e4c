# ResNet-50 with last stride 1 (a 2048-channel map at 1/16 of the image),
# the re-id backbone of the baseline and of CR-GAN's D_id; a model takes it
# as `backbone=_base_.resnet50`. ImageNet weights: set ``pretrained`` to a
# local file (nothing downloads).
pretrained = 'checkpoints/resnet50_imagenet.pth'
resnet50 = dict(
    type='mmpretrain.ResNet',
    depth=50,
    strides=(1, 2, 2, 1),
    out_indices=(3, ),
    init_cfg=dict(type='Pretrained', checkpoint='${pretrained}'))
