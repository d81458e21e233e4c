# "Cut, paste and learn" (supplementary Sec. 6.2 of CR-GAN) on the
# synthetic benchmark: stage III of crgan_r18w16_synthmarket2synthduke.py
# on X_S * M_S + X_T * (1 - M_S), loading D_id from stage I (no GAN).
_base_ = ['./crgan_r18w16_synthmarket2synthduke.py']

model = dict(finetune_cfg=dict(renderer='cut_paste'))
finetune_iters = 500  # as stage III of the synthetic CR-GAN
stage3_cutpaste = dict(
    name='stage3_finetune', type='train',
    cfg=dict(
        model=dict(train_stage='finetune'),
        load_from='{work_dir}/stage1_pretrain/final.pth',
        optim_wrapper=dict(
            constructor='MultiOptimWrapperConstructor',
            identity_discriminator=dict(
                optimizer=dict(type='SGD', lr=0.005, momentum=0.9,
                               weight_decay=5e-4, nesterov=True),
                paramwise_cfg=dict(custom_keys={
                    'head.classifier': dict(lr_mult=10.0)}))),
        param_scheduler=[
            dict(type='MultiStepLR', by_epoch=False, gamma=0.1,
                 milestones=[finetune_iters * 2 // 3]),
        ],
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=finetune_iters),
        default_hooks=dict(checkpoint=dict(interval=finetune_iters))))
stages = [_base_.stage1, _base_.test_direct_transfer, stage3_cutpaste,
          _base_.test_final]
