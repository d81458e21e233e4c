# Ablation "w/o dual condition" (Table 2 of CR-GAN): G(X_S) only, no
# context pathway; every loss as in CR-GAN (the background term of L_con
# then pulls towards an average target background).
_base_ = ['./crgan_r50_duke2market.py']

model = dict(generator=dict(dual_condition=False))
