# DG-Net on Market-1501 as the reference code (NVlabs/DG-Net) trains it,
# where it departs from the paper (configs/dgnet/README.md, "Paper or
# reference code"): the appearance code is detached (Eq. (4) carries no
# gradient, generation losses never reach E_a), generated images are
# re-encoded by frozen copies of E_a and (half of the time) E_s, the fine
# head also learns from real images, the teacher's BN runs on batch
# statistics, the generator's LSGAN term is weighted 2, the cycle loss is
# on, and the code and cycle losses are ramped up with the re-id losses.
_base_ = ['./dgnet_r50_market.py', '../_base_/models/dgnet_refcode.py']

dgnet = _base_.dgnet
dgnet.update(_base_.dgnet_refcode_switches)
warmup_begin = _base_.warmup_begin
dgnet_stage = _base_.dgnet_stage
dgnet_stage.cfg.model = dgnet
dgnet_stage.cfg.custom_hooks[-1].ramps = dict(
    prim=(warmup_begin, warmup_begin + 4000),
    fine=(warmup_begin, warmup_begin + 4000),
    code_app=(warmup_begin, warmup_begin + 2000),
    code_struct=(warmup_begin, warmup_begin + 2000),
    cycle=(warmup_begin, warmup_begin + 4000))

test_stages = [
    dict(name='test_teacher', type='test',
         cfg=dict(model=_base_.teacher,
                  load_from='{work_dir}/teacher/final.pth')),
] + [
    dict(name=f'test_{feature}', type='test',
         cfg=dict(model=dict(dgnet, test_cfg=dict(feature=feature)),
                  load_from='{work_dir}/dgnet/final.pth'))
    for feature in ('prim', 'fine', 'both')
]
stages = [_base_.teacher_stage, dgnet_stage] + test_stages
