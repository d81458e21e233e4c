"""Evaluation: metrics (registered), the functional math they call, and
test runs of checkpoints (:mod:`mmreidgen.evaluation.runs`)."""
from .functional import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from .runs import (  # noqa: F401
    SPLIT_VARIABLES,
    add_result_dump,
    evaluate_splits,
    test_checkpoint,
)
