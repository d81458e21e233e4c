"""Run a proof grid: ``python tools/analysis_tools/run_proofs.py PROOF``.

Rows (configs or config overrides, ``mmreidgen/proofs/grids.py``) times
seeds; each run is a ``tools/train.py`` subprocess in
``<work_dir>/<row>/seed<k>/``, ``--jobs`` of them side by side with one
thread each. Running the same command again resumes: finished runs are
skipped, an interrupted one resumes, and stages that are equal across
rows are trained once per seed. Writes ``<work_dir>/results.md`` and
``results.json`` (mean ± sd per row, paired differences with a 95 % t
interval, the commit, device and environment), after every run;
``--publish`` copies both to ``docs/en/proofs/<PROOF>/``.

Example::

    # what it will cost (a short timed probe of each row), then run it
    python tools/analysis_tools/run_proofs.py domain_gap_v2 --estimate
    python tools/analysis_tools/run_proofs.py domain_gap_v2 --jobs 2
    # re-run one row of a published grid in a new folder and compare
    python tools/analysis_tools/run_proofs.py domain_gap_v2 \\
        --rows oracle_duke --work-dir work_dirs/check_oracle
    make proofs PROOF=domain_gap_v2 SEEDS="0 1 2"
"""
import argparse
import os
import os.path as osp
import shutil

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
    parser.add_argument(
        '--jobs', type=int, default=os.cpu_count() or 1,
        help='runs side by side, one thread each (default: the number of '
        'cores, %(default)s)')
    parser.add_argument('--rows', nargs='+', metavar='ROW',
                        help='run only these rows (default: all)')
    parser.add_argument(
        '--estimate', action='store_true',
        help='print the runs, shared stages, CPU and wall time at --jobs '
        '(from a short timed probe of each row), and run nothing else')
    parser.add_argument('--probe-iters', type=int, default=24,
                        help='iterations of each stage in a probe '
                        '(default %(default)s)')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu',
                        help='where every run of the grid trains')
    parser.add_argument(
        '--publish', action='store_true',
        help='copy results.json and results.md to docs/en/proofs/<PROOF>/')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    STATE['work_dir'] = args.work_dir or osp.join('work_dirs', 'proofs',
                                                  args.proof)
    kwargs = dict(jobs=args.jobs, rows=args.rows, device=args.device)
    if args.estimate:
        from mmreidgen.proofs import ProofHarness, get_grid
        from mmreidgen.proofs.estimate import estimate, format_estimate
        harness = ProofHarness(get_grid(args.proof), args.seeds,
                               STATE['work_dir'], name=args.proof, **kwargs)
        est = estimate(harness, args.probe_iters)
        print(format_estimate(est))
        return est
    results = run_proofs(args.proof, args.seeds, STATE['work_dir'],
                         **kwargs)
    with open(osp.join(STATE['work_dir'], 'results.md'),
              encoding='utf-8') as f:
        print(f.read())
    if args.publish:
        out = osp.join(osp.dirname(osp.dirname(osp.dirname(
            osp.abspath(__file__)))), 'docs', 'en', 'proofs', args.proof)
        os.makedirs(out, exist_ok=True)
        for name in ('results.json', 'results.md'):
            shutil.copy2(osp.join(STATE['work_dir'], name), out)
        print(f'Copied results.json and results.md to {out}')
    return results


if __name__ == '__main__':
    run_tool(main, lambda: STATE.get('work_dir'),
             lambda: 'Run the same command again to resume.')
