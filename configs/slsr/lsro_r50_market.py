# The LSRO comparison (Zheng et al., ICCV 2017; the loss of the released
# SLS_ReID code): the same generated images as slsr_r50_market.py, every
# one labelled with the uniform distribution over all identities. Run
# slsr_r50_market.py first (its stage4_generate is read); only the loss
# of the fine-tuning stage differs.
_base_ = ['./slsr_r50_market.py']

slsr_work_dir = 'work_dirs/slsr_r50_market'
slsr = dict(loss_cls=dict(type='LSROLoss'))
stages = [
    dict(name='stage5_finetune', type='SLSRFinetuneStep',
         generated_dir=slsr_work_dir + '/stage4_generate'),
    dict(name='stage6_test', type='test',
         cfg=dict(load_from='{work_dir}/stage5_finetune/final.pth')),
    dict(name='stage6_test_rerank', type='test',
         cfg=dict(load_from='{work_dir}/stage5_finetune/final.pth',
                  test_evaluator=dict(rerank=True))),
]
