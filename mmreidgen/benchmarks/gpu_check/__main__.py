"""``python -m mmreidgen.benchmarks.gpu_check --out OUT_DIR [--dry-run]``."""
from .command import main

main()
