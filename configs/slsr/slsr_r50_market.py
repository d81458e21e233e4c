# SLSR with a ResNet-50 on Market-1501; the whole pipeline runs with
#   python tools/train.py configs/slsr/slsr_r50_market.py
# (see configs/slsr/README.md for the stages and single-stage runs).
_base_ = [
    '../_base_/models/baseline_r50.py',
    './_base_/slsr_pipeline_market.py',
]

num_classes = 751
model = dict(head=_base_.slsr_head)
