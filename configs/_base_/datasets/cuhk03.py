# CUHK03 (detected images, 767/700 new protocol) under data/cuhk03.
_base_ = ['./market1501.py']

dataset_type = 'CUHK03'
data_root = 'data/cuhk03'
cuhk03_args = dict(image_set='detected', protocol='new')

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, **cuhk03_args))
test_dataloader = dict(
    dataset=dict(
        datasets=[
            dict(type=dataset_type, data_root=data_root, subset='query',
                 pipeline={{_base_.test_pipeline}}, **cuhk03_args),
            dict(type=dataset_type, data_root=data_root, subset='gallery',
                 pipeline={{_base_.test_pipeline}}, **cuhk03_args),
        ]))
val_dataloader = test_dataloader
