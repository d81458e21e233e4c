"""The conventions :func:`mmreidgen.apis.load_config` resolves:
``'${name}'`` references, ``*_ratio`` and epoch schedules, stages keyed by
name (None drops one), the checks of ``--cfg-options`` and of a config
path (mmreidgen/config/)."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmreidgen.apis import find_config, load_config
from mmreidgen.config import (
    ConfigError,
    check_cfg_options,
    resolve_references,
    resolve_schedule,
    stage_names,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BASELINE = osp.join(REPO, 'configs', 'baseline',
                    'baseline_r18w16_synthmarket.py')
BASELINE_R50 = osp.join(REPO, 'configs', 'baseline', 'baseline_r50_market.py')
CRGAN = osp.join(REPO, 'configs', 'crgan', 'crgan_r50_market2duke.py')
CRGAN_SYNTH = osp.join(REPO, 'configs', 'crgan',
                       'crgan_r18w16_synthmarket2synthduke.py')
SLSR = osp.join(REPO, 'configs', 'slsr', 'slsr_r18w16_synthmarket.py')
SLSR_R50 = osp.join(REPO, 'configs', 'slsr', 'slsr_r50_market.py')
DGNET = osp.join(REPO, 'configs', 'dgnet', 'dgnet_r18w16_synthmarket.py')
DGNET_R50 = osp.join(REPO, 'configs', 'dgnet', 'dgnet_r50_market.py')
WORK_DIR = '/tmp/resolution_work_dir'


def load(path, options=None, stage=None):
    return load_config(path, options, stage=stage, work_dir=WORK_DIR)


def resize_scales(cfg):
    """``(loader, scale)`` of every ReIDResize of the three loaders."""
    found = []
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[key].dataset
        for ds in dataset.get('datasets', [dataset]):
            found += [(key, tuple(t.scale)) for t in ds.pipeline
                      if t.type == 'ReIDResize']
    return found


def data_roots(cfg):
    roots = []
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if not cfg.get(key):
            continue
        dataset = cfg[key].dataset
        roots += [(key, ds.data_root)
                  for ds in dataset.get('datasets', [dataset])]
    return roots


# ---------------------------------------------------------------- ${name}


def test_child_variable_changes_every_place():
    """baseline_r18w16_synthmarket.py sets only ``img_scale``: the train,
    val and test pipelines of its parent all follow."""
    parent, child = load(BASELINE_R50), load(BASELINE)
    assert {s for _, s in resize_scales(parent)} == {(256, 128)}
    scales = resize_scales(child)
    assert {k for k, _ in scales} == {
        'train_dataloader', 'val_dataloader', 'test_dataloader'}
    assert {s for _, s in scales} == {(64, 32)}
    assert child.img_scale == (64, 32)
    # The same through --cfg-options, and for the data root.
    cfg = load(BASELINE, {'img_scale': (32, 16), 'data_root': '/d/x'})
    assert {s for _, s in resize_scales(cfg)} == {(32, 16)}
    assert {r for _, r in data_roots(cfg)} == {'/d/x'}
    assert len(data_roots(cfg)) == 5  # train, 2 val, 2 test sets


def test_overriding_one_place_changes_only_that_place():
    cfg = load(BASELINE, {'train_dataloader.dataset.data_root': '/d/train'})
    roots = data_roots(cfg)
    assert roots[0] == ('train_dataloader', '/d/train')
    assert {r for _, r in roots[1:]} == {'data/synthreid_v2/synthmarket'}


def test_references_reach_every_stage_and_stage_arguments(tmp_path):
    """A variable changes the stages that refer to it (their configs and
    their arguments), with text references (``'${synth_root}/...'``)."""
    cfg = load(CRGAN_SYNTH, {'synth_root': '/s'})
    for name in stage_names(cfg):
        stage = load(CRGAN_SYNTH, {'synth_root': '/s'}, stage=name)
        assert data_roots(stage) == [
            ('train_dataloader', '/s/synthmarket'),
            ('train_dataloader', '/s/synthduke'),
            ('test_dataloader', '/s/synthduke'),
            ('test_dataloader', '/s/synthduke'),
        ], name
        assert '${' not in repr(stage.to_dict())
        assert stage.model.identity_discriminator.head.num_classes == 100
    # SLSR: the synthetic child's DCGAN reaches the GAN stage's model and
    # the generation stage's argument.
    for path, width in ((SLSR_R50, 512), (SLSR, 64)):
        gan = load(path, stage='stage3_gan')
        generate = load(path, stage='stage4_generate').stage
        assert gan.model.generator.base_channels == width
        assert generate['gan_model'] == gan.model.to_dict()
    assert load(SLSR, {'num_generated': 7},
                stage='stage4_generate').stage['num_generated'] == 7
    assert load(SLSR, stage='stage3_gan').train_dataloader.num_workers == 0
    assert load(SLSR, {'num_workers': 2},
                stage='stage3_gan').train_dataloader.num_workers == 2


def test_work_dir_placeholder_and_stage_folders():
    stage = load(CRGAN, stage='stage3_finetune')
    assert stage.work_dir == osp.join(WORK_DIR, 'stage3_finetune')
    assert stage.load_from == osp.join(WORK_DIR, 'stage2_gan', 'final.pth')
    assert stage.stage == dict(name='stage3_finetune', type='train')
    default = load_config(BASELINE)
    assert default.work_dir == osp.join('./work_dirs',
                                        'baseline_r18w16_synthmarket')
    with pytest.raises(ConfigError, match='not a pipeline'):
        load(BASELINE, stage='stage1')


def test_resolve_references_rules():
    top = dict(a='${x.y}/z', x=dict(y='r'), b=(1, 2),
               c=['${b}', dict(d='${b}')], e='${x}')
    out = resolve_references(top, top)
    assert out['a'] == 'r/z'
    assert out['c'] == [(1, 2), dict(d=(1, 2))]
    out['e']['y'] = 'changed'  # a copy, not the variable itself
    assert top['x'] == dict(y='r')
    with pytest.raises(ConfigError, match=r"Did you mean '\$\{img_scale\}'"):
        resolve_references(dict(a='${imgscale}', img_scale=1),
                           dict(a='${imgscale}', img_scale=1))
    circular = dict(a='${b}', b='${a}')
    with pytest.raises(ConfigError, match='circular'):
        resolve_references(circular, circular)


# --------------------------------------------------------------- schedules


def linear_lr(cfg):
    (sched, ) = [s for s in cfg.param_scheduler if s.type == 'LinearLR']
    return sched.begin, sched.end


def test_ratio_keys_follow_a_stage_override_of_max_iters():
    default = load(CRGAN_SYNTH, stage='stage2_gan')
    assert default.train_cfg.max_iters == 800
    assert linear_lr(default) == (400, 800)
    assert default.default_hooks.checkpoint.interval == 800
    key = 'stages.stage2_gan.cfg.train_cfg.max_iters'
    short = load(CRGAN_SYNTH, {key: 30}, stage='stage2_gan')
    assert short.train_cfg.max_iters == 30
    assert linear_lr(short) == (15, 30)
    assert short.default_hooks.checkpoint.interval == 30
    assert 'end_ratio' not in repr(short.to_dict())
    # The other stages keep their own length and schedule.
    stage1 = load(CRGAN_SYNTH, {key: 30}, stage='stage1_pretrain')
    assert stage1.train_cfg.max_iters == 800
    assert stage1.param_scheduler.identity_discriminator[1].milestones == [
        533]


def test_ratio_keys_follow_max_iters_of_a_single_config():
    cfg = load(BASELINE)
    assert cfg.train_cfg == dict(type='IterBasedTrainLoop', max_iters=1200,
                                 val_interval=1200)
    assert linear_lr(cfg) == (0, 100)
    assert cfg.param_scheduler[1].milestones == [800, 1100]
    cfg = load(BASELINE, {'train_cfg.max_iters': 600})
    assert cfg.train_cfg.val_interval == 600
    assert linear_lr(cfg) == (0, 50)
    assert cfg.param_scheduler[1].milestones == [400, 550]
    assert cfg.default_hooks.checkpoint.interval == 600


def test_a_child_that_changes_the_length_keeps_the_fractions():
    """dgnet_r18w16_synthmarket.py sets max_iters=2000 only: milestones
    and the loss ramps of DGNetLossRampHook keep their fraction."""
    for path, total in ((DGNET_R50, 100000), (DGNET, 2000)):
        cfg = load(path, stage='dgnet')
        assert cfg.train_cfg.max_iters == total
        assert cfg.param_scheduler[0].milestones == [
            int(0.6 * total), int(0.9 * total)]
        (ramp, ) = [h for h in cfg.custom_hooks
                    if h.type == 'DGNetLossRampHook']
        assert dict(ramp.ramps) == dict(
            prim=(int(0.3 * total), int(0.34 * total)),
            fine=(int(0.3 * total), int(0.34 * total)))


def test_epochs_become_iterations():
    # max_epochs * (num_images // batch_size)
    stage1 = load(SLSR, stage='stage1_baseline')
    assert stage1.train_cfg.max_iters == 40 * (896 // 32)
    assert 'max_epochs' not in stage1.train_cfg
    assert 'num_images' not in stage1.train_cfg
    assert stage1.param_scheduler[0].milestones == [int(0.75 * 1120)]
    # A list of image counts is added (real + generated).
    stage5 = load(SLSR, stage='stage5_finetune')
    assert stage5.train_cfg.max_iters == 40 * ((896 + 800) // 32)
    assert stage5.param_scheduler[0].milestones == [1590]
    # The batch size and the image counts come from the config.
    assert load(SLSR, {'train_batch_size': 16},
                stage='stage1_baseline').train_cfg.max_iters == 40 * (
                    896 // 16)
    assert load(SLSR, {'num_generated': 1600},
                stage='stage5_finetune').train_cfg.max_iters == 40 * (
                    (896 + 1600) // 32)
    teacher = load(DGNET, stage='teacher')
    assert teacher.train_cfg.max_iters == 60 * (896 // 32)
    assert teacher.param_scheduler[0].milestones == [1120]
    # An epoch-based loop keeps its epochs (the DCGAN stage).
    gan = load(SLSR, stage='stage3_gan')
    assert gan.train_cfg == dict(type='EpochBasedTrainLoop', max_epochs=60)


def test_schedule_rules():
    cfg = resolve_schedule(dict(
        train_cfg=dict(max_iters=100),
        param_scheduler=[dict(milestones_ratio=[0.29, 0.001])]))
    # 0.29 * 100 is 29; a positive fraction is at least one iteration.
    assert cfg['param_scheduler'] == [dict(milestones=[29, 1])]
    with pytest.raises(ConfigError, match='fraction'):
        resolve_schedule(dict(train_cfg=dict(max_iters=10),
                              param_scheduler=[dict(end_ratio=1.5)]))
    with pytest.raises(ConfigError, match='max_iters'):
        resolve_schedule(dict(
            train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=3),
            param_scheduler=[dict(end_ratio=0.5)]))
    with pytest.raises(ConfigError, match='max_epochs'):
        resolve_schedule(dict(train_cfg=dict(max_iters=10, num_images=5)))
    with pytest.raises(ConfigError, match='batch_size'):
        resolve_schedule(dict(train_cfg=dict(max_epochs=2, num_images=5)))
    # Nothing trains (a test stage): fractions are dropped.
    assert resolve_schedule(dict(
        default_hooks=dict(checkpoint=dict(interval=3, interval_ratio=1.0))
    )) == dict(default_hooks=dict(checkpoint=dict(interval=3)))


def test_mmengines_eta_min_ratio_is_not_a_fraction_of_the_run():
    """The cosine schedulers' eta_min_ratio is a fraction of the learning
    rate: it reaches mmengine as written, in a training stage and in a
    test stage, and alone it does not need max_iters."""
    cosine = dict(type='CosineAnnealingLR', T_max=8, eta_min_ratio=0.1,
                  end_ratio=0.5)
    cfg = resolve_schedule(dict(train_cfg=dict(max_iters=100),
                                param_scheduler=[dict(cosine)]))
    assert cfg['param_scheduler'] == [dict(
        type='CosineAnnealingLR', T_max=8, eta_min_ratio=0.1, end=50)]
    alone = dict(type='CosineAnnealingLR', T_max=8, eta_min_ratio=0.1)
    assert resolve_schedule(dict(
        train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=3),
        param_scheduler=[dict(alone)]))['param_scheduler'] == [alone]
    assert resolve_schedule(dict(param_scheduler=[dict(cosine)])) == dict(
        param_scheduler=[alone])


# ------------------------------------------------------------------ stages


def test_stage_set_to_none_is_dropped():
    full = stage_names(load(SLSR))
    lsro_path = osp.join(REPO, 'configs', 'slsr', 'lsro_r18w16_synthmarket.py')
    lsro = stage_names(load(lsro_path))
    assert lsro == ['stage5_finetune', 'stage6_test', 'stage6_test_rerank']
    assert lsro == [n for n in full if n.startswith(('stage5', 'stage6'))]
    assert load(lsro_path, stage='stage5_finetune').stage[
        'generated_dir'] == 'work_dirs/slsr_r18w16_synthmarket/stage4_generate'
    # The same through --cfg-options.
    cfg = load(CRGAN, {'stages.stage2_gan': None})
    assert stage_names(cfg) == [
        'stage1_pretrain', 'test_direct_transfer', 'stage3_finetune', 'test',
        'test_targets']
    with pytest.raises(ConfigError, match='not a stage'):
        load(CRGAN, {'stages.stage2_gan': None}, stage='stage2_gan')


def test_stage_order_and_layout():
    stages = dict(a=dict(type='train'), b=None, c=dict(type='test'))
    assert stage_names(dict(stages=stages)) == ['a', 'c']
    assert stage_names(dict(stages=stages, stage_order=['c', 'b', 'a'])) == [
        'c', 'a']
    with pytest.raises(ConfigError, match='leaves out'):
        stage_names(dict(stages=stages, stage_order=['a']))
    with pytest.raises(ConfigError, match='not in stages'):
        stage_names(dict(stages=stages, stage_order=['a', 'c', 'd']))
    with pytest.raises(ConfigError, match='dict keyed by stage name'):
        stage_names(dict(stages=[dict(name='a', type='train')]))
    pre = osp.join(REPO, 'configs', 'dgnet',
                   'dgnet_r18w16-synthduke-pre_synthmarket.py')
    assert stage_names(load(pre))[:3] == ['pretrain', 'teacher', 'dgnet']


# -------------------------------------------------------------- overrides


def test_check_cfg_options_refuses_a_key_that_is_set_elsewhere():
    with pytest.raises(ConfigError, match="'train_cfg.max_iters'") as info:
        load(BASELINE, {'max_iters': 30})
    assert isinstance(info.value, ValueError)
    # The same from the function, on the config as read from the file.
    raw = Config.fromfile(BASELINE)
    with pytest.raises(ConfigError, match="'train_cfg.max_iters'"):
        check_cfg_options(raw, {'max_iters': 30})
    check_cfg_options(raw, {'train_cfg.max_iters': 30})


def test_check_cfg_options_names_the_stage_keys_of_a_pipeline():
    with pytest.raises(ConfigError) as info:
        load(CRGAN, {'train_cfg.max_iters': 30})
    for name in ('stage1_pretrain', 'stage2_gan', 'stage3_finetune'):
        assert f"'stages.{name}.cfg.train_cfg.max_iters'" in str(info.value)
    # A top-level key that some stages set themselves reaches the others.
    cfg = load(CRGAN, {'load_from': 'x.pth'}, stage='stage1_pretrain')
    assert cfg.load_from == 'x.pth'
    assert load(CRGAN, {'load_from': 'x.pth'},
                stage='stage2_gan').load_from.endswith(
                    'stage1_pretrain/final.pth')
    # One that every stage sets would change nothing: refused.
    pipeline = Config(dict(
        runner_type='PipelineRunner', load_from=None,
        stages=dict(a=dict(cfg=dict(load_from='p')),
                    b=dict(cfg=dict(load_from='q')))))
    with pytest.raises(ConfigError, match='no effect') as info:
        check_cfg_options(pipeline, {'load_from': 'x.pth'})
    assert "'stages.a.cfg.load_from'" in str(info.value)


def test_check_cfg_options_typos_and_unused_variables():
    with pytest.raises(ConfigError, match="Did you mean 'train_cfg'"):
        load(BASELINE, {'trian_cfg.max_iters': 3})
    with pytest.raises(ConfigError,
                       match="Did you mean 'train_cfg.max_iters'"):
        load(BASELINE, {'train_cfg.max_iter': 3})
    # num_pairs sets the batch size when the file is read; an override
    # afterwards would change nothing.
    with pytest.raises(ConfigError, match=r"no '\$\{num_pairs\}'"):
        load(CRGAN, {'num_pairs': 16})
    # Optional dicts may be created.
    cfg = load(BASELINE, {'optim_wrapper.clip_grad.max_norm': 5.0})
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=5.0)


# ------------------------------------------------------------------ paths


def test_find_config_names_the_closest_configs():
    typo = 'configs/crgan/crgan_r18w16_synthmarket2synthduk.py'
    with pytest.raises(FileNotFoundError) as info:
        find_config(typo)
    assert 'configs/crgan/crgan_r18w16_synthmarket2synthduke.py' in str(
        info.value)
    with pytest.raises(FileNotFoundError, match='crgan_r50_market2duke.py'):
        load_config('crgan_r50_markt2duke.py')
    # Paths relative to the repository or to configs/ are found.
    assert osp.samefile(find_config('crgan/crgan_r50_market2duke.py'), CRGAN)
    assert osp.samefile(find_config('configs/crgan/crgan_r50_market2duke.py'),
                        CRGAN)


@pytest.mark.parametrize('max_iters, end', [(1, 1), (2, 2), (12, 2),
                                            (23, 2), (24, 2), (36, 3)])
def test_a_short_run_still_warms_up(max_iters, end):
    import torch
    from mmengine.optim.scheduler import LinearLR, MultiStepLR
    cfg = resolve_schedule(dict(
        train_cfg=dict(max_iters=max_iters),
        param_scheduler=[
            dict(type='LinearLR', start_factor=0.1, by_epoch=False,
                 begin=0, end_ratio=1 / 12),
            dict(type='MultiStepLR', by_epoch=False,
                 milestones_ratio=[2 / 3], gamma=0.1)
        ]))
    warm, steps = cfg['param_scheduler']
    assert (warm['begin'], warm['end']) == (0, end)
    # The warm-up of mmengine's LinearLR ends at full rate (1 iteration
    # runs are all warm-up), and the milestone still follows.
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.)
    schedulers = [
        LinearLR(optimizer, start_factor=0.1, begin=0, end=warm['end']),
        MultiStepLR(optimizer, milestones=steps['milestones'], gamma=0.1)
    ]
    lrs = []
    for _ in range(max_iters):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    milestone = steps['milestones'][0]
    if max_iters >= 2:
        # The warm-up's last step is end - 1.
        assert lrs[milestone - 1] == pytest.approx(
            1.0 if milestone >= end else 0.1)
    assert lrs[-1] == pytest.approx(0.1)  # after the milestone, or warm-up
    # A scheduler given in iterations is left as written.
    cfg = resolve_schedule(dict(
        train_cfg=dict(max_iters=max_iters),
        param_scheduler=[dict(type='LinearLR', begin=0, end=1)]))
    assert cfg['param_scheduler'][0]['end'] == 1


def test_every_warm_up_of_the_configs_warms_in_short_runs():
    key = 'stages.stage1_pretrain.cfg.train_cfg.max_iters'
    for cfg in (load(BASELINE, {'train_cfg.max_iters': 3}),
                load(CRGAN_SYNTH, {key: 3}, stage='stage1_pretrain')):
        schedulers = cfg.param_scheduler
        if isinstance(schedulers, dict):
            schedulers = [s for group in schedulers.values() for s in group]
        for scheduler in schedulers:
            if scheduler.type == 'LinearLR':
                assert scheduler.end - scheduler.begin >= 2, scheduler


def test_stages_record_the_image_count_of_their_schedule(tmp_path):
    from mmreidgen.stages import PipelineRunner
    stage1 = load(SLSR, stage='stage1_baseline')
    assert stage1.epoch_images == dict(num_images=896, counts=[896],
                                       epochs=40, batch_size=32)
    assert load(SLSR, stage='stage5_finetune').epoch_images['counts'] == [
        896, 800]
    # An explicit length has no such record; the record is not part of
    # the stage's hash (max_iters is).
    key = 'stages.stage1_baseline.cfg.train_cfg.max_iters'
    assert 'epoch_images' not in load(SLSR, {key: 5},
                                      stage='stage1_baseline')
    cfg = load_config(SLSR, {}, work_dir=str(tmp_path))
    keys = PipelineRunner(cfg)._keys()
    assert 'epoch_images' not in keys['stage1_baseline']['config']


def test_a_base_cycle_names_its_files(tmp_path):
    (tmp_path / 'a.py').write_text("_base_ = ['b.py']\nx = 1\n")
    (tmp_path / 'b.py').write_text("_base_ = './c.py'\ny = 2\n")
    (tmp_path / 'c.py').write_text("_base_ = ['a.py']\nz = 3\n")
    with pytest.raises(ConfigError) as err:
        load_config(str(tmp_path / 'a.py'))
    message = str(err.value)
    assert 'include each other' in message
    cycle = message.split(': ', 1)[1].split('. ')[0].split(' -> ')
    assert [osp.basename(p) for p in cycle] == ['a.py', 'b.py', 'c.py',
                                                'a.py']
