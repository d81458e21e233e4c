
_base_ = ['./dgnet_r50_market.py']

dataset_type = 'DukeMTMCReID'
data_root = 'data/dukemtmc-reid'
num_classes = 702
num_train_images = 16522
