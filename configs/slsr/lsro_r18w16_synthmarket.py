
_base_ = ['./slsr_r18w16_synthmarket.py']

slsr_work_dir = 'work_dirs/slsr_r18w16_synthmarket'
stages = dict(
    stage1_baseline=None, stage1_test=None, stage1_test_rerank=None,
    stage2_cluster=None, stage3_gan=None, stage4_generate=None,
    stage5_finetune=dict(
        generated_dir='${slsr_work_dir}/stage4_generate',
        loss_cls=dict(type='LSROLoss')))
