_base_ = [
    '../_base_/models/baseline_r50.py',
    '../_base_/datasets/dukemtmc.py',
    '../_base_/schedules/sgd_120e.py',
    '../_base_/default_runtime.py',
]
num_classes = 702
