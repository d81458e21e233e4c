"""``python -m mmreidgen.benchmarks MODULE FUNCTION ARGS_JSON``: run one
benchmark worker in this fresh process (see
:func:`mmreidgen.benchmarks.common.run_worker`)."""
import sys

from mmreidgen.benchmarks.common import worker_main

if __name__ == '__main__':
    worker_main(sys.argv[1:])
