
_base_ = ['./dgnet_r18w16_synthmarket.py']

# The first stage trains the teacher's network (random start) on synthduke;
# the teacher and E_a then start from its backbone. The base sets
# init_cfg=None, and mmengine merges no dict into None.
backbone = dict(init_cfg=dict(
    _delete_=True, type='Pretrained', prefix='backbone.',
    checkpoint='{work_dir}/pretrain/final.pth'))
# The pretraining network: the teacher's with the base's backbone (random
# weights), trained on synthduke for as many iterations as the teacher.
pretrain_model = dict(_base_.teacher, backbone=_base_.backbone)
pretrain_train_dataloader = dict(
    _base_.teacher_train_dataloader,
    dataset=dict(_base_.teacher_train_dataloader.dataset,
                 data_root='${synth_root}/synthduke'))
# Trained as the teacher stage.
stages = dict(
    pretrain=dict(
        _base_.stages.teacher,
        cfg=dict(
            _base_.stages.teacher.cfg,
            model='${pretrain_model}',
            train_dataloader='${pretrain_train_dataloader}')))
stage_order = ['pretrain', 'teacher', 'dgnet', 'test_teacher', 'test_prim',
               'test_fine', 'test_both']
