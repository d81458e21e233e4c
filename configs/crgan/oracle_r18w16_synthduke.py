
_base_ = ['./crgan_r18w16_synthmarket2synthduke.py']

# Stage I trained on synthduke's own labels (source = target = synthduke),
# then tested on synthduke.
source_data = dict(data_root='${synth_root}/synthduke')
stages = dict(
    test_direct_transfer=None, stage2_gan=None, stage3_finetune=None,
    test=dict(cfg=dict(load_from='{work_dir}/stage1_pretrain/final.pth')))
test_stage = 'stage1_pretrain'
