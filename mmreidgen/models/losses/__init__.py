from .cluster_memory_loss import ClusterMemoryLoss
from .crgan_losses import CRGANContextLoss
from .cross_entropy_loss import CrossEntropyLoss
from .dgnet_losses import DGNetR1Penalty, DGNetReconLoss
from .lsgan_loss import LSGANLoss
from .noise_adaptation import SLSRNoiseAdaptation
from .soft_label_loss import LSROLoss, SLSRLoss, SoftLabelLoss
from .triplet_loss import TripletLoss

__all__ = [
    'CRGANContextLoss', 'LSGANLoss', 'CrossEntropyLoss', 'TripletLoss',
    'SoftLabelLoss', 'SLSRLoss', 'LSROLoss', 'DGNetReconLoss',
    'DGNetR1Penalty', 'ClusterMemoryLoss', 'SLSRNoiseAdaptation'
]
