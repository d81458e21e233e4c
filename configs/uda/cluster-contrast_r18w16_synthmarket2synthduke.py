# Pseudo-label domain adaptation from direct transfer, on the synthetic
# benchmark: ClusterContrastStage adapts CR-GAN's stage I model (D_id
# trained on the source labels) to unlabelled synthduke.
#   python tools/train.py configs/uda/cluster-contrast_r18w16_synthmarket2synthduke.py
# Stages: stage1_pretrain, test_direct_transfer, test_targets (as
# configs/crgan/direct-transfer_r18w16_synthmarket2synthduke.py, so a run
# of that config shares them), then uda and test_uda
# (<work_dir>/test_uda/metrics.json). Clustering per epoch:
# <work_dir>/uda/clustering.json.
_base_ = ['./crgan-cluster-contrast_r18w16_synthmarket2synthduke.py']

uda_start = '{work_dir}/stage1_pretrain/final.pth'
stages = dict(stage2_gan=None, stage3_finetune=None, test=None)
test_stage = 'stage1_pretrain'
