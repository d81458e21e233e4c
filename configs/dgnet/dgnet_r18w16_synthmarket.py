
_base_ = ['./dgnet_r50_market.py']

# The synthetic benchmark's root, as in every synthetic config:
# `make demo` renders it, or
#   python tools/dataset_converters/make_synthetic_reid.py --out data/synthreid_v2
synth_root = 'data/synthreid_v2'
data_root = '${synth_root}/synthmarket'
num_classes = 100  # synthmarket training identities
num_train_images = 896  # synthmarket bounding_box_train (benchmark v2)
img_scale = (64, 32)
crop_padding = 4
num_workers = 0  # as in baseline_r18w16_synthmarket.py, which says why
image_cache_mb = 256
backbone = dict(depth=18, stem_channels=16, base_channels=16, init_cfg=None)
# Bilinear test resize, as the synthetic baseline's (the measured numbers
# in configs/dgnet/README.md were made with it).
test_pipeline = [
    dict(type='LoadReIDImage', cache_mb='${image_cache_mb}'),
    dict(type='ReIDResize', scale='${img_scale}'),
    dict(type='PackReIDInputs'),
]

teacher = dict(head=dict(in_channels=128))
model = dict(
    appearance_encoder=dict(in_channels=128, feat_dim=128),
    structure_encoder=dict(base_channels=4, aspp_dilations=(1, 2, 3)),
    decoder=dict(in_channels=32, code_dim=4 * 128, mlp_dim=64),
    discriminator=dict(base_channels=8))
# 64x32 images, batches of 8 pairs, 2000 iterations; milestones and loss
# ramps keep their fraction of the run.
train_dataloader = dict(batch_size=16)
train_cfg = dict(max_iters=2000)
stages = dict(dgnet=dict(cfg=dict(default_hooks=dict(
    checkpoint=dict(interval=500), logger=dict(interval=50)))))
