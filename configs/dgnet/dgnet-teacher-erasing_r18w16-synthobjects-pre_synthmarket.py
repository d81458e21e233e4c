# The teacher trained with random erasing (p = 0.5, area 2-40 %, aspect
# 0.3-3.3, filled with the mean: the erasing E_a's identity loss sees in
# DG-Net), tested on synthmarket and synthduke. The teacher DG-Net learns
# from is trained without it.
_base_ = ['./dgnet-teacher_r18w16-synthobjects-pre_synthmarket.py']

teacher_train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadReIDImage', cache_mb='${image_cache_mb}',
         skip_bad_images='${skip_bad_images}'),
    dict(type='ReIDResize', scale='${img_scale}', interpolation='bicubic'),
    dict(type='ReIDRandomFlip', prob=0.5),
    dict(type='PadRandomCrop', padding='${crop_padding}'),
    dict(type='RandomErasing', prob=0.5),
    dict(type='PackReIDInputs'),
]))
