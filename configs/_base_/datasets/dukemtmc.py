# DukeMTMC-reID in its published layout under data/dukemtmc-reid.
_base_ = ['./market1501.py']

dataset_type = 'DukeMTMCReID'
data_root = 'data/dukemtmc-reid'
