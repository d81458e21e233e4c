"""The named proof grids of ``tools/analysis_tools/run_proofs.py``.

A grid is data: a description and a list of rows. Each row trains one
config (``tools/train.py``) once per seed and reads its metrics:

``name``
    Folder name of the row: its runs go to ``<work_dir>/<name>/seed<k>/``.
``label``
    What the results table calls the row.
``config``
    A config path relative to the repository root.
``cfg_options``
    ``--cfg-options`` of the training (``randomness.seed=<k>`` is added per
    seed). Defaults to none.
``test``
    ``--cfg-options`` of an evaluation with ``tools/test.py`` of the
    trained checkpoint, on top of the training's (e.g. another
    ``data_root`` for direct transfer). ``checkpoint`` in it names the
    checkpoint relative to the run's folder (pipelines); the default is
    the newest complete checkpoint of a single-stage config.
``metrics``
    Instead of ``test``: a ``metrics.json`` the run writes itself, relative
    to the run's folder (a pipeline's test stage, e.g.
    ``'test/metrics.json'``).
``beats``
    The row this row claims to beat: the results give the paired
    difference (same seed) ``row - beats`` with a 95 % interval.

Rows whose training resolves to the same config share it (a single-stage
config), or share every leading pipeline stage whose recorded config hash
is equal (see :mod:`mmreidgen.proofs.harness`).

The grids live in the package, not under ``configs/``: every file under
``configs/`` is a model config that ``tests/test_configs.py`` builds and
trains, and a grid has no model; as a module the grids are also what the
tool lists and what tests import.
"""
from typing import Optional

BASELINE_MARKET = 'configs/baseline/baseline_r18w16_synthmarket.py'
BASELINE_DUKE = 'configs/baseline/baseline_r18w16_synthduke.py'
V2 = 'data/synthreid_v2'


# The ImageNet stand-in: configs/pretrain/pretrain_r18w16_synthobjects.py
# trained with its default work dir (configs/pretrain/README.md). The
# small baseline configs set init_cfg=None, and mmengine merges no dict
# into None: hence _delete_ (the only way from --cfg-options).
SYNTHOBJECTS_R18W16 = dict(
    _delete_=True, type='Pretrained', prefix='backbone.',
    checkpoint='work_dirs/pretrain_r18w16_synthobjects/iter_2496.pth')


def _domain_gap(root: str, init_cfg: Optional[dict] = None) -> dict:
    """Direct transfer against the oracle in both directions."""
    init = {} if init_cfg is None else {'model.backbone.init_cfg': init_cfg}
    market = dict(data_root=f'{root}/synthmarket', **init)
    duke = dict(data_root=f'{root}/synthduke', **init)
    start = 'from scratch' if init_cfg is None else \
        f'initialised from {init_cfg["checkpoint"]}'
    return dict(
        description=(
            f'The domain gap of the synthetic benchmark in {root}: the '
            f'small baseline (ResNet-18 of width 16, {start}) trained '
            'on the source and tested on the target (direct transfer) '
            'against the same model trained on the target (the oracle).'),
        rows=[
            dict(name='direct_market2duke',
                 label='synthmarket -> synthduke: direct transfer',
                 config=BASELINE_MARKET, cfg_options=market,
                 test=dict(data_root=duke['data_root'])),
            dict(name='oracle_duke',
                 label='synthmarket -> synthduke: oracle (synthduke labels)',
                 config=BASELINE_DUKE, cfg_options=duke,
                 test=dict(data_root=duke['data_root']),
                 beats='direct_market2duke'),
            dict(name='direct_duke2market',
                 label='synthduke -> synthmarket: direct transfer',
                 config=BASELINE_DUKE, cfg_options=duke,
                 test=dict(data_root=market['data_root'])),
            dict(name='oracle_market',
                 label='synthduke -> synthmarket: oracle (synthmarket '
                 'labels)',
                 config=BASELINE_MARKET, cfg_options=market,
                 test=dict(data_root=market['data_root']),
                 beats='direct_duke2market'),
        ])


def _bfloat16_cpu(root: str) -> dict:
    """float32 against bfloat16 autocast training of the small baseline."""
    bf16 = {'optim_wrapper.type': 'AutocastOptimWrapper',
            'optim_wrapper.dtype': 'bfloat16'}
    rows = []
    for source, target, config in (('synthmarket', 'synthduke',
                                    BASELINE_MARKET),
                                   ('synthduke', 'synthmarket',
                                    BASELINE_DUKE)):
        for kind, test_root in (('oracle', source), ('direct', target)):
            test = dict(data_root=f'{root}/{test_root}')
            name = f'{kind}_{source}_to_{test_root}'
            rows.append(dict(
                name=f'{name}_float32',
                label=f'{source} -> {test_root}: float32',
                config=config, cfg_options=dict(data_root=f'{root}/{source}'),
                test=test))
            rows.append(dict(
                name=f'{name}_bfloat16',
                label=f'{source} -> {test_root}: bfloat16 autocast',
                config=config,
                cfg_options=dict(data_root=f'{root}/{source}', **bf16),
                test=test, beats=f'{name}_float32'))
    return dict(
        description=(
            f'Whether bfloat16 autocast (AutocastOptimWrapper) keeps the '
            f'results of float32 training on {root}: the small baseline '
            'trained on each domain in both precisions, tested on the same '
            'domain and on the other (direct transfer); the paired '
            'difference is bfloat16 - float32.'),
        rows=rows)


GRIDS = dict(
    domain_gap_v2=_domain_gap(V2),
    domain_gap_v1=_domain_gap('data/synthreid'),
    # Needs the pretrained checkpoint above (configs/pretrain/README.md).
    domain_gap_v2_synthobjects=_domain_gap(V2, SYNTHOBJECTS_R18W16),
    bfloat16_cpu_v2=_bfloat16_cpu(V2),
)


def get_grid(name: str) -> dict:
    """The grid called ``name``.

    Raises:
        KeyError: With the known names.
    """
    if name not in GRIDS:
        raise KeyError(f'No proof grid {name!r}; known grids: '
                       f'{", ".join(sorted(GRIDS))} '
                       '(mmreidgen/proofs/grids.py).')
    return GRIDS[name]
