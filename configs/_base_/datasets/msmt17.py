# MSMT17 (V1 lists or V2 layout, detected automatically) under data/msmt17.
_base_ = ['./market1501.py']

dataset_type = 'MSMT17'
data_root = 'data/msmt17'
