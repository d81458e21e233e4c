# CR-GAN followed by pseudo-label adaptation (the hybrid of CR-GAN's
# Table 6, with Cluster Contrast in place of TAUDL), on the synthetic
# benchmark: ClusterContrastStage adapts CR-GAN's stage III model to
# unlabelled synthduke.
#   python tools/train.py configs/uda/crgan-cluster-contrast_r18w16_synthmarket2synthduke.py
# Stages: CR-GAN's six (as configs/crgan/crgan_r18w16_synthmarket2synthduke.py,
# so a run of that config shares them), then uda and test_uda
# (<work_dir>/test_uda/metrics.json). Clustering per epoch:
# <work_dir>/uda/clustering.json.
_base_ = [
    '../crgan/crgan_r18w16_synthmarket2synthduke.py',
    './_base_/cluster_contrast_synth.py',
]

# The weights the adaptation starts from.
uda_start = '{work_dir}/stage3_finetune/final.pth'
stages = _base_.uda_stages
