
_base_ = ['./crgan_r50_duke2market.py']

model = dict(finetune_cfg=dict(renderer='cut_paste'))
stages = dict(
    stage2_gan=None,
    stage3_finetune=dict(
        cfg=dict(load_from='{work_dir}/stage1_pretrain/final.pth')),
)
