
_base_ = ['./slsr_r18w16_synthmarket.py', './_base_/lsro_stages.py']

slsr_work_dir = 'work_dirs/slsr_r18w16_synthmarket'
stages = _base_.lsro_stages
