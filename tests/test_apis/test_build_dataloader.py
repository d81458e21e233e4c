"""One way to build a dataloader, shared by tools, stages and benchmarks."""
import ast
import glob
import os.path as osp

from conftest import REPO

from mmreidgen.apis import build_dataloader, load_config

CONFIG = 'configs/baseline/baseline_r18w16_synthmarket.py'
# The loader builder itself, and the runner whose method it calls.
# The two builders, and the one loader that no config describes: Cluster
# Contrast's batches are drawn per epoch from that epoch's pseudo labels,
# as a list of index batches over per-draw seeded images.
BUILDERS = ('mmreidgen/apis/data.py', 'mmreidgen/engine/runner/reid_runner.py',
            'mmreidgen/stages/pseudo_label_stages.py')


def test_config_without_workers_builds(synth_root):
    cfg = load_config(osp.join(REPO, CONFIG))
    loader_cfg = cfg.test_dataloader
    # What the small configs inherit: persistent workers, but no worker.
    assert loader_cfg.num_workers == 0 and loader_cfg.persistent_workers
    root = osp.join(synth_root, 'synthmarket')
    dataset = dict(loader_cfg.dataset.datasets[0], data_root=root)
    loader = build_dataloader(loader_cfg, dataset, batch_size=5)
    assert loader.batch_size == 5 and not loader.persistent_workers
    batch = next(iter(loader))
    assert len(batch['inputs']) == 5
    assert cfg.test_dataloader.persistent_workers  # the config unchanged
    # A plain loader: every sample once, in order.
    loader = build_dataloader(dict(num_workers=0), dataset, batch_size=4)
    paths = [s.img_path for b in loader for s in b['data_samples']]
    assert paths == [loader.dataset[i]['data_samples'].img_path
                     for i in range(len(loader.dataset))]


def test_every_loader_is_built_through_build_dataloader():
    """No tool, demo, stage or benchmark builds a torch ``DataLoader`` or
    calls ``Runner.build_dataloader`` on its own."""
    files = [
        f for pattern in ('mmreidgen/**/*.py', 'tools/**/*.py',
                          'demo/**/*.py')
        for f in glob.glob(osp.join(REPO, pattern), recursive=True)
    ]
    offenders = []
    for path in files:
        rel = osp.relpath(path, REPO)
        if rel in BUILDERS:
            continue
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id == 'DataLoader':
                offenders.append(f'{rel}:{node.lineno} DataLoader(...)')
            if isinstance(func, ast.Attribute) and \
                    func.attr == 'build_dataloader' and \
                    isinstance(func.value, ast.Name) and \
                    func.value.id == 'Runner':
                offenders.append(
                    f'{rel}:{node.lineno} Runner.build_dataloader(...)')
    assert not offenders, offenders
