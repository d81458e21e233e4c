
_base_ = ['./slsr_r50_market.py']

dataset_type = 'VIPeR'
data_root = 'data/viper'
viper_split_id = 0
train_dataloader = dict(dataset=dict(split_id='${viper_split_id}'))
test_dataloader = dict(
    dataset=dict(datasets=[
        dict(type='${dataset_type}', data_root='${data_root}', subset=subset,
             pipeline='${test_pipeline}', split_id='${viper_split_id}')
        for subset in ('query', 'gallery')
    ]))
num_classes = 316
num_train_images = 632
num_generated = 8000
