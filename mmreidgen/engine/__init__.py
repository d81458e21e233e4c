from .checkpoint import (
    AtomicLocalBackend,
    find_resumable_checkpoint,
    register_atomic_backend,
)
from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403

# Checkpoints (and every mmengine.fileio put to a local path) are written
# to a temporary file and renamed, so a killed run never leaves a
# half-written checkpoint; see mmreidgen/engine/checkpoint.py.
register_atomic_backend()
