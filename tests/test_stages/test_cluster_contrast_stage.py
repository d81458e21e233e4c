"""ClusterContrastStage on a tiny synthetic target: a run end to end, and
bad input that ends in one message before any training."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmreidgen.evaluation.functional.pseudo_labels import PseudoLabelError
from mmreidgen.registry import MODELS
from mmreidgen.stages import PipelineRunner
from mmreidgen.stages.pseudo_label_stages import pk_batches

PIPELINE = [
    dict(type='LoadReIDImage'),
    dict(type='ReIDResize', scale=(32, 16)),
    dict(type='PackReIDInputs'),
]
MODEL = dict(
    type='ReIDBaseline',
    backbone=dict(type='mmpretrain.ResNet', depth=18, stem_channels=8,
                  base_channels=8, out_indices=(3, )),
    head=dict(type='ReIDHead', in_channels=64, num_classes=8,
              loss_cls=dict(type='CrossEntropyLoss')))


def pipeline_cfg(target, work_dir, start, cluster, epochs=2):
    test_sets = [
        dict(type='Market1501', data_root=target, subset=s,
             pipeline=PIPELINE) for s in ('query', 'gallery')
    ]
    return Config(dict(
        default_scope='mmreidgen', runner_type='PipelineRunner',
        work_dir=work_dir, randomness=dict(seed=0), model=MODEL,
        test_dataloader=dict(
            batch_size=64, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='ConcatDataset', datasets=test_sets)),
        test_evaluator=dict(type='ReIDMetric'),
        test_cfg=dict(type='TestLoop'),
        stages=dict(
            uda=dict(
                type='ClusterContrastStage', checkpoint=start,
                target_data=dict(type='Market1501', data_root=target),
                train_pipeline=PIPELINE, cluster=cluster,
                memory=dict(type='ClusterMemoryLoss', momentum=0.1,
                            temperature=0.05),
                batch_size=8, num_instances=2, log_interval=1,
                cfg=dict(
                    train_cfg=dict(max_epochs=epochs, iters_per_epoch=2),
                    optim_wrapper=dict(optimizer=dict(type='Adam',
                                                      lr=3.5e-4)),
                    param_scheduler=[dict(type='MultiStepLR', by_epoch=True,
                                          milestones=[1], gamma=0.1)])),
            test=dict(type='test',
                      cfg=dict(load_from='{work_dir}/uda/final.pth')))))


@pytest.fixture(scope='module')
def start(tmp_path_factory):
    torch.manual_seed(0)
    path = str(tmp_path_factory.mktemp('start') / 'start.pth')
    torch.save(dict(state_dict=MODELS.build(MODEL).state_dict()), path)
    return path


CLUSTER = dict(eps=0.6, min_samples=2, k1=6, k2=2)


def test_a_run_writes_weights_diagnostics_and_iteration_log(
        synth_root, start, tmp_path, one_thread):
    target = osp.join(synth_root, 'synthduke')
    PipelineRunner(pipeline_cfg(target, str(tmp_path), start,
                                CLUSTER)).train()
    stage = tmp_path / 'uda'
    history = json.loads((stage / 'clustering.json').read_text())
    assert [h['epoch'] for h in history] == [1, 2]
    for h in history:
        assert h['num_clusters'] >= 2 and h['num_identities'] == 8
        assert 0 <= h['outlier_share'] < 1 and 0 <= h['nmi'] <= 1
        assert h['eps'] == 0.6 and h['k1'] == 6
    final = torch.load(stage / 'final.pth', weights_only=True)['state_dict']
    before = torch.load(start, weights_only=True)['state_dict']
    assert final.keys() == before.keys()
    assert not torch.equal(final['backbone.conv1.weight'],
                           before['backbone.conv1.weight'])
    logs = list(stage.glob('*/vis_data/scalars.json'))
    lines = [json.loads(x) for x in logs[0].read_text().splitlines()]
    assert [x['iter'] for x in lines] == [1, 2, 3, 4]
    # The learning rate steps once per epoch.
    assert [x['lr'] for x in lines] == pytest.approx(
        [3.5e-4, 3.5e-4, 3.5e-5, 3.5e-5])
    assert (tmp_path / 'test' / 'metrics.json').exists()


@pytest.mark.parametrize('cluster,message', [
    (dict(min_samples=1000), 'as outliers.*Raise eps or lower min_samples'),
    (dict(eps=1.0), 'collapsed.*Lower eps'),
])
def test_a_clustering_with_nothing_to_train_on_stops_before_training(
        synth_root, start, tmp_path, cluster, message, one_thread):
    target = osp.join(synth_root, 'synthduke')
    cfg = pipeline_cfg(target, str(tmp_path), start,
                       dict(CLUSTER, **cluster), epochs=1)
    with pytest.raises(PseudoLabelError, match=message):
        PipelineRunner(cfg).train()
    stage = tmp_path / 'uda'
    assert not list(stage.glob('epoch_*.pth'))
    assert not list(stage.glob('*/vis_data/scalars.json'))
    assert not (stage / 'final.pth').exists()
    # The clustering that failed is on record.
    assert json.loads((stage / 'clustering.json').read_text())[0][
        'epoch'] == 1


def test_a_target_without_images_names_the_setting(start, tmp_path):
    empty = tmp_path / 'empty'
    os.makedirs(empty / 'bounding_box_train')
    cfg = pipeline_cfg(str(empty), str(tmp_path / 'work'), start, CLUSTER)
    with pytest.raises(PseudoLabelError,
                       match='(?s)found no images.*target_data.data_root'):
        PipelineRunner(cfg).train()


def test_pk_batches_draw_clustered_images_only():
    labels = np.array([0, 0, 0, -1, 1, 1, -1, 2])
    rng = np.random.default_rng(0)
    batches = pk_batches(labels, 5, batch_size=4, num_instances=2, rng=rng)
    for batch in batches:
        assert len(batch) == 4
        assert (labels[batch] >= 0).all()
        groups = labels[batch].reshape(2, 2)
        assert (groups[:, 0] == groups[:, 1]).all()
        assert groups[0, 0] != groups[1, 0]


def test_pk_batches_spread_a_cluster_over_its_cameras():
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1, -1])
    cameras = np.array([0, 0, 0, 0, 1, 2, 0, 0, 1])
    spread = pk_batches(labels, 50, batch_size=6, num_instances=3,
                        rng=np.random.default_rng(0), cameras=cameras)
    drawn = pk_batches(labels, 50, batch_size=6, num_instances=3,
                       rng=np.random.default_rng(0))
    for batch in spread:
        for group in batch.reshape(2, 3):
            assert len(set(labels[group])) == 1 and labels[group[0]] >= 0
            if labels[group[0]] == 0:
                # Three images, three cameras, no image twice.
                assert sorted(cameras[group]) == [0, 1, 2]
            else:
                # Both images of the two-image cluster, and one again.
                assert set(group) == {6, 7}
    # Drawn at random, cluster 0's images often share a camera.
    assert any(len(set(cameras[g])) < 3 for b in drawn
               for g in b.reshape(2, 3) if labels[g[0]] == 0)


def test_cross_camera_batches_get_the_targets_cameras(
        synth_root, start, tmp_path, one_thread, monkeypatch):
    from mmreidgen.stages import pseudo_label_stages
    seen = []
    real = pseudo_label_stages.pk_batches

    def spy(*args, cameras=None, **kwargs):
        seen.append(cameras)
        return real(*args, cameras=cameras, **kwargs)

    monkeypatch.setattr(pseudo_label_stages, 'pk_batches', spy)
    target = osp.join(synth_root, 'synthduke')
    cfg = pipeline_cfg(target, str(tmp_path), start, CLUSTER, epochs=1)
    cfg.stages.uda.cross_camera = True
    PipelineRunner(cfg).train()
    from mmreidgen.datasets import Market1501
    train = Market1501(data_root=target, subset='train')
    assert len(seen) == 1
    assert seen[0].tolist() == [train.get_data_info(i)['camid']
                                for i in range(len(train))]


def test_an_augmentation_depends_on_its_draw_only():
    """The same draw gives the same random numbers in any order, so the
    number of loader workers cannot change a run."""
    from mmreidgen.stages.pseudo_label_stages import SeededDraws

    class Noise:
        def __len__(self):
            return 3

        def __getitem__(self, index):
            return index, float(np.random.rand())

    draws = SeededDraws(Noise(), seed=7)
    forward = [draws[(k, k % 3)] for k in range(6)]
    backward = [draws[(k, k % 3)] for k in reversed(range(6))][::-1]
    assert forward == backward
    assert len({v for _, v in forward}) == 6
    assert SeededDraws(Noise(), seed=8)[(0, 0)] != forward[0]
