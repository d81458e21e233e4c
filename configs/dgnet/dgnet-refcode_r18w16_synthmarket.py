
_base_ = ['./dgnet_r18w16_synthmarket.py', '../_base_/models/dgnet_refcode.py']

model = dict(**_base_.dgnet_refcode_switches)
dgnet_ramps = _base_.dgnet_refcode_ramps
