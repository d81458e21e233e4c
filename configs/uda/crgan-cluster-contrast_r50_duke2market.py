# The hybrid of crgan-cluster-contrast_r50_market2duke.py, DukeMTMC-reID
# -> Market-1501 (the data of configs/crgan/crgan_r50_duke2market.py).
#   python tools/train.py configs/uda/crgan-cluster-contrast_r50_duke2market.py
_base_ = [
    '../crgan/crgan_r50_duke2market.py',
    './_base_/cluster_contrast.py',
]

# The weights the adaptation starts from.
uda_start = '{work_dir}/stage3_finetune/final.pth'
# A pseudo identity's images spread over its cameras in each batch, as the
# authors' published code samples them (the paper does not say).
stages = dict(_base_.uda_stages,
              uda=dict(_base_.uda_stages.uda, cross_camera=True))
