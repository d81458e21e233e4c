# dgnet_r18w16-synthduke-pre_synthmarket.py (teacher and E_a start from a
# backbone pretrained on synthduke) with the reference code's behaviour, as
# dgnet-refcode_r18w16_synthmarket.py switches it on.
_base_ = [
    './dgnet_r18w16-synthduke-pre_synthmarket.py',
    '../_base_/models/dgnet_refcode.py'
]

dgnet_ref = dict(_base_.dgnet_pre, **_base_.dgnet_refcode_switches)
scale = _base_.scale
ramp_hook = dict(
    type='DGNetLossRampHook',
    ramps=dict(
        prim=(int(30000 * scale), int(34000 * scale)),
        fine=(int(30000 * scale), int(34000 * scale)),
        code_app=(int(30000 * scale), int(32000 * scale)),
        code_struct=(int(30000 * scale), int(32000 * scale)),
        cycle=(int(30000 * scale), int(34000 * scale))))
dgnet_ref_stage = dict(
    _base_.dgnet_pre_stage,
    cfg=dict(
        _base_.dgnet_pre_stage.cfg,
        model=dgnet_ref,
        custom_hooks=_base_.dgnet_pre_stage.cfg.custom_hooks[:-1] +
        [ramp_hook]))
test_stages = _base_.test_stages[:1] + [
    dict(name=f'test_{feature}', type='test',
         cfg=dict(model=dict(dgnet_ref, test_cfg=dict(feature=feature)),
                  load_from='{work_dir}/dgnet/final.pth'))
    for feature in ('prim', 'fine', 'both')
]
stages = [_base_.pretrain_stage, _base_.teacher_pre_stage, dgnet_ref_stage
          ] + test_stages
