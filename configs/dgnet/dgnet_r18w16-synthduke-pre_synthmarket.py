# dgnet_r18w16_synthmarket.py with a stand-in for ImageNet initialisation.
# In the paper both the baseline (the teacher) and E_a start from
# ImageNet weights; the synthetic configs start from random weights, where
# E_a at the paper's fine-tuning rate stays far below the teacher. Here a
# first stage trains the same ResNet-18 (width 16) as an identity
# classifier on synthduke's training set (the other camera network, other
# people: external data, as ImageNet is for Market-1501), and both the
# teacher and E_a start from its backbone. Everything else is unchanged.
_base_ = ['./dgnet_r18w16_synthmarket.py']

pretrained = '{work_dir}/pretrain/final.pth'
init_from_pretrain = dict(
    type='Pretrained', checkpoint=pretrained, prefix='backbone.')

# New dicts under new names: editing the base's dicts would change every
# stage that shares them, and reusing their names would merge into them.
# -- pretrain: identity classification on synthduke (100 ids, 821 images) -
pretrain_stage = dict(
    _base_.teacher_stage,
    name='pretrain',
    cfg=dict(
        _base_.teacher_stage.cfg,
        model=_base_.teacher,  # random initialisation
        train_dataloader=dict(
            _base_.teacher_stage.cfg.train_dataloader,
            dataset=dict(
                _base_.teacher_stage.cfg.train_dataloader.dataset,
                data_root='data/synthreid/synthduke'))))

# -- teacher and E_a start from the pretrained backbone ------------------
teacher_pre = dict(
    _base_.teacher,
    backbone=dict(_base_.teacher.backbone, init_cfg=init_from_pretrain))
teacher_pre_stage = dict(
    _base_.teacher_stage,
    cfg=dict(_base_.teacher_stage.cfg, model=teacher_pre))
dgnet_pre = dict(
    _base_.dgnet,
    teacher=teacher_pre,
    appearance_encoder=dict(
        _base_.dgnet.appearance_encoder,
        backbone=dict(
            _base_.dgnet.appearance_encoder.backbone,
            init_cfg=init_from_pretrain)))
dgnet_pre_stage = dict(
    _base_.dgnet_stage, cfg=dict(_base_.dgnet_stage.cfg, model=dgnet_pre))

test_stages = [
    dict(name='test_teacher', type='test',
         cfg=dict(model=teacher_pre,
                  load_from='{work_dir}/teacher/final.pth')),
] + [
    dict(name=f'test_{feature}', type='test',
         cfg=dict(model=dict(dgnet_pre, test_cfg=dict(feature=feature)),
                  load_from='{work_dir}/dgnet/final.pth'))
    for feature in ('prim', 'fine', 'both')
]
stages = [pretrain_stage, teacher_pre_stage, dgnet_pre_stage] + test_stages
