# Small CPU version of dgnet-refcode_r50_market.py: dgnet_r18w16_synthmarket.py
# with the reference code's behaviour (detached appearance code, frozen
# re-encoders, fine head on real images, teacher BN on batch statistics,
# LSGAN x2, cycle loss, code and cycle losses ramped with the re-id ones).
_base_ = ['./dgnet_r18w16_synthmarket.py', '../_base_/models/dgnet_refcode.py']

dgnet = _base_.dgnet
dgnet.update(_base_.dgnet_refcode_switches)
scale = _base_.scale
dgnet_stage = _base_.dgnet_stage
dgnet_stage.cfg.model = dgnet
dgnet_stage.cfg.custom_hooks[-1].ramps = dict(
    prim=(int(30000 * scale), int(34000 * scale)),
    fine=(int(30000 * scale), int(34000 * scale)),
    code_app=(int(30000 * scale), int(32000 * scale)),
    code_struct=(int(30000 * scale), int(32000 * scale)),
    cycle=(int(30000 * scale), int(34000 * scale)))
# The test stages build the same model as the training stage (the base's
# test stages hold the paper-mode model).
test_stages = _base_.test_stages[:1] + [
    dict(name=f'test_{feature}', type='test',
         cfg=dict(model=dict(dgnet, test_cfg=dict(feature=feature)),
                  load_from='{work_dir}/dgnet/final.pth'))
    for feature in ('prim', 'fine', 'both')
]
stages = [_base_.teacher_stage, dgnet_stage] + test_stages
