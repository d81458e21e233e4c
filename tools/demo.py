"""``make demo``: the main job end to end on the synthetic benchmark.

Renders the synthetic pair (synthmarket -> synthduke) if missing, runs
CR-GAN's three stages with ``tools/train.py`` (its pipeline evaluates the
direct-transfer model and the CR-GAN model on the target), and beside it,
on a second core, the target-supervised oracle and cut, paste and learn
(stage III on cut-paste renderings, started from CR-GAN's own stage I
model rather than one trained again). It prints one results table (also
written to ``<work-dir>/results.md``). Every number in the table is
produced by this run. A finished stage is skipped when the demo is run
again: the pipelines keep a ``done`` marker per stage, and each oracle step
writes ``<step>.done.json`` with its command once it has finished, so only
a changed command runs again.
"""
import argparse
import json
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
import threading
import time
from typing import Callable, List, Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

# The main job: CR-GAN's three stages on synthmarket -> synthduke. Its
# pipeline also evaluates the stage I identity model on the target, which is
# the direct-transfer reference.
CRGAN_CONFIG = 'configs/crgan/crgan_r18w16_synthmarket2synthduke.py'
CRGAN_ROWS = [
    ('Direct transfer (D_id trained on synthmarket only)',
     'test_direct_transfer/metrics.json'),
    ('CR-GAN (D_id fine-tuned on renderings)', 'test/metrics.json'),
]
# Cut, paste and learn: stage III on cut-paste renderings (v2's
# parser-like masks) of the same stage I model.
CUTPASTE_CONFIG = 'configs/crgan/cutpaste_r18w16_synthmarket2synthduke.py'
CUTPASTE_ROW = ('Cut, paste and learn (parser-like masks)',
                'test/metrics.json')
# The synthetic configs' synth_root.
DEFAULT_SYNTH_ROOT = 'data/synthreid_v2'
# The oracle: the same identity model trained on the target's own labels.
ORACLE_CONFIG = 'configs/baseline/baseline_r18w16_synthduke.py'


# What the progress line reads from a training log: mmengine's iteration
# lines and the pipeline's stage starts.
_ITER = re.compile(r'Iter\(train\) \[\s*(\d+)/(\d+)\].*?eta: (\S+)')
_STAGE = re.compile(r'Stage (\S+) \((\w+)\) starts')


def progress_of(log_text: str,
                label: Optional[str] = None) -> Optional[str]:
    """One status line from a training log so far: the stage (``label``
    for a run of one config, which has no stages), the iteration and the
    time left; None before the first of them."""
    starts = list(_STAGE.finditer(log_text))
    stage = starts[-1].groups() if starts else None
    # The iterations of the current stage only.
    iters = _ITER.findall(log_text[starts[-1].end():] if starts else log_text)
    name = stage[0] if stage else label
    if stage is not None and stage[1] != 'train':
        return f'{name}: {stage[1]}'
    if not iters:
        return f'{name}: starting' if name else None
    done, total, eta = iters[-1]
    width = 20
    filled = width * int(done) // max(int(total), 1)
    bar = '#' * filled + '.' * (width - filled)
    where = f'{name} ' if name else ''
    return f'{where}[{bar}] {done}/{total}, {eta} left'


# Child processes alive, ended when the demo stops early.
_CHILDREN = set()
_PRINT = threading.Lock()


def say(text: str) -> None:
    """Print a line; in a terminal over the redrawn progress line."""
    with _PRINT:
        prefix = '\r' if sys.stdout.isatty() else ''
        print(f'{prefix}{text:<102}' if prefix else text, flush=True)


def run(cmd: list, log_path: str, show: bool = True,
        label: Optional[str] = None) -> float:
    """Run ``cmd`` from the repo root, log to a file, return seconds.

    While it runs, a progress line shows the stage, the iteration and the
    time left (redrawn in a terminal; a line per change of stage or tenth
    of a stage otherwise), named by ``label`` where the command has no
    stages; ``show=False`` (a job beside the main one) shows none."""
    start = time.time()
    # One intra-op thread per process: oversubscribed OpenMP threads were
    # several times slower on our shared 2-core machines. An
    # OMP_NUM_THREADS set by the user wins.
    env = dict(os.environ)
    env.setdefault('OMP_NUM_THREADS', '1')
    tty = sys.stdout.isatty()
    shown = None
    with open(log_path, 'w', encoding='utf-8') as log:
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        _CHILDREN.add(proc)
        while proc.poll() is None:
            time.sleep(1)
            if not show:
                continue
            with open(log_path, encoding='utf-8', errors='replace') as f:
                line = progress_of(f.read(), label)
            if line is None or line == shown:
                continue
            if tty:
                with _PRINT:
                    print(f'\r  {line[:100]:<100}', end='', flush=True)
            elif _worth_a_line(shown, line):
                say(f'  {line}')
            shown = line
        _CHILDREN.discard(proc)
        if tty and shown is not None:
            with _PRINT:
                print(flush=True)
    if proc.returncode != 0:
        with open(log_path, encoding='utf-8') as f:
            tail = ''.join(f.readlines()[-30:])
        sys.exit(f'Command failed ({proc.returncode}): {" ".join(cmd)}\n'
                 f'Last lines of {log_path}:\n{tail}')
    return time.time() - start


def _worth_a_line(shown: Optional[str], line: str) -> bool:
    """Outside a terminal: a new stage, or a new tenth of one."""
    def key(text):
        match = re.search(r'^(.*?)\[[#.]*\] (\d+)/(\d+)', text or '')
        if not match:
            return text
        return match.group(1), 10 * int(match.group(2)) // int(
            match.group(3))

    return key(shown) != key(line)


def run_once(cmd: list, log_path: str, done_path: str,
             label: Optional[str] = None) -> Optional[float]:
    """Run ``cmd`` as :func:`run` unless ``done_path`` records that the
    same command has finished; return seconds, or None when skipped."""
    record = dict(command=cmd[1:])  # without the interpreter's path
    if osp.isfile(done_path):
        with open(done_path, encoding='utf-8') as f:
            if json.load(f) == record:
                return None
    secs = run(cmd, log_path, label=label)
    with open(done_path, 'w', encoding='utf-8') as f:
        json.dump(record, f, indent=1)
    return secs


def last_checkpoint(work_dir: str) -> str:
    """The checkpoint mmengine saved last in ``work_dir``."""
    with open(osp.join(work_dir, 'last_checkpoint'), encoding='utf-8') as f:
        return f.read().strip()


def train_and_test_oracle(py: str, work_dir: str, synth_root: str,
                          cfg_options: Sequence[str] = ()) -> dict:
    """Train the oracle on the target's labels and test it, each step
    skipped when it has finished with the same command; return the
    metrics on the target's test set."""
    oracle_dir = osp.join(work_dir, 'oracle')
    os.makedirs(oracle_dir, exist_ok=True)
    options = ['--cfg-options', f'synth_root={synth_root}', *cfg_options]
    secs = run_once(
        [py, 'tools/train.py', ORACLE_CONFIG, '--work-dir', oracle_dir,
         *options], osp.join(work_dir, 'oracle.train.log'),
        osp.join(oracle_dir, 'train.done.json'), label='oracle')
    metrics_file = osp.join(oracle_dir, 'target_metrics.json')
    test_secs = run_once(
        [py, 'tools/test.py', ORACLE_CONFIG, last_checkpoint(oracle_dir),
         '--work-dir', osp.join(oracle_dir, 'test'), '--out-metrics',
         metrics_file, *options], osp.join(work_dir, 'oracle.test.log'),
        osp.join(oracle_dir, 'test.done.json'), label='oracle test')
    if secs is None and test_secs is None:
        say('  oracle: already done, skipped')
    else:
        say(f'  oracle: done in {((secs or 0) + (test_secs or 0)) / 60:.1f}'
            ' min')
    return read_metrics(metrics_file)


def cut_paste_options(crgan_dir: str) -> List[str]:
    """The ``--cfg-options`` that make cut, paste and learn start its stage
    III from CR-GAN's stage I model instead of training stage I again.

    Its own stage I would be the same (same settings, same seed: on the
    v2 proof grid the two stage I checkpoints are bitwise equal), but its
    pipeline hashes the whole model config, which names the renderer, so
    it is not shared by hash.
    """
    final = osp.join(crgan_dir, 'stage1_pretrain', 'final.pth')
    return ['stages.stage1_pretrain=None', 'stages.test_direct_transfer=None',
            f'stages.stage3_finetune.cfg.load_from={final}']


def cut_paste(py: str, work_dir: str, synth_root: str,
              cfg_options: Sequence[str], crgan_dir: str,
              crgan_running: Callable[[], bool] = lambda: False) -> dict:
    """Cut, paste and learn in ``<work_dir>/cutpaste``, its stage III
    started from CR-GAN's stage I model in ``crgan_dir`` (waiting while
    ``crgan_running()`` and that stage is not done); return the target's
    metrics."""
    done = osp.join(crgan_dir, 'stage1_pretrain', 'done')
    while not osp.isfile(done) and crgan_running():
        time.sleep(5)
    if not osp.isfile(done):
        raise SystemExit(
            f'Cut, paste and learn starts from CR-GAN\'s stage I model, but '
            f'{done} is missing: run CR-GAN first (make demo runs it).')
    cut_dir = osp.join(work_dir, 'cutpaste')
    secs = run([py, 'tools/train.py', CUTPASTE_CONFIG, '--work-dir', cut_dir,
                '--cfg-options', f'synth_root={synth_root}', *cfg_options,
                *cut_paste_options(crgan_dir)],
               osp.join(work_dir, 'cutpaste.log'), show=False)
    say(f'  cut, paste and learn: done in {secs / 60:.1f} min')
    return read_metrics(osp.join(cut_dir, CUTPASTE_ROW[1]))


def next_steps(work_dir: str, synth_root: str,
               oracle_ckpt: Optional[str]) -> List[str]:
    """Where the demo's files are, and two commands to try next (paths
    relative to the repository root, as the commands run from there)."""
    crgan = osp.join(work_dir, 'crgan')
    final = osp.join(crgan, 'stage3_finetune', 'final.pth')
    data = [] if synth_root == DEFAULT_SYNTH_ROOT else \
        ['--cfg-options', f'synth_root={synth_root}']
    lines = [
        'Files:',
        f'  table        {osp.join(work_dir, "results.md")}',
        f'  logs         {work_dir}/*.log; each stage\'s own log in '
        f'{crgan}/<stage>/<time stamp>/',
        f'  checkpoints  {final}' +
        (f', {oracle_ckpt}' if oracle_ckpt else ''),
        f'  pictures     {osp.join(crgan, "stage2_gan", "vis")}/ (CR-GAN\'s '
        'renderings during training)',
        'Next:',
        '  # test the CR-GAN model on the target (synthduke)',
        '  ' + shlex.join(['python', 'tools/test.py', CRGAN_CONFIG, final,
                           *data]),
    ]
    if oracle_ckpt:
        lines += [
            '  # draw ranked lists and the CMC curve of the oracle',
            '  ' + shlex.join([
                'python', 'tools/analysis_tools/visualize_ranks.py',
                ORACLE_CONFIG, oracle_ckpt, '--out-dir',
                osp.join(work_dir, 'ranks'), *data
            ]),
        ]
    lines.append('More: docs/en/own_images.md (your own images), '
                 'docs/en/get_started.md.')
    return lines


def read_metrics(path: str) -> dict:
    """The target's metrics of a metrics JSON ('reid/mAP' -> 'mAP'); a
    further test set's ('synthmarket/reid/mAP') stay apart."""
    from mmreidgen.proofs.summary import read_metrics as read
    return read(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', default=None,
                        help='default: data/synthreid (version 1) or '
                        f'{DEFAULT_SYNTH_ROOT}')
    parser.add_argument(
        '--benchmark-version', type=int, default=2, choices=(1, 2),
        help='synthetic benchmark version (docs/en/synthetic_benchmark.md); '
        '1 reproduces the table of 2026-11-21 (with the 2 loader workers '
        'the small configs had then)')
    parser.add_argument('--skip-oracle', action='store_true',
                        help='skip training on the target labels')
    parser.add_argument(
        '--jobs', type=int, default=min(2, os.cpu_count() or 1),
        help='1: one job after the other; 2 (default with two or more '
        'cores): the oracle and cut, paste and learn beside CR-GAN')
    args = parser.parse_args()
    if args.data_root is None:
        args.data_root = 'data/synthreid' if args.benchmark_version == 1 \
            else DEFAULT_SYNTH_ROOT
    work_dir = osp.join(REPO, args.work_dir)
    os.makedirs(work_dir, exist_ok=True)
    py = sys.executable
    total_start = time.time()

    if not osp.isfile(osp.join(REPO, args.data_root, 'stats.json')):
        print(f'Rendering the synthetic benchmark into {args.data_root} ...',
              flush=True)
        secs = run([
            py, 'tools/dataset_converters/make_synthetic_reid.py', '--out',
            args.data_root, '--version', str(args.benchmark_version)
        ], osp.join(work_dir, 'render.log'))
        print(f'  done in {secs:.0f} s', flush=True)

    # The table of 2026-11-21 was made with 2 loader workers, which draw
    # other augmentations than loading in the main process (the configs'
    # setting since 2026-12-01).
    old = ['num_workers=2'] if args.benchmark_version == 1 else []
    crgan_dir = osp.join(work_dir, 'crgan')
    crgan_done = threading.Event()
    side_rows, side_error = [], []

    def beside():
        """The jobs beside CR-GAN: the oracle, then cut, paste and learn
        (by then CR-GAN's stage I, which it shares, has finished)."""
        try:
            if not args.skip_oracle:
                side_rows.append(('Oracle (trained on synthduke labels)',
                                  train_and_test_oracle(
                                      py, work_dir, args.data_root, old)))
            side_rows.append((CUTPASTE_ROW[0], cut_paste(
                py, work_dir, args.data_root, old, crgan_dir,
                lambda: not crgan_done.is_set())))
        except BaseException as err:  # noqa: BLE001 - reported by main
            side_error.append(err)

    side = threading.Thread(target=beside, daemon=True)
    parallel = args.jobs > 1
    if parallel:
        say('Beside CR-GAN, on a second core: the oracle '
            f'({ORACLE_CONFIG}), then cut, paste and learn '
            f'({CUTPASTE_CONFIG}).')
        side.start()
    try:
        say(f'CR-GAN: stages I-III of {CRGAN_CONFIG} ...')
        secs = run([py, 'tools/train.py', CRGAN_CONFIG, '--work-dir',
                    crgan_dir, '--cfg-options',
                    f'synth_root={args.data_root}', *old],
                   osp.join(work_dir, 'crgan.log'))
        crgan_done.set()
        say(f'  CR-GAN: done in {secs / 60:.1f} min')
        if parallel:
            say('Waiting for the jobs beside CR-GAN ...')
            side.join()
        else:
            beside()
    finally:
        crgan_done.set()
        for proc in list(_CHILDREN):
            proc.terminate()
    if side_error:
        err = side_error[0]
        sys.exit(err.code if isinstance(err, SystemExit) else
                 f'{type(err).__name__}: {err}')
    rows = [(name, read_metrics(osp.join(crgan_dir, rel)))
            for name, rel in CRGAN_ROWS]
    rows += sorted(side_rows, key=lambda row: row[0] != CUTPASTE_ROW[0])
    oracle_ckpt = None
    if not args.skip_oracle:
        oracle_ckpt = osp.relpath(
            last_checkpoint(osp.join(work_dir, 'oracle')), REPO)

    lines = [
        '| synthmarket -> synthduke (target test set) | mAP | R1 | R5 |',
        '|---|---|---|---|',
    ]
    for name, m in rows:
        lines.append(f'| {name} | {m["mAP"]:.1f} | {m["R1"]:.1f} | '
                     f'{m["R5"]:.1f} |')
    lines.append(f'\nTotal wall time: {(time.time() - total_start) / 60:.1f}'
                 f' min on {os.cpu_count()} CPU cores.')
    from mmreidgen.utils.environment import (
        environment_record,
        format_environment,
    )
    lines.append(f'Environment: {format_environment(environment_record())}.')
    table = '\n'.join(lines)
    with open(osp.join(work_dir, 'results.md'), 'w', encoding='utf-8') as f:
        f.write(table + '\n')
    print('\n' + table + '\n')
    print('\n'.join(next_steps(osp.relpath(work_dir, REPO), args.data_root,
                               oracle_ckpt)))


if __name__ == '__main__':
    main()
