# The teacher of dgnet_r18w16-synthobjects-pre_7k_synthmarket.py alone
# (the baseline, Sec. 3.2), tested on synthmarket and synthduke: the same
# stages, so a DG-Net run of the same seed shares them.
_base_ = ['./dgnet_r18w16-synthobjects-pre_7k_synthmarket.py']

stages = dict(
    dgnet=None, test_prim=None, test_fine=None, test_both=None,
    test_prim_synthduke=None, test_fine_synthduke=None,
    test_both_synthduke=None)
test_stage = 'test_teacher'
