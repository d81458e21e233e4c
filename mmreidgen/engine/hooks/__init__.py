from .channels_last_hook import ChannelsLastHook
from .checkpoint_check_hook import CheckpointCheckHook
from .crgan_visualization_hook import GANImageGridHook
from .dgnet_diagnostic_hook import DGNetDiagnosticHook
from .dgnet_loss_ramp_hook import DGNetLossRampHook
from .loss_guard_hook import LossDivergedError, LossGuardHook
from .rng_state_hook import RNGStateHook

__all__ = [
    'ChannelsLastHook', 'CheckpointCheckHook', 'GANImageGridHook',
    'LossGuardHook', 'LossDivergedError', 'DGNetDiagnosticHook',
    'DGNetLossRampHook',
    'RNGStateHook'
]
