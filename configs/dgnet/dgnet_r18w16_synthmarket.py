# Small CPU version of dgnet_r50_market.py on the synthetic benchmark
# (tools/dataset_converters/make_synthetic_reid.py): only sizes change
# (image size, widths, ResNet-18 for ResNet-50, ASPP dilations shrunk with
# the code, numbers of iterations with every milestone at the same
# fraction of the run). The stages are rebuilt from the resized parts.
_base_ = ['./dgnet_r50_market.py', '../_base_/datasets/synthreid.py']

data_root = 'data/synthreid/synthmarket'
num_classes = 100  # synthmarket training identities
num_train_images = 881
img_scale = (64, 32)
resnet18 = dict(depth=18, stem_channels=16, base_channels=16, init_cfg=None)

test_dataloader = _base_.synthmarket_test_dataloader
val_dataloader = test_dataloader

# -- teacher: ResNet-18 of width 16, 60 epochs of the 881 images ----------
teacher = _base_.teacher
teacher.backbone.update(resnet18)
teacher.head.update(in_channels=128, num_classes=num_classes)
teacher_iters_per_epoch = num_train_images // 32
teacher_max_iters = 60 * teacher_iters_per_epoch
teacher_stage = _base_.teacher_stage
teacher_stage.cfg.model = teacher
teacher_stage.cfg.train_dataloader.update(
    num_workers=2, dataset=dict(data_root=data_root))
teacher_stage.cfg.train_dataloader.dataset.pipeline[1].scale = img_scale
teacher_stage.cfg.train_dataloader.dataset.pipeline[3].padding = 4
teacher_stage.cfg.param_scheduler[0].milestones = [
    40 * teacher_iters_per_epoch
]
teacher_stage.cfg.train_cfg.update(
    max_iters=teacher_max_iters, val_interval=teacher_max_iters)

# -- DG-Net: 64x32 images, batches of 8 pairs, 2000 iterations -----------
dgnet = _base_.dgnet
dgnet.teacher = teacher
dgnet.appearance_encoder.backbone.update(resnet18)
dgnet.appearance_encoder.update(
    in_channels=128, num_classes=num_classes, feat_dim=128)
dgnet.structure_encoder.update(base_channels=4, aspp_dilations=(1, 2, 3))
dgnet.decoder.update(in_channels=32, code_dim=4 * 128, mlp_dim=64)
dgnet.discriminator.update(base_channels=8)

dgnet_max_iters = 2000
scale = dgnet_max_iters / 100000  # of the paper's schedule
dgnet_stage = _base_.dgnet_stage
dgnet_stage.cfg.model = dgnet
dgnet_stage.cfg.train_dataloader.update(
    batch_size=16, num_workers=2,
    dataset=dict(data_root=data_root))
dgnet_stage.cfg.train_dataloader.dataset.pipeline[1].scale = img_scale
dgnet_stage.cfg.train_dataloader.dataset.pipeline[3].padding = 4
dgnet_stage.cfg.param_scheduler[0].milestones = [
    int(60000 * scale), int(90000 * scale)
]
dgnet_stage.cfg.train_cfg.update(
    max_iters=dgnet_max_iters, val_interval=dgnet_max_iters)
dgnet_stage.cfg.custom_hooks[-1].ramps = dict(
    prim=(int(30000 * scale), int(34000 * scale)),
    fine=(int(30000 * scale), int(34000 * scale)))
dgnet_stage.cfg.default_hooks = dict(
    checkpoint=dict(interval=500), logger=dict(interval=50))

test_stages = [
    dict(name='test_teacher', type='test',
         cfg=dict(model=teacher,
                  load_from='{work_dir}/teacher/final.pth')),
] + [
    dict(name=f'test_{feature}', type='test',
         cfg=dict(model=dict(dgnet, test_cfg=dict(feature=feature)),
                  load_from='{work_dir}/dgnet/final.pth'))
    for feature in ('prim', 'fine', 'both')
]
stages = [teacher_stage, dgnet_stage] + test_stages
