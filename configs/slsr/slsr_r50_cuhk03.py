
_base_ = ['./slsr_r50_market.py']

dataset_type = 'CUHK03'
data_root = 'data/cuhk03'
# Classic protocol (Li et al., CVPR 2014), split 0 of 20; the mean ± sd
# over all 20: tools/analysis_tools/eval_splits.py (docs/en/evaluation.md).
cuhk03_protocol = 'classic'
cuhk03_split_id = 0
cuhk03 = dict(image_set='detected', protocol='${cuhk03_protocol}',
              split_id='${cuhk03_split_id}')
train_dataloader = dict(dataset=cuhk03)
test_dataloader = dict(dataset=dict(datasets=[
    dict(type='${dataset_type}', data_root='${data_root}', subset=subset,
         pipeline='${test_pipeline}', **cuhk03)
    for subset in ('query', 'gallery')
]))
# Single-gallery-shot CMC averaged over 100 draws of the gallery, as
# SLSR's code (eval_cuhk03.py) on split 0; mAP on the full gallery, so not
# comparable with SLSR's (docs/en/evaluation.md).
test_evaluator = dict(protocol='single_gallery_shot', num_repeats=100,
                      seed=0)
num_classes = 1367
num_train_images = 13113  # Table 3
num_generated = 18000
