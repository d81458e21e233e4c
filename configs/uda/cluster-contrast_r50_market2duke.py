# Pseudo-label domain adaptation from direct transfer (Cluster Contrast
# in the UDA setting): Market-1501 -> DukeMTMC-reID, ResNet-50, the
# papers' settings (_base_/cluster_contrast.py names each source).
#   python tools/train.py configs/uda/cluster-contrast_r50_market2duke.py
# Stages: stage1_pretrain, test_direct_transfer, test_targets (as
# configs/crgan/direct-transfer_r50_market2duke.py), then uda and test_uda.
_base_ = ['./crgan-cluster-contrast_r50_market2duke.py']

uda_start = '{work_dir}/stage1_pretrain/final.pth'
stages = dict(stage2_gan=None, stage3_finetune=None, test=None)
test_stage = 'stage1_pretrain'
