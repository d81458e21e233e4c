# SLSR with a ResNet-50 on CUHK03 (Table 5: detected images, the classic
# 1,367 / 100 split, 18,000 generated images).
_base_ = ['./slsr_r50_market.py']

dataset_type = 'CUHK03'
data_root = 'data/cuhk03'
cuhk03_args = dict(image_set='detected', protocol='classic', split_id=0)
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, **cuhk03_args))
test_dataloader = dict(
    dataset=dict(datasets=[
        dict(type=dataset_type, data_root=data_root, subset=subset,
             pipeline=_base_.test_pipeline, **cuhk03_args)
        for subset in ('query', 'gallery')
    ]))
val_dataloader = test_dataloader
model = dict(head=dict(num_classes=1367))

# Schedules of slsr_pipeline_market.py in epochs of this training set.
num_train_images = 13113  # Table 3
num_generated = 18000
iters_per_epoch = num_train_images // _base_.batch_size
max_iters = 60 * iters_per_epoch
slsr_iters_per_epoch = (num_train_images + num_generated) // _base_.batch_size
slsr_max_iters = 130 * slsr_iters_per_epoch
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False,
         milestones=[40 * iters_per_epoch], gamma=0.1),
]
slsr = dict(
    num_generated=num_generated,
    finetune=dict(
        train_cfg=dict(max_iters=slsr_max_iters, val_interval=slsr_max_iters),
        param_scheduler=[
            dict(type='MultiStepLR', by_epoch=False,
                 milestones=[40 * slsr_iters_per_epoch,
                             80 * slsr_iters_per_epoch,
                             120 * slsr_iters_per_epoch],
                 gamma=0.1),
        ]))
