# The hybrid of crgan-cluster-contrast_r50_market2duke.py, DukeMTMC-reID
# -> Market-1501 (the data of configs/crgan/crgan_r50_duke2market.py).
#   python tools/train.py configs/uda/crgan-cluster-contrast_r50_duke2market.py
_base_ = [
    '../crgan/crgan_r50_duke2market.py',
    './_base_/cluster_contrast.py',
]

# The weights the adaptation starts from.
uda_start = '{work_dir}/stage3_finetune/final.pth'
stages = _base_.uda_stages
