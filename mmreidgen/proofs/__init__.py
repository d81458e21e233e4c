"""Proof grids: rows (configs or overrides) x seeds, mean ± sd, paired
differences with a 95 % interval (``tools/analysis_tools/run_proofs.py``).
"""
from .grids import GRIDS, get_grid
from .harness import ProofError, ProofHarness, run_proofs
from .summary import mean_sd, paired_difference, read_metrics

__all__ = [
    'GRIDS', 'get_grid', 'ProofError', 'ProofHarness', 'run_proofs',
    'mean_sd', 'paired_difference', 'read_metrics'
]
