# CR-GAN followed by pseudo-label adaptation (the hybrid of CR-GAN's
# Table 6, with Cluster Contrast in place of TAUDL): Market-1501 ->
# DukeMTMC-reID, ResNet-50, every knob at the papers' settings
# (_base_/cluster_contrast.py names each source).
#   python tools/train.py configs/uda/crgan-cluster-contrast_r50_market2duke.py
# Stages: CR-GAN's six (configs/crgan/crgan_r50_market2duke.py), then
# uda (ClusterContrastStage from stage III's model) and test_uda.
# Departure: images stay at CR-GAN's 224x112 (Cluster Contrast: 256x128),
# so that one model is adapted at the size it was trained at.
_base_ = [
    '../crgan/crgan_r50_market2duke.py',
    './_base_/cluster_contrast.py',
]

# The weights the adaptation starts from.
uda_start = '{work_dir}/stage3_finetune/final.pth'
# A pseudo identity's images spread over its cameras in each batch, as the
# authors' published code samples them (the paper does not say).
stages = dict(_base_.uda_stages,
              uda=dict(_base_.uda_stages.uda, cross_camera=True))
