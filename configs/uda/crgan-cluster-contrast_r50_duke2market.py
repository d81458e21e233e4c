# The hybrid of crgan-cluster-contrast_r50_market2duke.py, DukeMTMC-reID
# -> Market-1501 (the data of configs/crgan/crgan_r50_duke2market.py).
#   python tools/train.py configs/uda/crgan-cluster-contrast_r50_duke2market.py
_base_ = ['./crgan-cluster-contrast_r50_market2duke.py']

source_data = dict(type='DukeMTMCReID', data_root='data/dukemtmc-reid')
target_data = dict(type='Market1501', data_root='data/market1501')
num_source_ids = 702
num_target_cameras = 6
# The source's test set (the other direction's target).
extra_target_name = 'duke'
extra_target = dict(type='DukeMTMCReID', data_root='data/dukemtmc-reid')
