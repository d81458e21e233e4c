
_base_ = ['./crgan_r50_duke2market.py']

stages = dict(stage2_gan=None, stage3_finetune=None, test=None)
test_stage = 'stage1_pretrain'
