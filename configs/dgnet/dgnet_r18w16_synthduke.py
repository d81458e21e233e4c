
_base_ = ['./dgnet_r18w16_synthmarket.py']

data_root = '${synth_root}/synthduke'
num_train_images = 821
