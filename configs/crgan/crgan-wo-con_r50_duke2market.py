# Ablation "w/o context loss, Eq. (6)" (Table 3 of CR-GAN).
_base_ = ['./crgan_r50_duke2market.py']

model = dict(loss_con=None)
