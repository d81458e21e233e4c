# DG-Net on DukeMTMC-reID: dgnet_r50_market.py with Duke's data and
# identities (702); same schedule (Sec. 4.1). The stages are rebuilt from
# the changed parts.
_base_ = ['./dgnet_r50_market.py']

dataset_type = 'DukeMTMCReID'
data_root = 'data/dukemtmc-reid'
num_classes = 702
num_train_images = 16522

test_dataloader = _base_.test_dataloader
test_dataloader.dataset.datasets[0].update(
    type=dataset_type, data_root=data_root)
test_dataloader.dataset.datasets[1].update(
    type=dataset_type, data_root=data_root)
val_dataloader = test_dataloader

teacher = _base_.teacher
teacher.head.num_classes = num_classes
teacher_iters_per_epoch = num_train_images // _base_.teacher_batch_size
teacher_max_iters = 60 * teacher_iters_per_epoch
teacher_stage = _base_.teacher_stage
teacher_stage.cfg.model = teacher
teacher_stage.cfg.train_dataloader.dataset.update(
    type=dataset_type, data_root=data_root)
teacher_stage.cfg.param_scheduler[0].milestones = [
    40 * teacher_iters_per_epoch
]
teacher_stage.cfg.train_cfg.update(
    max_iters=teacher_max_iters, val_interval=teacher_max_iters)

dgnet = _base_.dgnet
dgnet.teacher = teacher
dgnet.appearance_encoder.num_classes = num_classes
dgnet_stage = _base_.dgnet_stage
dgnet_stage.cfg.model = dgnet
dgnet_stage.cfg.train_dataloader.dataset.update(
    type=dataset_type, data_root=data_root)

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
