# SLSR with a DenseNet-121 on Market-1501 (the paper's second backbone).
_base_ = [
    '../_base_/models/baseline_densenet121.py',
    './_base_/slsr_pipeline_market.py',
]

num_classes = 751
model = dict(head=_base_.slsr_head)
