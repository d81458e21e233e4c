# Oracle for the synthetic pair: D_id trained with the target (synthduke)
# labels by the recipe of CR-GAN's stage I (same network, schedule,
# augmentation), tested on synthduke. An upper bound, not an adaptation.
_base_ = ['./crgan_r18w16_synthmarket2synthduke.py']

oracle_data = dict(type='Market1501', data_root='data/synthreid/synthduke')
train_dataloader = dict(dataset=dict(datasets=[
    dict(**oracle_data, subset='train', domain='source', with_mask=True,
         pipeline=_base_.pair_pipeline),
    dict(**oracle_data, subset='train', domain='target', with_mask=True,
         pipeline=_base_.pair_pipeline),
]))
model = dict(identity_discriminator=dict(head=dict(num_classes=100)))
test_oracle = dict(
    name='test', type='test',
    cfg=dict(load_from='{work_dir}/stage1_pretrain/final.pth',
             train_dataloader=None))
stages = [_base_.stage1, test_oracle]
test_stage = 'stage1_pretrain'
