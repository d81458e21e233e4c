# Pseudo-label adaptation from direct transfer, DukeMTMC-reID ->
# Market-1501 (the data of configs/crgan/direct-transfer_r50_duke2market.py).
#   python tools/train.py configs/uda/cluster-contrast_r50_duke2market.py
_base_ = ['./crgan-cluster-contrast_r50_duke2market.py']

uda_start = '{work_dir}/stage1_pretrain/final.pth'
stages = dict(stage2_gan=None, stage3_finetune=None, test=None)
test_stage = 'stage1_pretrain'
