# Small CPU version of crgan_r50_market2duke.py on the synthetic benchmark
# (tools/dataset_converters/make_synthetic_reid.py): synthmarket ->
# synthduke. Only sizes change: 64x32 images, 16 pairs per batch, a
# ResNet-18 of width 16 as D_id, narrow G / D_d / D_cam, short stages
# (trained from scratch, hence the higher D_id learning rates).
#   python tools/dataset_converters/make_synthetic_reid.py --out data/synthreid_v2
#   python tools/train.py configs/crgan/crgan_r18w16_synthmarket2synthduke.py
# Direct transfer: <work_dir>/test_direct_transfer/metrics.json;
# CR-GAN: <work_dir>/test/metrics.json.
_base_ = ['./crgan_r50_market2duke.py']

img_scale = (64, 32)
num_workers = 0  # as in baseline_r18w16_synthmarket.py, which says why
image_cache_mb = 256
# The synthetic benchmark's root, as in every synthetic config.
synth_root = 'data/synthreid_v2'
source_data = dict(type='Market1501', data_root='${synth_root}/synthmarket')
target_data = dict(type='Market1501', data_root='${synth_root}/synthduke')
num_source_ids = 100
num_target_cameras = 8
# Both domains' test sets: synthduke (the target) and synthmarket.
extra_target_name = 'synthmarket'
extra_target = dict(type='Market1501', data_root='${synth_root}/synthmarket')
pretrained = None
train_dataloader = dict(batch_size=32)  # 16 pairs

model = dict(
    generator=dict(base_channels=8),
    discriminator=dict(base_channels=16),
    camera_discriminator=dict(base_channels=16),
    identity_discriminator=dict(
        backbone=dict(depth=18, stem_channels=16, base_channels=16,
                      init_cfg=None),
        head=dict(in_channels=128)))

# One checkpoint at the end of each stage; image grids 5 times in stage II.
default_hooks = dict(
    checkpoint=dict(interval_ratio=1.0, max_keep_ckpts=1))
vis_interval = 160
stages = dict(
    stage1_pretrain=dict(cfg=dict(
        optim_wrapper=dict(
            identity_discriminator=dict(optimizer=dict(lr=0.05))),
        param_scheduler=dict(identity_discriminator=[
            dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                 begin=0, end_ratio=1 / 12),
            dict(type='MultiStepLR', by_epoch=False, gamma=0.1,
                 milestones_ratio=[2 / 3]),
        ]),
        train_cfg=dict(max_iters=800))),
    stage2_gan=dict(cfg=dict(train_cfg=dict(max_iters=800))),
    stage3_finetune=dict(cfg=dict(
        optim_wrapper=dict(
            identity_discriminator=dict(optimizer=dict(lr=0.005))),
        train_cfg=dict(max_iters=500))),
)
