
_base_ = ['./crgan_r50_duke2market.py', './_base_/cutpaste.py']

model = _base_.cutpaste_model
stages = _base_.cutpaste_stages
