"""Run the tiny grid of test_harness.py, seeds 0 and 1, two jobs:
``python tests/test_proofs/run_tiny_grid.py SYNTH_ROOT WORK_DIR`` (the
test kills it part-way)."""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from test_proofs.test_harness import tiny_grid  # noqa: E402

from mmreidgen.proofs import ProofHarness  # noqa: E402
from mmreidgen.utils import register_all_modules  # noqa: E402

if __name__ == '__main__':
    register_all_modules()
    root, work = sys.argv[1:3]
    ProofHarness(tiny_grid(root), [0, 1], work, name='tiny', jobs=2).run()
