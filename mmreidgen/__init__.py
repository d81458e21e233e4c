"""mmreidgen: person re-identification with generative models."""
import warnings

from .utils.safe_load import register_safe_globals
from .version import __version__

# mmcv-lite has no compiled ops; mmreidgen uses none. mmcv warns about the
# missing deformable attention op whenever mmpretrain's models are imported.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')

# mmengine checkpoints hold a few non-tensor types; allow exactly those so
# that resuming works while ``torch.load`` keeps ``weights_only=True``.
register_safe_globals()

__all__ = ['__version__']
