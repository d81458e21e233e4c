"""CRGAN: the three stages of Algorithm 1, ablations and inference."""
import copy

import pytest
import torch
from mmengine.logging import MessageHub

from mmreidgen.engine.optimizers import MultiOptimWrapperConstructor
from mmreidgen.models.algorithms.crgan import local_max_pool
from mmreidgen.registry import MODELS
from mmreidgen.structures import ReIDDataSample

H, W, PAIRS, IDS, CAMS = 32, 16, 3, 5, 4

MODEL = dict(
    type='CRGAN',
    generator=dict(type='CRGANGenerator', img_size=(H, W), base_channels=4),
    discriminator=dict(type='CRGANDomainDiscriminator', base_channels=4),
    camera_discriminator=dict(type='CRGANCameraDiscriminator',
                              num_classes=CAMS, base_channels=4),
    identity_discriminator=dict(
        type='ReIDBaseline',
        backbone=dict(type='mmpretrain.ResNet', depth=18, stem_channels=8,
                      base_channels=8, strides=(1, 2, 2, 1),
                      out_indices=(3, )),
        head=dict(type='ReIDHead', in_channels=64, num_classes=IDS)),
    loss_adv=dict(type='LSGANLoss', loss_weight=2.0),
    loss_id=dict(type='CrossEntropyLoss', loss_weight=1.0),
    loss_cam=dict(type='CrossEntropyLoss', loss_weight=1.0),
    loss_con=dict(type='CRGANContextLoss', loss_weight=5.0))


def build(**overrides):
    cfg = copy.deepcopy(MODEL)
    cfg.update(overrides)
    return MODELS.build(cfg)


def make_batch(pairs=PAIRS, domains=('source', 'target'), masks=True):
    torch.manual_seed(0)
    inputs, samples = [], []
    for i in range(2 * pairs):
        inputs.append(torch.randint(0, 256, (3, H, W), dtype=torch.uint8))
        s = ReIDDataSample(metainfo=dict(
            img_path=f'img{i}.jpg', domain=domains[i % 2], camid=i % CAMS))
        s.gt_label = torch.tensor(i % IDS)
        if masks:
            m = torch.zeros(1, H, W)
            m[:, 4:28, 4:12] = 1
            s.mask = m
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def optim(model, names):
    adam = dict(optimizer=dict(type='Adam', lr=1e-3))
    return MultiOptimWrapperConstructor({n: adam for n in names})(model)


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def changed(module, before):
    return any(not torch.equal(a, b)
               for a, b in zip(before, module.parameters()))


# One intra-op thread for these small models (conftest.py).
pytestmark = pytest.mark.usefixtures('one_thread')


@pytest.fixture(autouse=True)
def hub():
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 0)
    hub.update_info('max_iters', 10)
    yield hub
    hub.pop_info('max_iters')


def test_stage1_pretrain_trains_d_id_and_d_cam_only():
    model = build(train_stage='pretrain').train()
    ow = optim(model, ['identity_discriminator', 'camera_discriminator'])
    before = {n: snapshot(getattr(model, n)) for n in
              ('generator', 'discriminator', 'identity_discriminator',
               'camera_discriminator')}
    logs = model.train_step(make_batch(), ow)
    assert {'id_loss_cls', 'id_acc', 'cam_loss_cls', 'cam_acc'} <= set(logs)
    assert changed(model.identity_discriminator,
                   before['identity_discriminator'])
    assert changed(model.camera_discriminator,
                   before['camera_discriminator'])
    assert not changed(model.generator, before['generator'])
    assert not changed(model.discriminator, before['discriminator'])


def test_stage2_gan_step(hub):
    model = build(train_stage='gan').train()
    # D_id and D_cam are frozen critics: eval mode, no gradients.
    assert not model.identity_discriminator.training
    assert not model.camera_discriminator.training
    assert model.generator.training and model.discriminator.training
    ow = optim(model, ['generator', 'discriminator'])
    frozen = snapshot(model.identity_discriminator)
    bn = model.identity_discriminator.head.bnneck.running_mean.clone()
    g_before, d_before = snapshot(model.generator), \
        snapshot(model.discriminator)
    logs = model.train_step(make_batch(), ow)
    assert {'loss_d_real', 'loss_d_fake', 'loss_adv', 'loss_id', 'loss_cam',
            'loss_con', 'context_mask_mean'} <= set(logs)
    assert changed(model.generator, g_before)
    assert changed(model.discriminator, d_before)
    assert not changed(model.identity_discriminator, frozen)
    assert torch.equal(bn,
                       model.identity_discriminator.head.bnneck.running_mean)
    # D_d is trainable again after the generator steps.
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_stage2_generator_steps_double_in_second_half(hub):
    model = build(train_stage='gan').train()
    ow = optim(model, ['generator', 'discriminator'])
    counts = []
    for it in (0, 4, 5, 9):
        hub.update_info('iter', it)
        assert model.num_generator_steps(it) == (1 if it < 5 else 2)
        start = ow['generator'].optimizer.state_dict()['state']
        steps0 = int(start[0]['step']) if start else 0
        model.train_step(make_batch(), ow)
        counts.append(int(ow['generator'].optimizer.state_dict()[
            'state'][0]['step']) - steps0)
    assert counts == [1, 1, 2, 2]


@pytest.mark.parametrize('term', ['loss_id', 'loss_cam', 'loss_con'])
def test_each_generator_term_reaches_g(term):
    model = build(train_stage='gan').train()
    data = model.data_preprocessor(make_batch(), True)
    batch = model.split_pairs(data['inputs'], data['data_samples'])
    losses = model.generator_losses(batch, model.render(batch))
    losses[term].backward()
    grad = model.generator.identity_pathway[0].weight.grad
    assert grad is not None and grad.abs().sum() > 0


@pytest.mark.parametrize('removed', ['loss_id', 'loss_cam', 'loss_con'])
def test_loss_ablations(removed):
    model = build(train_stage='gan', **{removed: None}).train()
    logs = model.train_step(make_batch(),
                            optim(model, ['generator', 'discriminator']))
    assert removed not in logs
    assert 'loss_adv' in logs


def test_without_dual_condition():
    model = build(train_stage='gan', generator=dict(
        type='CRGANGenerator', img_size=(H, W), base_channels=4,
        dual_condition=False)).train()
    logs = model.train_step(make_batch(),
                            optim(model, ['generator', 'discriminator']))
    assert 'loss_con' in logs


@pytest.mark.parametrize('renderer', ['generator', 'cut_paste', 'source'])
def test_stage3_finetune(renderer):
    model = build(train_stage='finetune',
                  finetune_cfg=dict(renderer=renderer)).train()
    assert not model.generator.training
    ow = optim(model, ['identity_discriminator'])
    g_before = snapshot(model.generator)
    id_before = snapshot(model.identity_discriminator)
    logs = model.train_step(make_batch(masks=renderer != 'source'), ow)
    assert {'loss_cls', 'acc'} <= set(logs)
    assert changed(model.identity_discriminator, id_before)
    assert not changed(model.generator, g_before)


def test_stage3_trains_on_renderings_with_source_ids(monkeypatch):
    model = build(train_stage='finetune').train()
    seen = {}

    def fake_loss(inputs, samples):
        seen['inputs'], seen['samples'] = inputs, samples
        weight = model.identity_discriminator.head.classifier.weight
        return dict(loss_cls=weight.sum() * 0)

    monkeypatch.setattr(model.identity_discriminator, 'loss', fake_loss)
    data = make_batch()
    model.train_step(data, optim(model, ['identity_discriminator']))
    # Source samples (even positions) with their ids, images = G's output.
    assert [s.metainfo['domain'] for s in seen['samples']] == \
        ['source'] * PAIRS
    assert [int(s.gt_label) for s in seen['samples']] == [0, 2, 4]
    pre = model.data_preprocessor(data, False)
    batch = model.split_pairs(pre['inputs'], pre['data_samples'])
    with torch.no_grad():
        fake = model.render(batch)['fake'].clamp(-1, 1)
    assert torch.allclose(seen['inputs'], model.to_reid_space(fake),
                          atol=1e-5)


def test_render_prob_mixes_real_sources():
    model = build(train_stage='finetune',
                  finetune_cfg=dict(render_prob=0.0)).train()
    seen = {}
    weight = model.identity_discriminator.head.classifier.weight

    def fake_loss(inputs, samples):
        seen['x'] = inputs
        return dict(loss_cls=weight.sum() * 0)

    model.identity_discriminator.loss = fake_loss
    data = make_batch()
    model.train_step(data, optim(model, ['identity_discriminator']))
    pre = model.data_preprocessor(data, True)
    assert torch.allclose(seen['x'], pre['inputs'][0::2], atol=1e-4)


def test_space_round_trip():
    model = build()
    x = torch.randn(2, 3, H, W)
    assert torch.allclose(model.to_reid_space(model.to_gan_space(x)), x,
                          atol=1e-5)
    pre = model.data_preprocessor(make_batch(), False)
    gan = model.to_gan_space(pre['inputs'])
    assert gan.min() >= -1 - 1e-5 and gan.max() <= 1 + 1e-5


def test_pair_errors():
    model = build(train_stage='gan')
    ow = optim(model, ['generator', 'discriminator'])
    data = make_batch()
    odd = dict(inputs=data['inputs'][:5],
               data_samples=data['data_samples'][:5])
    with pytest.raises(ValueError, match='odd batch'):
        model.train_step(odd, ow)
    with pytest.raises(ValueError, match='TwoDomainSampler'):
        model.train_step(make_batch(domains=('target', 'source')), ow)
    with pytest.raises(KeyError, match='with_mask=True'):
        model.train_step(make_batch(masks=False), ow)
    with pytest.raises(TypeError, match='OptimWrapperDict|one optimizer'):
        model.train_step(make_batch(), ow['generator'])


def test_config_errors():
    with pytest.raises(ValueError, match='train_stage'):
        build(train_stage='stage4')
    with pytest.raises(ValueError, match='camera_discriminator'):
        build(camera_discriminator=None)
    build(camera_discriminator=None, loss_cam=None)
    with pytest.raises(ValueError, match='renderer'):
        build(finetune_cfg=dict(renderer='magic'))


def test_predict_and_lmp():
    model = build().eval()
    data = model.data_preprocessor(make_batch(), False)
    out = model(data['inputs'], data['data_samples'], mode='predict')
    feats = torch.stack([s.pred_feature for s in out])
    assert torch.allclose(
        feats, model.identity_discriminator.extract_feat(data['inputs']))
    model.test_cfg['lmp'] = True
    lmp = model(data['inputs'], mode='tensor')
    assert lmp.shape == feats.shape
    assert torch.allclose(lmp.norm(dim=1), torch.ones(len(lmp)))
    with pytest.raises(ValueError, match='train_step'):
        model(data['inputs'], mode='loss')


def test_local_max_pool():
    fm = torch.arange(2 * 3 * 6 * 2, dtype=torch.float).view(2, 3, 6, 2)
    # Three stripes of two rows: the max of each stripe is its last entry.
    stripes = fm.view(2, 3, 3, 4).amax(3)
    assert torch.equal(local_max_pool(fm, 3, 'mean'), stripes.mean(2))
    assert torch.equal(local_max_pool(fm, 3, 'max'), stripes.amax(2))
    assert local_max_pool(fm, 3, 'concat').shape == (2, 9)
    assert local_max_pool(fm, 10).shape == (2, 3)  # clipped to 6 rows
    with pytest.raises(ValueError, match='part_reduce'):
        local_max_pool(fm, 3, 'sum')


def test_visual_rows():
    model = build().eval()
    rows = model.visual_rows(make_batch(), max_pairs=2)
    assert list(rows) == ['source', 'masked_target', 'context_mask', 'fake']
    for v in rows.values():
        assert v.shape == (2, 3, H, W)
        assert v.min() >= 0 and v.max() <= 1


def test_center_box_mask_source_needs_no_files():
    model = build(train_stage='gan', mask_source='center_box').train()
    logs = model.train_step(make_batch(masks=False),
                            optim(model, ['generator', 'discriminator']))
    assert 'loss_con' in logs
    box = model.center_box_mask(torch.zeros(1, 3, 20, 10))
    assert box.sum() == 19 * 6 and box[0, 0, 0].sum() == 0
    with pytest.raises(ValueError, match='mask_source'):
        build(mask_source='parser')
