
_base_ = ['./crgan_r18w16_synthmarket2synthduke.py', './_base_/cutpaste.py']

model = _base_.cutpaste_model
stages = _base_.cutpaste_stages
