"""Evaluation: metrics (registered) and the functional math they call."""
from .functional import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
