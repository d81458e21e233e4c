# The control of the dgnet_v2 proof: E_a trained with the recipe of
# dgnet-refcode_r18w16-synthobjects-pre_7k_synthmarket.py (random erasing,
# positive pairs, two heads, f_fine on real images with the ramped
# lambda_fine, schedule, test feature) but no generated image in any
# identity loss (Eqs. (6), (8), (9) left out, as lambda_id = lambda_prim =
# lambda_fine = 0 on generated images). In reference mode nothing
# generated reaches E_a then, so the generative module is not run
# (generation=False): the same training of E_a at a fraction of the cost.
# DG-Net minus this control is what the generated images contribute.
_base_ = ['./dgnet-refcode_r18w16-synthobjects-pre_7k_synthmarket.py']

model = dict(generated_id_losses=False, generation=False)
