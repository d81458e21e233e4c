# CR-GAN: CUHK03 (detected boxes, 767 training ids of the new protocol) ->
# Market-1501. Everything else as in crgan_r50_cuhk032duke.py.
_base_ = ['./crgan_r50_cuhk032duke.py']

target_data = dict(type='Market1501', data_root='data/market1501')
num_target_cameras = 6
# The paper's other CUHK03 direction's target, tested beside Market-1501.
extra_target_name = 'duke'
extra_target = dict(type='DukeMTMCReID', data_root='data/dukemtmc-reid')
