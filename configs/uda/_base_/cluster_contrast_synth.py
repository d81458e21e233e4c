# ClusterContrastStage on the synthetic benchmark (v2: 100 training
# identities of about 8 images per domain), sizes only; every other knob
# as cluster_contrast.py (the paper's).
_base_ = ['./cluster_contrast.py']

# 16 pseudo identities of 4 images a batch (the paper's 16 of 16 needs
# clusters of at least 16 images; a synthetic identity has about 8).
uda_batch_size = 64
uda_num_instances = 4
# 25 epochs of 100 iterations: 2,500 iterations of 64 images = 195 passes
# over synthduke's 821 training images (179 over synthmarket's 896), as
# the paper's 50 x 200 x 256 images are 198 passes over Market-1501's
# 12,936. The learning rate drops at 40 % and 80 % of the run, as the
# paper's epochs 20 and 40 of 50.
uda_epochs = 25
uda_iters_per_epoch = 100
uda_lr_milestones = [10, 20]
# Half the paper's 10 pixels of 256x128, for 128x64.
uda_crop_padding = 5
# k1 counts neighbours, so it follows the images per identity: the
# paper's 30 on Market-1501 (12,936 / 751 = 17.2 images per identity)
# becomes 15 here (synthduke 8.2, synthmarket 9.0).
uda_cluster = dict(k1=15)
