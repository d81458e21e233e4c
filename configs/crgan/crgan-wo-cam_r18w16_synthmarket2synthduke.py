# Ablation "w/o camera loss, Eq. (5)" (Table 3 of CR-GAN).
_base_ = ['./crgan_r18w16_synthmarket2synthduke.py']

model = dict(loss_cam=None)
