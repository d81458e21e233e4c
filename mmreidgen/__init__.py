"""mmreidgen: person re-identification with generative models."""
from .utils.safe_load import register_safe_globals
from .version import __version__

# mmengine checkpoints hold a few non-tensor types; allow exactly those so
# that resuming works while ``torch.load`` keeps ``weights_only=True``.
register_safe_globals()

__all__ = ['__version__']
