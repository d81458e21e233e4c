# CUHK03 under data/cuhk03: detected boxes, the 767/700 protocol.
_base_ = ['./market1501.py']

dataset_type = 'CUHK03'
data_root = 'data/cuhk03'
cuhk03_image_set = 'detected'
cuhk03_protocol = 'new'
cuhk03_split_id = 0  # used by protocol='classic' (20 splits)
# The CMC protocol of the split (docs/en/evaluation.md): 'market' for
# 767/700, 'single_gallery_shot' for classic (set both for classic).
cuhk03_eval_protocol = 'market'
_cuhk03 = dict(image_set='${cuhk03_image_set}', protocol='${cuhk03_protocol}',
               split_id='${cuhk03_split_id}')
train_dataloader = dict(dataset=_cuhk03)
test_dataloader = dict(
    dataset=dict(datasets=[
        dict(type='${dataset_type}', data_root='${data_root}', subset=subset,
             pipeline='${test_pipeline}', **_cuhk03)
        for subset in ('query', 'gallery')
    ]))
test_evaluator = dict(protocol='${cuhk03_eval_protocol}')
