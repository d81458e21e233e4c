
_base_ = ['./crgan_r50_market2duke.py', './_base_/cutpaste.py']

model = _base_.cutpaste_model
stages = _base_.cutpaste_stages
