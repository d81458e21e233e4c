# The DGNet switches that reproduce the reference code (NVlabs/DG-Net) where
# it departs from the paper (configs/dgnet/README.md, "Paper or reference
# code"); the dgnet-refcode_* configs apply them to their DG-Net model.
dgnet_refcode_switches = dict(
    detach_appearance_code=True,
    reencode='frozen',
    structure_live_prob=0.5,
    fine_on_real=True,
    teacher_bn='train',
    loss_adv=dict(type='LSGANLoss', loss_weight=2.0),
    # None in the paper configs: _delete_ lets mmengine put a dict there.
    loss_cycle=dict(_delete_=True, type='DGNetReconLoss', loss_weight=2.0))
# The reference code also ramps the code and cycle losses (fractions of the
# run: 30k-32k and 30k-34k of 100k iterations).
dgnet_refcode_ramps = dict(
    prim=(0.30, 0.34),
    fine=(0.30, 0.34),
    code_app=(0.30, 0.32),
    code_struct=(0.30, 0.32),
    cycle=(0.30, 0.34))
