# DukeMTMCReID in its published layout under data/dukemtmc-reid.
_base_ = ['./market1501.py']

dataset_type = 'DukeMTMCReID'
data_root = 'data/dukemtmc-reid'

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = dict(
    dataset=dict(
        datasets=[
            dict(type=dataset_type, data_root=data_root, subset='query',
                 pipeline={{_base_.test_pipeline}}),
            dict(type=dataset_type, data_root=data_root, subset='gallery',
                 pipeline={{_base_.test_pipeline}}),
        ]))
val_dataloader = test_dataloader
