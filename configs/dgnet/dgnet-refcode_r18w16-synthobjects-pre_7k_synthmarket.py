# dgnet_r18w16-synthobjects-pre_7k_synthmarket.py with every behaviour of
# the reference code that departs from the paper (configs/dgnet/README.md,
# "Paper or reference code").
_base_ = ['./dgnet_r18w16-synthobjects-pre_7k_synthmarket.py',
          '../_base_/models/dgnet_refcode.py']

model = dict(**_base_.dgnet_refcode_switches)
dgnet_ramps = _base_.dgnet_refcode_ramps
