# CR-GAN: CUHK03 (detected boxes, 767 training ids of the new protocol) ->
# Market-1501. Everything else as in crgan_r50_market2duke.py.
_base_ = ['./crgan_r50_market2duke.py']

source_data = dict(type='CUHK03', data_root='data/cuhk03',
                   image_set='detected', protocol='new')
target_data = dict(type='Market1501', data_root='data/market1501')
num_source_ids = 767
num_target_cameras = 6

train_dataloader = dict(dataset=dict(datasets=[
    dict(**source_data, subset='train', domain='source', with_mask=True,
         pipeline=_base_.pair_pipeline),
    dict(**target_data, subset='train', domain='target', with_mask=True,
         pipeline=_base_.pair_pipeline),
]))
test_dataloader = dict(dataset=dict(datasets=[
    dict(**target_data, subset=subset, pipeline=_base_.test_pipeline)
    for subset in ('query', 'gallery')
]))
model = dict(
    camera_discriminator=dict(num_classes=num_target_cameras),
    identity_discriminator=dict(head=dict(num_classes=num_source_ids)))
