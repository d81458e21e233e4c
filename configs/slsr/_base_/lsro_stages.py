# LSRO (Zheng et al., ICCV 2017) instead of SLSR's sparse labels: only the
# fine-tuning and its tests run, on the images that an SLSR run of the same
# setting generated (set slsr_work_dir to that run's work dir).
lsro_stages = dict(
    stage1_baseline=None, stage1_test=None, stage1_test_rerank=None,
    stage2_cluster=None, stage3_gan=None, stage4_generate=None,
    stage5_finetune=dict(
        generated_dir='${slsr_work_dir}/stage4_generate',
        loss_cls=dict(type='LSROLoss')))
