
_base_ = ['./dgnet_r50_market.py', '../_base_/models/dgnet_refcode.py']

model = dict(**_base_.dgnet_refcode_switches)
dgnet_ramps = _base_.dgnet_refcode_ramps
