"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT``.

A config with extra test sets (``extra_test_sets``, or a ``MultiTestLoop``
in ``test_cfg``) prints one row per set; their metrics are prefixed with
the set's name (``market/reid/mAP``). ``--dump-features`` and
``--show-dir`` write the test set's features and rank-list pictures.
The command is :mod:`mmreidgen.tools.test` (``python -m
mmreidgen.tools.test`` is the same command from an installed package).
"""
from mmreidgen.tools.test import *  # noqa: F401,F403
from mmreidgen.tools.test import run

if __name__ == '__main__':
    run()
