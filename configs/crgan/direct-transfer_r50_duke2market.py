# "Direct Transfer" (Table 2 of CR-GAN): D_id trained on the labelled
# source only (stage I), tested on the target. The CR-GAN pipeline reports
# the same number as its test_direct_transfer stage.
_base_ = ['./crgan_r50_duke2market.py']

stages = [_base_.stage1, _base_.test_direct_transfer]
test_stage = 'stage1_pretrain'
