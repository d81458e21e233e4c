# Control (not in the paper): stage III of the synthetic CR-GAN with the
# real source images instead of renderings (same iterations, learning rate
# and flips), so that "CR-GAN vs direct transfer" is not just "more
# training". D_id is loaded from stage I; there is no GAN stage.
_base_ = ['./cutpaste_r18w16_synthmarket2synthduke.py']

model = dict(finetune_cfg=dict(renderer='source'))
