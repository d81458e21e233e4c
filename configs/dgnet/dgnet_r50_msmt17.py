
_base_ = ['./dgnet_r50_market.py']

dataset_type = 'MSMT17'
data_root = 'data/msmt17'
num_classes = 1041
num_train_images = 32621
# Absolute steps: they do not scale with the longer run. The ramps stay
# at 30k-34k iterations.
train_cfg = dict(max_iters=150000)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False,
         milestones=[60000, 90000, 105000], gamma=0.1),
]
dgnet_ramps = dict(prim=(0.2, 0.34 * 2 / 3), fine=(0.2, 0.34 * 2 / 3))
