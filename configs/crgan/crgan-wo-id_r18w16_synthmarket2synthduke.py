# Ablation "w/o identity loss, Eq. (7)" (Table 3 of CR-GAN).
_base_ = ['./crgan_r18w16_synthmarket2synthduke.py']

model = dict(loss_id=None)
