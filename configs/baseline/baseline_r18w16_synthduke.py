# Small CPU version of baseline_r50_duke.py on the synthetic benchmark.
_base_ = ['./baseline_r18w16_synthmarket.py']

train_dataloader = _base_.synthduke_train_dataloader
test_dataloader = _base_.synthduke_test_dataloader
val_dataloader = test_dataloader
