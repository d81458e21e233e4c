"""``make demo``: the main job end to end on the synthetic benchmark.

Renders the synthetic pair (synthmarket -> synthduke) if missing, trains
each entry of ``JOBS`` with ``tools/train.py``, evaluates it on the target
domain with ``tools/test.py --out-metrics`` and prints one results table
(also written to ``<work-dir>/results.md``). Every number in the table is
produced by this run.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

# (row name, train config, test config, checkpoint inside the work dir)
JOBS = [
    ('Direct transfer (trained on synthmarket)',
     'configs/baseline/baseline_r18w16_synthmarket.py',
     'configs/baseline/baseline_r18w16_synthduke.py', 'iter_1200.pth'),
    ('Oracle (trained on synthduke labels)',
     'configs/baseline/baseline_r18w16_synthduke.py',
     'configs/baseline/baseline_r18w16_synthduke.py', 'iter_1200.pth'),
]


def run(cmd: list, log_path: str) -> float:
    """Run ``cmd`` from the repo root, log to a file, return seconds."""
    start = time.time()
    with open(log_path, 'w', encoding='utf-8') as log:
        proc = subprocess.run(
            cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log_path, encoding='utf-8') as f:
            tail = ''.join(f.readlines()[-30:])
        sys.exit(f'Command failed ({proc.returncode}): {" ".join(cmd)}\n'
                 f'Last lines of {log_path}:\n{tail}')
    return time.time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default='data/synthreid')
    args = parser.parse_args()
    work_dir = osp.join(REPO, args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    py = sys.executable
    total_start = time.time()

    if not osp.isfile(osp.join(REPO, args.data_root, 'stats.json')):
        print(f'Rendering the synthetic benchmark into {args.data_root} ...',
              flush=True)
        secs = run([
            py, 'tools/dataset_converters/make_synthetic_reid.py', '--out',
            args.data_root
        ], osp.join(work_dir, 'render.log'))
        print(f'  done in {secs:.0f} s', flush=True)

    rows = []
    for name, train_cfg, test_cfg, ckpt in JOBS:
        job = osp.splitext(osp.basename(train_cfg))[0]
        job_dir = osp.join(work_dir, job)
        print(f'{name}: training {train_cfg} ...', flush=True)
        train_secs = run([py, 'tools/train.py', train_cfg, '--work-dir',
                          job_dir], osp.join(work_dir, f'{job}.train.log'))
        metrics_file = osp.join(job_dir, 'target_metrics.json')
        test_secs = run([
            py, 'tools/test.py', test_cfg, osp.join(job_dir, ckpt),
            '--work-dir', osp.join(job_dir, 'test'), '--out-metrics',
            metrics_file
        ], osp.join(work_dir, f'{job}.test.log'))
        with open(metrics_file, encoding='utf-8') as f:
            # ReIDMetric's keys carry the evaluator prefix, e.g. 'reid/mAP'.
            metrics = {
                k.rsplit('/', 1)[-1]: v
                for k, v in json.load(f).items()
            }
        rows.append((name, metrics, train_secs + test_secs))
        print(f'  mAP {metrics["mAP"]:.1f}  R1 {metrics["R1"]:.1f}  '
              f'({train_secs + test_secs:.0f} s)', flush=True)

    lines = [
        '| method (target: synthduke) | mAP | R1 | R5 | minutes |',
        '|---|---|---|---|---|',
    ]
    for name, m, secs in rows:
        lines.append(f'| {name} | {m["mAP"]:.1f} | {m["R1"]:.1f} | '
                     f'{m["R5"]:.1f} | {secs / 60:.1f} |')
    lines.append(f'\nTotal wall time: {(time.time() - total_start) / 60:.1f}'
                 f' min on {os.cpu_count()} CPU cores.')
    table = '\n'.join(lines)
    with open(osp.join(work_dir, 'results.md'), 'w', encoding='utf-8') as f:
        f.write(table + '\n')
    print('\n' + table)


if __name__ == '__main__':
    main()
