# Implementation ablation (not in the paper): D_d with the sigmoid output
# of supplementary Table 9 taken literally, under the LSGAN loss. It
# saturates once D_d wins and G's adversarial gradient vanishes; see
# README.md ("Choices the paper leaves open").
_base_ = ['./crgan_r18w16_synthmarket2synthduke.py']

model = dict(discriminator=dict(output_act='sigmoid'))
