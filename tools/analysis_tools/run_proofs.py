"""Run a proof grid: ``python tools/analysis_tools/run_proofs.py PROOF``.

Rows (configs or config overrides, ``mmreidgen/proofs/grids.py``) times
seeds; each run is a ``tools/train.py`` subprocess in
``<work_dir>/<row>/seed<k>/``. Running the same command again resumes:
finished runs are skipped, an interrupted one resumes, and stages that
are equal across rows are trained once per seed. Writes
``<work_dir>/results.md`` and ``results.json`` (mean ± sd per row, paired
differences with a 95 % t interval), after every run.

Example::

    python tools/analysis_tools/run_proofs.py domain_gap_v2 --seeds 0 1 2
    make proofs PROOF=domain_gap_v2 SEEDS="0 1 2"
"""
import argparse
import os.path as osp

from mmreidgen.apis.cli import run_tool
from mmreidgen.proofs import GRIDS, run_proofs
from mmreidgen.utils import register_all_modules

STATE = {}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Run a proof grid')
    parser.add_argument('proof', help=f'grid name: {", ".join(GRIDS)}')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2],
                        help='seeds (columns); default 0 1 2')
    parser.add_argument('--work-dir',
                        help='default: work_dirs/proofs/<PROOF>')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    STATE['work_dir'] = args.work_dir or osp.join('work_dirs', 'proofs',
                                                  args.proof)
    results = run_proofs(args.proof, args.seeds, STATE['work_dir'])
    with open(osp.join(STATE['work_dir'], 'results.md'),
              encoding='utf-8') as f:
        print(f.read())
    return results


if __name__ == '__main__':
    run_tool(main, lambda: STATE.get('work_dir'),
             lambda: 'Run the same command again to resume.')
