# Ablation "w/o camera loss, Eq. (5)" (Table 3 of CR-GAN).
_base_ = ['./crgan_r50_market2duke.py']

model = dict(loss_cam=None)
