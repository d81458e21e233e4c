# Runtime settings shared by every config.
default_scope = 'mmreidgen'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', interval=1000, by_epoch=False, max_keep_ckpts=3,
        save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)

# Stops on NaN/Inf losses (about 4 us per iteration: it reads the floats
# already logged); a config that sets custom_hooks should keep it, e.g.
# custom_hooks = [*_base_.custom_hooks, dict(type='MyHook')].
custom_hooks = [dict(type='LossGuardHook')]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

# Scalars and images go to local files and to TensorBoard event files,
# both in <work_dir>/<timestamp>/vis_data (`tensorboard --logdir
# work_dirs`). W&B is one line away (`pip install wandb`, `wandb login`):
# vis_backends = [dict(type='LocalVisBackend'),
#                 dict(type='TensorboardVisBackend'),
#                 dict(type='WandbVisBackend', init_kwargs=dict(project='mmreidgen'))]
vis_backends = [dict(type='LocalVisBackend'),
                dict(type='TensorboardVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)

log_processor = dict(by_epoch=False, window_size=20)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
