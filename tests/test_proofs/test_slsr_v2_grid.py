"""The slsr_v2 grid: per-seed work, shared stages, rows and setting."""
import os.path as osp

from mmreidgen.apis import load_config
from mmreidgen.proofs import GRIDS, ProofHarness
from mmreidgen.proofs.grids import SLSR_V2_SETTING
from mmreidgen.proofs.harness import (
    config_path,
    format_options,
    parse_options,
    run_keys,
    train_options,
)
from mmreidgen.stages import PipelineRunner

GRID = GRIDS['slsr_v2']
SLSR_STAGES = ('stage1_baseline', 'stage2_cluster', 'stage3_gan',
               'stage4_generate', 'stage5_finetune')


def row(name):
    return next(r for r in GRID['rows'] if r['name'] == name)


def test_each_seed_redoes_clustering_dcgans_and_generation(tmp_path):
    harness = ProofHarness(GRID, [0, 1], str(tmp_path), name='slsr_v2')
    slsr = row('slsr')
    dirs = [harness.run_dir(slsr, s) for s in (0, 1)]
    keys = [run_keys(slsr, s, d) for s, d in zip((0, 1), dirs)]
    # Every stochastic stage has another config per seed, so no seed
    # shares (copies) another seed's stage ...
    for stage in SLSR_STAGES:
        assert keys[0][stage] != keys[1][stage], stage
    # ... and each stage reads and writes inside its own seed's folder.
    for seed, run_dir in zip((0, 1), dirs):
        options = parse_options(format_options(train_options(slsr, seed)))
        cfg = load_config(config_path(slsr), options, work_dir=run_dir)
        runner = PipelineRunner(cfg)
        for stage, arg in (('stage3_gan', 'cluster_dir'),
                           ('stage4_generate', 'gan_dir'),
                           ('stage5_finetune', 'generated_dir'),
                           ('stage2_cluster', 'checkpoint')):
            resolved = runner.stage_config(stage)
            assert resolved['stage'][arg].startswith(run_dir + osp.sep)
            assert resolved['randomness']['seed'] == seed
    # Within a seed, LSRO and the controls that change only the labels
    # share everything up to the generated images with SLSR.
    owners = harness.owners(harness.all_keys())
    for name, last_shared in (('lsro', 'stage4_generate'),
                              ('zero_weight', 'stage4_generate'),
                              ('random_subsets', 'stage3_gan'),
                              ('parent_dcgan', 'stage2_cluster'),
                              ('sls_vs_lsro', 'stage7_frechet')):
        shared = [stage for stage, _ in owners[name, 0]]
        assert shared[-1] == last_shared, (name, shared)
        assert {owner for _, owner in owners[name, 0]} == {('baseline', 0)}


def test_required_rows_run_every_seed_and_controls_are_marked():
    required = ('baseline', 'baseline_best', 'slsr', 'slsr_best', 'lsro',
                'lsro_best', 'sls_vs_lsro', 'sls_vs_lsro_best')
    for name in required:
        assert 'seeds' not in row(name), name
    controls = [r for r in GRID['rows'] if r['name'] not in required]
    assert controls and all(r.get('seeds') for r in controls)
    assert GRID['setting'] == SLSR_V2_SETTING
    assert row('slsr')['beats'] == 'baseline'
    assert row('sls_vs_random')['beats'] == 'random_subsets'
