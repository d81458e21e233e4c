
_base_ = ['./slsr_r50_market.py', './_base_/lsro_stages.py']

slsr_work_dir = 'work_dirs/slsr_r50_market'
stages = _base_.lsro_stages
