# SLSR on benchmark v2 with the training length chosen on held-out
# training images, the setting of the slsr_v2 proof grid
# (mmreidgen/proofs/grids.py, docs/en/proofs/slsr_v2/README.md):
#   python tools/train.py configs/slsr/slsr_r18w16_val4k_synthmarket.py
# Differences from slsr_r18w16_synthmarket.py (sizes unchanged otherwise):
# - one image per training identity is held out (the paper's validation
#   set, Sec. 5.1); the baseline (stage 1) and the fine-tuning (stage 5)
#   train on the rest, both for the same 4,000 iterations, and are
#   validated every 400 on the held-out images (queries) against the rest
#   (gallery); CheckpointHook keeps the best (best.pth). Stage 1 and 6 test
#   both the last (equal iterations) and the best checkpoint (training
#   length chosen on the validation set);
# - the re-id backbone starts from the ImageNet stand-in
#   (configs/pretrain/pretrain_r18w16_synthobjects.py, as the paper's
#   ImageNet ResNet-50);
# - the clusters come from the best baseline checkpoint, with the NMI
#   report against identity, camera and the renderer's clothing colours;
# - the DCGAN has the paper's 5x5 layer list with a first feature map of
#   256 channels (paper 512) and a discriminator of width 32 (the paper's
#   1:8 ratio of D's first to G's first width), 100 epochs of batch 32 on
#   each cluster (about 9 iterations an epoch on a third of 796 images:
#   900 updates; the paper's 30 epochs of 64 on a third of 12,936 images
#   are about 2,000);
# - a last stage measures the Fréchet distance of the generated images to
#   the real ones on the baseline's pooled features.
_base_ = ['./slsr_r18w16_synthmarket.py']

# Generated images: about as many as the 796 training images left after
# one per identity (of 100) is held out from synthmarket's 896.
num_generated = 800
hold_out_seed = 0
max_iters = 4000
val_interval = 400

# The base sets init_cfg=None, and mmengine merges no dict into None.
model = dict(backbone=dict(init_cfg=dict(
    _delete_=True, type='Pretrained', prefix='backbone.',
    checkpoint='work_dirs/pretrain_r18w16_synthobjects/iter_2496.pth')))

train_dataloader = dict(dataset=dict(
    hold_out=dict(part='rest', seed='${hold_out_seed}')))
# The test loader on the held-out images (queries) and the rest (gallery).
# The base's val_dataloader is a reference ('${test_dataloader}'), a string.
val_dataloader = dict(
    _base_.test_dataloader,
    _delete_=True,
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(type='${dataset_type}', data_root='${data_root}',
                 subset='train', pipeline='${test_pipeline}',
                 hold_out=dict(part=part, seed='${hold_out_seed}'))
            for part in ('held', 'rest')
        ]))
val_evaluator = dict(_delete_=True, type='ReIDMetric', metric='euclidean')
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters='${max_iters}',
    val_interval='${val_interval}')
default_hooks = dict(checkpoint=dict(
    interval='${val_interval}', save_best='reid/mAP', rule='greater',
    max_keep_ckpts=1))

gan_model = dict(
    generator=dict(base_channels=256), discriminator=dict(base_channels=32))
gan_train_cfg = dict(max_epochs=100)

stages = dict(
    # The DCGANs have no validation: no best checkpoint to keep.
    stage3_gan=dict(cfg=dict(default_hooks=dict(checkpoint=dict(
        save_best=None)))),
    stage1_test_best=dict(
        type='test',
        cfg=dict(load_from='{work_dir}/stage1_baseline/best.pth')),
    stage2_cluster=dict(
        checkpoint='{work_dir}/stage1_baseline/best.pth', report=True),
    stage5_finetune=dict(cfg=dict(
        train_cfg=dict(_delete_=True, type='IterBasedTrainLoop',
                       max_iters='${max_iters}',
                       val_interval='${val_interval}'))),
    stage6_test_best=dict(
        type='test',
        cfg=dict(load_from='{work_dir}/stage5_finetune/best.pth')),
    stage7_frechet=dict(
        type='SLSRFrechetStage',
        checkpoint='{work_dir}/stage1_baseline/best.pth',
        cluster_dir='{work_dir}/stage2_cluster',
        generated_dir='{work_dir}/stage4_generate',
        feature_batch_size=64),
)
# The order of the base pipeline, each best-checkpoint test after its
# training's test.
stage_order = [
    'stage1_baseline', 'stage1_test', 'stage1_test_rerank',
    'stage1_test_best', 'stage2_cluster', 'stage3_gan', 'stage4_generate',
    'stage5_finetune', 'stage6_test', 'stage6_test_rerank',
    'stage6_test_best', 'stage7_frechet'
]
