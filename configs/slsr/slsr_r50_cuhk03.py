
_base_ = ['./slsr_r50_market.py']

dataset_type = 'CUHK03'
data_root = 'data/cuhk03'
cuhk03 = dict(image_set='detected', protocol='classic', split_id=0)
train_dataloader = dict(dataset=cuhk03)
test_dataloader = dict(dataset=dict(datasets=[
    dict(type='${dataset_type}', data_root='${data_root}', subset=subset,
         pipeline='${test_pipeline}', **cuhk03)
    for subset in ('query', 'gallery')
]))
num_classes = 1367
num_train_images = 13113  # Table 3
num_generated = 18000
