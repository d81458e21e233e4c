
_base_ = ['./crgan_r18w16_synthmarket2synthduke.py']

stages = dict(stage2_gan=None, stage3_finetune=None, test=None)
test_stage = 'stage1_pretrain'
