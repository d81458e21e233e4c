# Cut-paste instead of the GAN: stage III renders with cut-paste from stage
# I's model; no GAN stage. A cutpaste_* config applies it to its CR-GAN
# config: model = _base_.cutpaste_model, stages = _base_.cutpaste_stages.
cutpaste_model = dict(finetune_cfg=dict(renderer='cut_paste'))
cutpaste_stages = dict(
    stage2_gan=None,
    stage3_finetune=dict(
        cfg=dict(load_from='{work_dir}/stage1_pretrain/final.pth')),
)
