"""The proof harness end to end on a tiny grid, and its statistics."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
from scipy import stats

from mmreidgen.proofs import (
    GRIDS,
    ProofError,
    ProofHarness,
    paired_difference,
    read_metrics,
)
from mmreidgen.proofs.harness import CONFIG_COPY, MARKER, share_stages

pytestmark = pytest.mark.early(140)

CONFIG = 'configs/baseline/baseline_r18w16_synthmarket.py'


def tiny_grid(root: str) -> dict:
    """2 rows sharing one training per seed, tested on both domains."""
    train = {
        'data_root': f'{root}/synthmarket', 'num_classes': 8,
        'train_cfg.max_iters': 12, 'train_batch_size': 8,
        'num_instances': 2, 'test_batch_size': 64, 'num_workers': 0,
        'default_hooks.logger.interval': 4,
        'train_dataloader.persistent_workers': False,
        'test_dataloader.persistent_workers': False,
        # Tested by the harness's own test step only.
        'val_cfg': None, 'val_dataloader': None, 'val_evaluator': None,
    }
    return dict(description='tiny', rows=[
        dict(name='transfer', label='transfer', config=CONFIG,
             cfg_options=train, test=dict(data_root=f'{root}/synthduke')),
        dict(name='source', label='on source', config=CONFIG,
             cfg_options=train, test=dict(), beats='transfer'),
    ])


@pytest.fixture(scope='module')
def serial(synth_root, tmp_path_factory):
    """The tiny grid, seed 0, one run at a time."""
    work = str(tmp_path_factory.mktemp('serial') / 'proof')
    results = ProofHarness(tiny_grid(synth_root), [0], work,
                           name='tiny').run()
    return work, results


@pytest.fixture(scope='module')
def parallel(synth_root, tmp_path_factory):
    """The tiny grid, seeds 0 and 1, two runs side by side: estimated
    first, then started and killed (with its trainings) once its first run
    has finished, then finished by the same call again. Returns the work
    dir, the results, the estimate and the runs finished when killed."""
    from mmreidgen.proofs.estimate import estimate
    work = str(tmp_path_factory.mktemp('parallel') / 'proof')
    grid = tiny_grid(synth_root)
    est = estimate(ProofHarness(grid, [0, 1], work, name='tiny', jobs=2),
                   probe_iters=8)
    proc = subprocess.Popen(
        [sys.executable, 'tests/test_proofs/run_tiny_grid.py', synth_root,
         work],
        cwd=osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    while not _finished_runs(work) and proc.poll() is None and \
            time.time() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed = _finished_runs(work)
    results = ProofHarness(grid, [0, 1], work, name='tiny', jobs=2).run()
    return work, results, est, killed


def test_tiny_grid_end_to_end(parallel, synth_root):
    work, results, _, _ = parallel
    grid = tiny_grid(synth_root)
    with open(osp.join(work, 'results.json')) as f:
        assert json.load(f) == json.loads(json.dumps(results))
    assert osp.isfile(osp.join(work, 'results.md'))
    rows = {r['name']: r for r in results['rows']}
    for name in ('transfer', 'source'):
        for seed in (0, 1):
            run = osp.join(work, name, f'seed{seed}')
            metrics = read_metrics(
                osp.join(run, 'proof_test', 'metrics.json'))
            for key in ('mAP', 'R1', 'R5'):
                assert rows[name]['runs'][str(seed)][key] == metrics[key]
    # 'source' shares the training of 'transfer' (same resolved config):
    # one training per seed, hard-linked, no CPU time of its own training.
    with open(osp.join(work, 'source', 'seed0', 'proof_run.json')) as f:
        record = json.load(f)
    assert record['shared'] == {'train': 'transfer/seed0'}
    ckpt = record['checkpoint']
    assert os.stat(osp.join(work, 'source', 'seed0', ckpt)).st_ino == \
        os.stat(osp.join(work, 'transfer', 'seed0', ckpt)).st_ino
    # Different seeds train different models.
    assert rows['transfer']['runs']['0']['mAP'] != \
        rows['transfer']['runs']['1']['mAP']
    # The paired difference and its t interval.
    diff = rows['source']['difference']['mAP']
    d = [rows['source']['runs'][s]['mAP'] - rows['transfer']['runs'][s]['mAP']
         for s in ('0', '1')]
    assert diff['diffs'] == pytest.approx(d)
    mean = sum(d) / 2
    half = stats.t.ppf(0.975, 1) * abs(d[0] - d[1]) / 2 ** 0.5 / 2 ** 0.5
    assert diff['mean'] == pytest.approx(mean)
    assert diff['ci'] == pytest.approx([mean - half, mean + half])
    assert rows['source']['mAP']['mean'] == pytest.approx(
        sum(rows['source']['runs'][s]['mAP'] for s in ('0', '1')) / 2)
    # Resuming: nothing runs again, the results are the same.
    mtime = os.path.getmtime(osp.join(work, 'transfer', 'seed1',
                                      'proof_train.log'))
    again = ProofHarness(grid, [0, 1], work, name='tiny').run()
    assert [r['runs'] for r in again['rows']] == \
        [r['runs'] for r in results['rows']]
    assert os.path.getmtime(osp.join(work, 'transfer', 'seed1',
                                     'proof_train.log')) == mtime
    # A changed grid does not silently reuse old runs.
    grid['rows'][0]['cfg_options'] = dict(grid['rows'][0]['cfg_options'],
                                          **{'train_cfg.max_iters': 24})
    with pytest.raises(ProofError, match='another config'):
        ProofHarness(grid, [0], work, name='tiny').run()


def _fake_stage(run_dir, name, digest):
    os.makedirs(osp.join(run_dir, name))
    with open(osp.join(run_dir, name, CONFIG_COPY), 'w') as f:
        json.dump(dict(hash=digest, config={}), f)
    with open(osp.join(run_dir, name, MARKER), 'w') as f:
        f.write('{}')
    with open(osp.join(run_dir, name, 'final.pth'), 'w') as f:
        f.write(name)


def test_share_stages_copies_the_equal_prefix(tmp_path):
    other = str(tmp_path / 'a' / 'seed0')
    _fake_stage(other, 'stage1', 'h1')
    _fake_stage(other, 'stage2', 'h2')
    mine = str(tmp_path / 'b' / 'seed0')
    # stage1 equal, stage2 differs (its chained hash), stage3 not run.
    shared = share_stages({'stage1': 'h1', 'stage2': 'x2', 'stage3': 'x3'},
                          mine, [other])
    assert shared == {'stage1': other}
    assert open(osp.join(mine, 'stage1', 'final.pth')).read() == 'stage1'
    assert not osp.exists(osp.join(mine, 'stage2'))


def test_a_grid_shares_the_runs_of_the_grids_it_names(tmp_path):
    """share_with: the runs of another grid's work dir (beside this one's)
    are candidates for sharing, of the same seed only."""
    proofs = tmp_path / 'proofs'
    other = str(proofs / 'first' / 'direct' / 'seed0')
    _fake_stage(other, 'stage1', 'h1')
    _fake_stage(str(proofs / 'first' / 'direct' / 'seed1'), 'stage1', 'h1')
    grid = dict(GRIDS['uda_v2'], share_with=['first'])
    harness = ProofHarness(grid, [0], str(proofs / 'second'), name='second')
    assert harness.shared_run_dirs(0) == [other]
    row = grid['rows'][1]
    mine = harness.run_dir(row, 0)
    assert share_stages({'stage1': 'h1', 'uda': 'u'}, mine,
                        harness._others(row, 0)) == {'stage1': other}
    alone = ProofHarness(dict(grid, share_with=[]), [0],
                         str(proofs / 'third'), name='third')
    assert alone.shared_run_dirs(0) == []


def test_owners_wait_for_every_stage_a_run_before_them_trains(tmp_path):
    # 'b' shares stage1 with 'a' and trains stage2 and stage3; 'c' has the
    # same three stages as 'b' and must wait for all of them, not train
    # stage2 and stage3 again beside 'b'.
    harness = ProofHarness(dict(rows=[]), [0], str(tmp_path))
    keys = {('a', 0): {'stage1': 'h1', 'stage2': 'a2'},
            ('b', 0): {'stage1': 'h1', 'stage2': 'b2', 'stage3': 'b3'},
            ('c', 0): {'stage1': 'h1', 'stage2': 'b2', 'stage3': 'b3'},
            ('d', 1): {'stage1': 'h1', 'stage2': 'b2'}}
    owners = harness.owners(keys)
    assert owners[('a', 0)] == []
    assert owners[('b', 0)] == [('stage1', ('a', 0))]
    assert owners[('c', 0)] == [('stage1', ('a', 0)), ('stage2', ('b', 0)),
                                ('stage3', ('b', 0))]
    assert owners[('d', 1)] == []  # another seed shares nothing


def test_paired_difference_matches_scipy():
    a, b = {0: 30.0, 1: 35.0, 2: 33.0}, {0: 20.0, 1: 28.0, 2: 21.0, 3: 5.0}
    out = paired_difference(a, b)
    assert out['seeds'] == [0, 1, 2]
    lo, hi = stats.t.interval(0.95, 2, loc=out['mean'],
                              scale=stats.sem([10.0, 7.0, 12.0]))
    assert out['ci'] == pytest.approx([lo, hi])


def test_grids_are_wellformed():
    for name, grid in GRIDS.items():
        ProofHarness(grid, [0], '/tmp/unused-proof', name=name)


def _finished_runs(work):
    done = []
    for row in ('transfer', 'source'):
        for seed in (0, 1):
            path = osp.join(work, row, f'seed{seed}', 'proof_run.json')
            if osp.isfile(path):
                with open(path) as f:
                    if json.load(f).get('finished'):
                        done.append((row, seed))
    return done


def test_parallel_grid_estimates_resumes_and_matches_serial(
        parallel, serial):
    from mmreidgen.proofs.estimate import format_estimate
    work, results, est, killed = parallel
    _, reference = serial
    # The estimate: 4 runs, the training of 'source' shared per seed, and
    # CPU time within a factor of 2 of what the serial grid took (one
    # seed there, two here).
    assert [(r['row'], r['seed']) for r in est['runs']] == [
        ('transfer', 0), ('source', 0), ('transfer', 1), ('source', 1)]
    assert est['runs'][1]['trains'] == []
    assert est['runs'][1]['waits_for'] == ['transfer seed 0']
    assert set(est['shared']) == {'train of transfer seed 0',
                                  'train of transfer seed 1'}
    assert 0.5 < est['cpu_s'] / (2 * reference['cpu_s']) < 2, (
        est['cpu_s'], reference['cpu_s'])
    assert est['wall_s'] <= sum(r['seconds'] for r in est['runs'])
    assert 'wall time at --jobs 2' in format_estimate(est)
    assert not osp.exists(osp.join(work, '_probe'))
    # Killed once its first run had finished; the same call again
    # finished the grid.
    assert 0 < len(killed) < 4
    assert len(_finished_runs(work)) == 4
    # Each subprocess is deterministic, so the metrics are the serial ones.
    for mine, ref in zip(results['rows'], reference['rows']):
        for key in ('mAP', 'R1', 'R5'):
            assert mine['runs']['0'][key] == ref['runs']['0'][key]
    with open(osp.join(work, 'source', 'seed1', 'proof_run.json')) as f:
        assert json.load(f)['shared'] == {'train': 'transfer/seed1'}
    # What made the numbers is recorded.
    assert results['jobs'] == 2 and results['device'] == 'cpu'
    assert results['environment']['packages']['torch']
    assert results['commit'] is None or len(results['commit']) >= 40


def test_rows_and_per_row_seeds(synth_root, tmp_path):
    from mmreidgen.proofs.summary import format_markdown, summarise
    grid = tiny_grid(synth_root)
    grid['rows'][1]['seeds'] = [0]
    harness = ProofHarness(grid, [0, 1, 2], str(tmp_path), name='tiny')
    assert [(r['name'], s) for r, s in harness.units()] == [
        ('transfer', 0), ('source', 0), ('transfer', 1), ('transfer', 2)]
    only = ProofHarness(grid, [0, 1], str(tmp_path), rows=['source'])
    assert [(r['name'], s) for r, s in only.units()] == [('source', 0)]
    with pytest.raises(ProofError, match='no such row'):
        ProofHarness(grid, [0], str(tmp_path), rows=['sorce'])
    metrics = dict(mAP=10.0, R1=20.0, R5=30.0, cpu_s=60.0)
    results = summarise(grid, 'tiny', [0, 1, 2], {
        'transfer': {0: metrics, 1: metrics, 2: metrics},
        'source': {0: metrics}})
    table = format_markdown(results)
    assert '| on source | 1† |' in table
    assert '† The row runs fewer seeds than the grid: on source: seeds 0.' \
        in table
    assert '| transfer | 3 |' in table


def test_read_metrics_keeps_further_test_sets_apart(tmp_path):
    path = tmp_path / 'metrics.json'
    path.write_text(json.dumps({'reid/mAP': 30.0, 'synthmarket/reid/mAP':
                                70.0, 'reid/R1': 40.0}))
    assert read_metrics(str(path)) == {'mAP': 30.0, 'R1': 40.0,
                                       'synthmarket/mAP': 70.0}


def test_cpu_time_so_far_is_reported_while_a_run_goes_on(tmp_path):
    from mmreidgen.proofs.harness import call_logged
    seen = []
    burn = 'import time\nt = time.process_time()\n' \
        'while time.process_time() - t < 1.2: pass\n'
    cpu, wall = call_logged([sys.executable, '-c', burn],
                            str(tmp_path / 'log.txt'),
                            progress=lambda c, w: seen.append((c, w)),
                            every=0.3)
    assert len(seen) >= 2
    assert all(b[0] >= a[0] and b[1] > a[1] for a, b in zip(seen, seen[1:]))
    assert 0 < seen[-1][0] <= cpu + 0.05 and cpu >= 1.2
    assert seen[-1][1] <= wall


def test_a_killed_attempt_keeps_its_cpu_time(synth_root, tmp_path,
                                             monkeypatch):
    """A run killed with its harness (no wait4 result) keeps the CPU and
    wall time of its last progress record; the next attempt adds them."""
    grid = tiny_grid(synth_root)
    harness = ProofHarness(grid, [0], str(tmp_path), name='tiny')
    row = grid['rows'][0]
    run_dir = harness.run_dir(row, 0)
    keys = {'train': 'k'}
    os.makedirs(run_dir)
    # What the killed attempt left: its record with the last progress.
    killed = dict(row=row['name'], seed=0, keys=keys, cpu_s=0.0, wall_s=0.0,
                  attempt=dict(cpu_s=50.0, wall_s=60.0))
    with open(osp.join(run_dir, 'proof_run.json'), 'w') as f:
        json.dump(killed, f)
    written = []

    def fake_call(cmd, log_path, progress=None):
        progress(3.0, 4.0)  # the new attempt's progress, then its end
        with open(osp.join(run_dir, 'proof_run.json')) as f:
            written.append(json.load(f))
        import torch
        torch.save(dict(meta=dict(iter=12)),
                   osp.join(run_dir, 'iter_12.pth'))
        return 10.0, 12.0

    monkeypatch.setattr(harness, '_call', fake_call)
    record = harness._train(row, 0, run_dir, keys, killed)
    assert written[0]['cpu_s'] == 50.0 and written[0]['wall_s'] == 60.0
    assert written[0]['attempt'] == dict(cpu_s=3.0, wall_s=4.0)
    assert record['cpu_s'] == 60.0 and record['wall_s'] == 72.0
    with open(osp.join(run_dir, 'proof_run.json')) as f:
        final = json.load(f)
    assert 'attempt' not in final and final['cpu_s'] == 60.0
