
_base_ = ['./slsr_r50_market.py']

dataset_type = 'VIPeR'
data_root = 'data/viper'
# Split 0 of 10; the mean ± sd over all 10:
# tools/analysis_tools/eval_splits.py (docs/en/evaluation.md).
viper_split_id = 0
train_dataloader = dict(dataset=dict(split_id='${viper_split_id}'))
test_dataloader = dict(
    dataset=dict(datasets=[
        dict(type='${dataset_type}', data_root='${data_root}', subset=subset,
             pipeline='${test_pipeline}', split_id='${viper_split_id}')
        for subset in ('query', 'gallery')
    ]))
# One gallery image per identity: the single-gallery-shot CMC equals the
# market one (no draw is random); the protocol states what the papers
# report. 100 draws as SLSR's code.
test_evaluator = dict(protocol='single_gallery_shot', num_repeats=100,
                      seed=0)
num_classes = 316
num_train_images = 632
num_generated = 8000
