# Small CPU version of slsr_r50_market.py on the synthetic benchmark
# (tools/dataset_converters/make_synthetic_reid.py): only sizes change
# (backbone depth/width, image and DCGAN sizes, numbers of images and
# iterations).
_base_ = ['./slsr_r50_market.py', '../_base_/datasets/synthreid.py']

model = dict(
    backbone=dict(
        depth=18, stem_channels=16, base_channels=16, init_cfg=None),
    head=dict(in_channels=128, num_classes=100))

train_dataloader = _base_.synthmarket_train_dataloader
test_dataloader = _base_.synthmarket_test_dataloader
val_dataloader = test_dataloader

num_train_images = 881  # synthmarket bounding_box_train
num_generated = 800  # about the Market ratio 12000 / 12936
batch_size = 32
epochs, decay_epochs = 40, 30
iters_per_epoch = num_train_images // batch_size
max_iters = epochs * iters_per_epoch
slsr_iters_per_epoch = (num_train_images + num_generated) // batch_size
slsr_max_iters = epochs * slsr_iters_per_epoch

# Trained from scratch (the full configs start from ImageNet): lr 0.05
# instead of 0.01, as configs/baseline/baseline_r18w16_synthmarket.py.
optim_wrapper = dict(optimizer=dict(lr=0.05))
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False,
         milestones=[decay_epochs * iters_per_epoch], gamma=0.1),
]
default_hooks = dict(
    logger=dict(interval=100), checkpoint=dict(interval=1000))

gan_size = (64, 32)
slsr = dict(
    feature_batch_size=64,
    gan=dict(
        model=dict(
            generator=dict(output_size=gan_size,
                           base_channels=64),
            discriminator=dict(input_size=gan_size, base_channels=8)),
        train_cfg=dict(max_epochs=60),
        batch_size=32,
        num_workers=2,
        pipeline=[
            dict(type='LoadReIDImage'),
            dict(type='ReIDResize', scale=gan_size),
            dict(type='PackReIDInputs'),
        ]),
    num_generated=num_generated,
    finetune=dict(
        train_cfg=dict(max_iters=slsr_max_iters, val_interval=slsr_max_iters),
        param_scheduler=[
            dict(type='MultiStepLR', by_epoch=False,
                 milestones=[decay_epochs * slsr_iters_per_epoch],
                 gamma=0.1),
        ]),
)
