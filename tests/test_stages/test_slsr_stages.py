"""The SLSR pipeline end to end on a tiny synthetic benchmark."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from mmreidgen.datasets.slsr_generated_dataset import cluster_identity_sets
from mmreidgen.evaluation.functional.clustering import (
    format_silhouette_table,
    silhouette_table,
)
from mmreidgen.registry import DATASETS, STAGES
from mmreidgen.stages import (
    PipelineRunner,
    SLSRClusterStage,
    SLSRFinetuneStage,
    SLSRGenerateStage,
    SLSRTrainGANStage,
)
from mmreidgen.stages.slsr_stages import split_evenly


def tiny_cfg(root, work_dir):
    """A pipeline config laid out as configs/slsr/: SLSR's settings are
    stage arguments and top-level variables the stages refer to."""
    pipeline = [
        dict(type='LoadReIDImage'),
        dict(type='ReIDResize', scale=(32, 16)),
        dict(type='PackReIDInputs'),
    ]
    data = osp.join(root, 'synthmarket')
    gan_size = (16, 8)
    return Config(
        dict(
            default_scope='mmreidgen',
            runner_type='PipelineRunner',
            work_dir=work_dir,
            randomness=dict(seed=0),
            model=dict(
                type='ReIDBaseline',
                backbone=dict(
                    type='mmpretrain.ResNet', depth=18, stem_channels=8,
                    base_channels=8, out_indices=(3, )),
                head=dict(type='ReIDHead', in_channels=64, num_classes=8,
                          loss_cls=dict(type='CrossEntropyLoss'))),
            train_dataloader=dict(
                batch_size=8, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(type='Market1501', data_root=data,
                             subset='train', pipeline=pipeline)),
            test_dataloader=dict(
                batch_size=64, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(
                    type='ConcatDataset',
                    datasets=[
                        dict(type='Market1501', data_root=data,
                             subset=s, pipeline=pipeline)
                        for s in ('query', 'gallery')
                    ])),
            test_evaluator=dict(type='ReIDMetric'),
            test_cfg=dict(type='TestLoop'),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
            train_cfg=dict(type='IterBasedTrainLoop', max_iters=2),
            default_hooks=dict(
                logger=dict(type='LoggerHook', interval=1),
                checkpoint=dict(type='CheckpointHook', interval=100,
                                by_epoch=False, save_last=True)),
            log_processor=dict(by_epoch=False),
            # Variables: the DCGAN, its training, the generated count.
            gan_model=dict(
                type='SLSRDCGAN',
                generator=dict(
                    type='SLSRDCGANGenerator', noise_size=8,
                    output_size=gan_size, base_channels=8,
                    num_upsamples=2),
                discriminator=dict(
                    type='SLSRDCGANDiscriminator',
                    input_size=gan_size, base_channels=4,
                    num_downsamples=2)),
            gan_optim_wrapper=dict(
                constructor='MultiOptimWrapperConstructor',
                generator=dict(optimizer=dict(
                    type='Adam', lr=2e-4, betas=(0.5, 0.999))),
                discriminator=dict(optimizer=dict(
                    type='Adam', lr=2e-4, betas=(0.5, 0.999)))),
            gan_train_cfg=dict(type='IterBasedTrainLoop', max_iters=2),
            gan_train_dataloader=dict(
                batch_size=4,
                num_workers=0,
                persistent_workers=False,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(
                    type='ReIDListDataset',
                    pipeline=[
                        dict(type='LoadReIDImage'),
                        dict(type='ReIDResize', scale=gan_size),
                        dict(type='PackReIDInputs'),
                    ])),
            num_generated=5,
            # The old stage names (*Step) are aliases of the *Stage ones.
            stages=dict(
                stage1_baseline=dict(type='train'),
                stage2_cluster=dict(
                    type='SLSRClusterStep',
                    checkpoint='{work_dir}/stage1_baseline/final.pth',
                    num_clusters=2,
                    silhouette_ks=(2, 3),
                    feature_batch_size=16),
                stage3_gan=dict(
                    type='SLSRTrainGANStep',
                    cluster_dir='{work_dir}/stage2_cluster',
                    cfg=dict(
                        model='${gan_model}',
                        optim_wrapper='${gan_optim_wrapper}',
                        param_scheduler=None,
                        train_cfg='${gan_train_cfg}',
                        train_dataloader='${gan_train_dataloader}',
                        custom_hooks=None)),
                stage4_generate=dict(
                    type='SLSRGenerateStage',
                    cluster_dir='{work_dir}/stage2_cluster',
                    gan_dir='{work_dir}/stage3_gan',
                    gan_model='${gan_model}',
                    num_generated='${num_generated}'),
                stage5_finetune=dict(
                    type='SLSRFinetuneStep',
                    generated_dir='{work_dir}/stage4_generate',
                    loss_cls=dict(type='SLSRLoss'),
                    cfg=dict(train_cfg=dict(max_iters=2))),
                stage6_test_rerank=dict(
                    type='test',
                    cfg=dict(
                        load_from='{work_dir}/stage5_finetune/final.pth',
                        test_evaluator=dict(rerank=True))),
            )))


def stage_of(pipeline, name):
    """A stage built as PipelineRunner builds it: its resolved config and
    the arguments of ``stages.<name>``."""
    cfg = pipeline.stage_config(name)
    args = dict(cfg.pop('stage'))
    stage_cls = STAGES.get(args.pop('type'))
    args.pop('name')
    return stage_cls, cfg, args


@pytest.fixture(scope='module')
def pipeline_dir(synth_root, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('slsr_pipeline'))
    PipelineRunner(tiny_cfg(synth_root, work_dir)).train()
    return work_dir


def test_stages_are_registered():
    for cls in (SLSRClusterStage, SLSRTrainGANStage, SLSRGenerateStage,
                SLSRFinetuneStage):
        name = cls.__name__
        assert STAGES.get(name) is cls
        # The old name of each step stays an alias.
        assert STAGES.get(name.replace('Stage', 'Step')) is cls


def test_cluster_step_writes_clusters_and_silhouette(pipeline_dir):
    out = osp.join(pipeline_dir, 'stage2_cluster')
    with open(osp.join(out, 'clusters.json')) as f:
        clusters = json.load(f)
    images = clusters['images']
    feats = np.load(osp.join(out, 'features.npy'))
    assert feats.shape == (len(images), 64)  # pooled last stage
    assert clusters['num_classes'] == 8
    assert clusters['identities'] == cluster_identity_sets(
        [i['pid'] for i in images], [i['cluster'] for i in images], 2)
    assert sorted(set(sum(clusters['identities'], []))) == list(range(8))
    assert [r['k'] for r in clusters['silhouette']] == [2, 3]
    assert all(-1 <= r['raw'] <= 1 and -1 <= r['pca'] <= 1
               for r in clusters['silhouette'])
    listed = 0
    for c in range(2):
        with open(osp.join(out, f'cluster_{c}.txt')) as f:
            lines = f.read().split('\n')[:-1]
        assert all(osp.isfile(line.split()[0]) for line in lines)
        listed += len(lines)
    assert listed == len(images) == clusters['cluster_sizes'][0] + \
        clusters['cluster_sizes'][1]
    assert '| 2 |' in open(osp.join(out, 'silhouette.md')).read()


def test_generation_writes_images_and_sparse_labels(pipeline_dir):
    out = osp.join(pipeline_dir, 'stage4_generate')
    lines = open(osp.join(out, 'labels.txt')).read().split('\n')[:-1]
    assert [int(line.split()[1]) for line in lines] == [0, 0, 0, 1, 1]
    img = cv2.imread(osp.join(out, lines[0].split()[0]))
    assert img.shape == (16, 8, 3)
    # Cluster 0's grid: its 3 generated images in one row of 8, a gap of
    # 2 rows, its first 3 real images below.
    grid = cv2.imread(osp.join(out, 'grid_cluster_0.png'))
    assert grid.shape == (16 + 2 + 16, 8 * 8, 3)
    assert (grid[:16, :8] == img).all()
    meta = json.load(open(osp.join(out, 'sparse_labels.json')))
    clusters = json.load(
        open(osp.join(pipeline_dir, 'stage2_cluster', 'clusters.json')))
    assert meta['identities'] == clusters['identities']
    ds = DATASETS.build(
        dict(type='SLSRGeneratedDataset', data_root=out, num_classes=8))
    info = ds.get_data_info(4)
    q = ds.sparse_labels[info['cluster']]
    s1 = clusters['identities'][1]
    assert np.allclose(q[s1], 1 / len(s1)) and np.isclose(q.sum(), 1)


def test_finetune_and_test_stages(pipeline_dir):
    for c in range(2):
        assert osp.isfile(
            osp.join(pipeline_dir, 'stage3_gan', f'cluster_{c}',
                     'final.pth'))
    assert osp.isfile(
        osp.join(pipeline_dir, 'stage5_finetune', 'final.pth'))
    metrics = json.load(
        open(osp.join(pipeline_dir, 'stage6_test_rerank', 'metrics.json')))
    assert 0 <= metrics['reid/mAP'] <= 100


def test_finetune_config_mixes_real_and_generated(synth_root, pipeline_dir):
    stage_cls, cfg, args = stage_of(
        PipelineRunner(tiny_cfg(synth_root, pipeline_dir)), 'stage5_finetune')
    assert stage_cls is SLSRFinetuneStage
    assert args['generated_dir'] == osp.join(pipeline_dir, 'stage4_generate')
    step = stage_cls(cfg=cfg, work_dir=osp.join(pipeline_dir, 'x'),
                     name='stage5_finetune', **args)
    ft = step.train_config()
    assert ft.model.head.loss_cls.type == 'SLSRLoss'
    assert ft.train_cfg.max_iters == 2
    ds = DATASETS.build(ft.train_dataloader.dataset)
    real = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(ds) == len(real) + 5
    assert 'soft_label' in ds[len(real)]['data_samples']


def test_gan_step_skips_finished_clusters(synth_root, pipeline_dir):
    stage_cls, cfg, args = stage_of(
        PipelineRunner(tiny_cfg(synth_root, pipeline_dir)), 'stage3_gan')
    assert stage_cls is SLSRTrainGANStage
    assert args == dict(cluster_dir=osp.join(pipeline_dir, 'stage2_cluster'))
    gan_dir = osp.join(pipeline_dir, 'stage3_gan')
    finals = [osp.join(gan_dir, f'cluster_{c}', 'final.pth')
              for c in range(2)]
    stamps = [os.stat(f).st_mtime_ns for f in finals]
    stage_cls(cfg=cfg, work_dir=gan_dir, name='stage3_gan', **args).run()
    assert [os.stat(f).st_mtime_ns for f in finals] == stamps


def test_silhouette_table_separates_obvious_clusters():
    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 0], [10, 0], [0, 10]])
    feats = np.concatenate(
        [c + 0.1 * rng.standard_normal((30, 2)) for c in centers])
    rows = silhouette_table(feats, ks=(2, 3, 4), pca_dim=None)
    best = max(rows, key=lambda r: r['raw'])
    assert best['k'] == 3 and best['raw'] > 0.9
    assert 'pca' not in rows[0]
    table = format_silhouette_table(rows)
    assert table.splitlines()[2].startswith('| 2 |')
    with pytest.raises(ValueError, match='lower the k'):
        silhouette_table(feats[:3], ks=(2, 3))


def test_split_evenly():
    assert split_evenly(12000, 3) == [4000, 4000, 4000]
    assert split_evenly(5, 3) == [2, 2, 1]


def test_stochastic_stages_draw_from_the_config_seed(synth_root, tmp_path):
    cfg = tiny_cfg(synth_root, str(tmp_path))
    cfg.randomness = dict(seed=7)
    pipeline = PipelineRunner(cfg)
    for name in ('stage2_cluster', 'stage4_generate'):
        stage_cls, stage_cfg, args = stage_of(pipeline, name)
        stage = stage_cls(cfg=stage_cfg, work_dir=str(tmp_path), name=name,
                          **args)
        assert stage.seed == 7, name
        stage = stage_cls(cfg=stage_cfg, work_dir=str(tmp_path), name=name,
                          **dict(args, seed=3))
        assert stage.seed == 3, name


def test_random_identity_sets_keep_the_sizes_of_s_c(synth_root, pipeline_dir,
                                                   tmp_path):
    from mmreidgen.datasets.slsr_generated_dataset import (
        random_identity_sets,
    )
    sets = random_identity_sets([5, 1, 8], 8, seed=3)
    assert [len(s) for s in sets] == [5, 1, 8]
    assert all(len(set(s)) == len(s) and 0 <= min(s) and max(s) < 8
               for s in sets)
    assert sets == random_identity_sets([5, 1, 8], 8, seed=3)
    with pytest.raises(ValueError, match='sizes'):
        random_identity_sets([9], 8)
    # The generation stage labels each cluster with a random set of the
    # size of its S_c.
    stage_cls, cfg, args = stage_of(
        PipelineRunner(tiny_cfg(synth_root, pipeline_dir)),
        'stage4_generate')
    out = str(tmp_path / 'random')
    os.makedirs(out)
    stage_cls(cfg=cfg, work_dir=out, name='stage4_generate',
              **dict(args, identity_sets='random')).run()
    meta = json.load(open(osp.join(out, 'sparse_labels.json')))
    clusters = json.load(
        open(osp.join(pipeline_dir, 'stage2_cluster', 'clusters.json')))
    assert meta['identity_sets'] == 'random'
    assert [len(s) for s in meta['identities']] == [
        len(s) for s in clusters['identities']]
    assert meta['identities'] == random_identity_sets(
        [len(s) for s in clusters['identities']], 8, seed=0)
    with pytest.raises(ValueError, match='identity_sets'):
        stage_cls(cfg=cfg, work_dir=out, name='stage4_generate',
                  **dict(args, identity_sets='uniform'))


def test_cluster_dcgans_start_from_a_parent(synth_root, pipeline_dir,
                                            tmp_path):
    stage_cls, cfg, args = stage_of(
        PipelineRunner(tiny_cfg(synth_root, pipeline_dir)), 'stage3_gan')
    gan_dir = str(tmp_path / 'gan')
    os.makedirs(gan_dir)
    stage = stage_cls(cfg=cfg, work_dir=gan_dir, name='stage3_gan',
                      **dict(args, init_from_parent=True))
    stage.run()
    parent = osp.join(gan_dir, 'parent', 'final.pth')
    assert osp.isfile(parent)
    lines = open(osp.join(gan_dir, 'parent', 'all.txt')).read().split(
        '\n')[:-1]
    sizes = json.load(open(osp.join(args['cluster_dir'],
                                    'clusters.json')))['cluster_sizes']
    assert len(lines) == sum(sizes)
    assert stage.cluster_config(1).load_from == parent
    assert osp.isfile(osp.join(gan_dir, 'cluster_1', 'final.pth'))
    # Off by default: each DCGAN starts from its own initialisation.
    plain = stage_cls(cfg=cfg, work_dir=gan_dir, name='stage3_gan', **args)
    assert plain.cluster_config(1).load_from is None


def test_cluster_report_against_camera_and_clothing(synth_root,
                                                    pipeline_dir, tmp_path):
    stage_cls, cfg, args = stage_of(
        PipelineRunner(tiny_cfg(synth_root, pipeline_dir)),
        'stage2_cluster')
    out = str(tmp_path / 'cluster')
    os.makedirs(out)
    stage_cls(cfg=cfg, work_dir=out, name='stage2_cluster',
              **dict(args, report=True)).run()
    report = json.load(open(osp.join(out, 'clusters.json')))['report']
    assert [r['label'] for r in report] == [
        'identity', 'camera', 'upper colour', 'lower colour']
    assert all(0 <= r['nmi'] <= 1 for r in report)
    assert report[0]['num_values'] == 8
    assert '| camera |' in open(osp.join(out, 'cluster_report.md')).read()


def test_frechet_stage_compares_generated_and_real(synth_root,
                                                   pipeline_dir, tmp_path):
    out = str(tmp_path / 'frechet')
    os.makedirs(out)
    cfg = PipelineRunner(tiny_cfg(synth_root, pipeline_dir)).stage_config(
        'stage1_baseline')
    cfg.pop('stage')
    stage = STAGES.get('SLSRFrechetStage')(
        cfg=cfg, work_dir=out, name='frechet',
        checkpoint=osp.join(pipeline_dir, 'stage1_baseline', 'final.pth'),
        cluster_dir=osp.join(pipeline_dir, 'stage2_cluster'),
        generated_dir=osp.join(pipeline_dir, 'stage4_generate'))
    stage.run()
    result = json.load(open(osp.join(out, 'frechet.json')))
    assert result['num_generated'] == 5
    assert np.isfinite(result['generated']) and result['generated'] >= 0
    assert len(result['clusters']) == 2
    assert sum(c['num_generated'] for c in result['clusters']) == 5
    assert 'real, one random half' in open(
        osp.join(out, 'frechet.md')).read()


def test_best_checkpoint_is_kept_as_best_pth(tmp_path):
    from mmreidgen.stages.train_test_stages import keep_best_checkpoint
    assert keep_best_checkpoint(str(tmp_path)) is None
    old = tmp_path / 'best_reid_mAP_iter_400.pth'
    old.write_bytes(b'old')
    os.utime(old, (1, 1))
    (tmp_path / 'best_reid_mAP_iter_800.pth').write_bytes(b'new')
    (tmp_path / 'iter_1200.pth').write_bytes(b'last')
    path = keep_best_checkpoint(str(tmp_path))
    assert path == str(tmp_path / 'best.pth')
    assert open(path, 'rb').read() == b'new'


def test_robust_frechet_survives_a_collapsed_generator():
    from mmreidgen.evaluation.functional.fid import fid_from_features
    from mmreidgen.stages.slsr_stages import robust_frechet
    rng = np.random.default_rng(0)
    real = rng.standard_normal((50, 8))
    fake = rng.standard_normal((50, 8)) + 1
    assert robust_frechet(real, fake) == pytest.approx(
        fid_from_features(real, fake))
    # Generated features on a line: a rank-1 covariance.
    collapsed = np.outer(rng.standard_normal(50), np.ones(8)) + 3
    value = robust_frechet(real, collapsed)
    assert np.isfinite(value) and value > robust_frechet(real, fake)
