
_base_ = ['./crgan_r50_market2duke.py']

source_data = dict(type='CUHK03', data_root='data/cuhk03',
                   image_set='detected', protocol='new')
target_data = dict(type='DukeMTMCReID', data_root='data/dukemtmc-reid')
num_source_ids = 767
num_target_cameras = 8
# The paper's other CUHK03 direction's target.
extra_target_name = 'market'
extra_target = dict(type='Market1501', data_root='data/market1501')
# CUHK03 takes its image set and protocol too.
train_dataloader = dict(dataset=dict(datasets=[
    dict(type='${source_data.type}', data_root='${source_data.data_root}',
         image_set='${source_data.image_set}',
         protocol='${source_data.protocol}', subset='train',
         domain='source', with_mask=True, pipeline='${pair_pipeline}'),
    dict(type='${target_data.type}', data_root='${target_data.data_root}',
         subset='train', domain='target', with_mask=True,
         pipeline='${pair_pipeline}'),
]))
