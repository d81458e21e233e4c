# The test side that every re-id config shares: images resized to
# img_scale, a query + gallery ConcatDataset of `dataset_type` under
# `data_root`, scored by ReIDMetric. Inherited by the dataset bases
# (market1501.py, ...) and by the method configs that write their own
# training data (CR-GAN, the pretraining); a config whose test data is
# named otherwise replaces test_dataloader.dataset.datasets.
img_scale = (256, 128)  # (height, width)
num_workers = 4
# MiB of decoded images each loading process keeps in memory
# (LoadReIDImage(cache_mb)); worth it for small datasets only.
image_cache_mb = 0
# Skip unreadable training images with a warning instead of stopping, in
# every training pipeline (LoadReIDImage(skip_bad_images)):
# --cfg-options skip_bad_images=True. Test sets never skip an image: one
# with holes would give wrong metrics.
skip_bad_images = False

test_pipeline = [
    dict(type='LoadReIDImage', cache_mb='${image_cache_mb}'),
    dict(type='ReIDResize', scale='${img_scale}'),
    dict(type='PackReIDInputs'),
]
test_dataloader = dict(
    batch_size=128,
    num_workers='${num_workers}',
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(type='${dataset_type}', data_root='${data_root}',
                 subset=subset, pipeline='${test_pipeline}')
            for subset in ('query', 'gallery')
        ]))
test_evaluator = dict(type='ReIDMetric', metric='euclidean')
