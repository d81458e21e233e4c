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
    loss_cycle=dict(type='DGNetReconLoss', loss_weight=2.0))
