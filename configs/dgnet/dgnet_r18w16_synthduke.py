# Small CPU version of dgnet_r50_duke.py: dgnet_r18w16_synthmarket.py on
# the synthduke domain (821 training images, 100 identities).
_base_ = ['./dgnet_r18w16_synthmarket.py']

data_root = 'data/synthreid/synthduke'
num_train_images = 821
test_dataloader = _base_.synthduke_test_dataloader
val_dataloader = test_dataloader

teacher_iters_per_epoch = num_train_images // 32
teacher_max_iters = 60 * teacher_iters_per_epoch
teacher_stage = _base_.teacher_stage
teacher_stage.cfg.train_dataloader.dataset.data_root = data_root
teacher_stage.cfg.param_scheduler[0].milestones = [
    40 * teacher_iters_per_epoch
]
teacher_stage.cfg.train_cfg.update(
    max_iters=teacher_max_iters, val_interval=teacher_max_iters)
dgnet_stage = _base_.dgnet_stage
dgnet_stage.cfg.train_dataloader.dataset.data_root = data_root
stages = [teacher_stage, dgnet_stage, *_base_.test_stages]
