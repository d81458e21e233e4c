# Small CPU version of baseline_r50_duke.py on the synthetic benchmark.
_base_ = ['./baseline_r18w16_synthmarket.py']

data_root = '${synth_root}/synthduke'
