# MSMT17 in its published layout under data/msmt17.
_base_ = ['./market1501.py']

dataset_type = 'MSMT17'
data_root = 'data/msmt17'

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
