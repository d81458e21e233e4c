import hashlib
import json
import os
import os.path as osp

import cv2
import pytest

from mmreidgen.datasets import Market1501
from mmreidgen.datasets import synthetic as maker

SMALL = dict(num_train_ids=3, num_test_ids=4, num_distractors=3,
             num_junk=2)


@pytest.fixture(scope='module', params=[1, 2], ids=['v1', 'v2'])
def rendered(request, tmp_path_factory):
    out = str(tmp_path_factory.mktemp(f'synth_v{request.param}'))
    return maker, out, maker.make_synthetic_reid(
        out, seed=3, version=request.param, **SMALL)


def _digests(root):
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(('.jpg', '.png')):
                path = osp.join(folder, name)
                with open(path, 'rb') as f:
                    found[osp.relpath(path, root)] = hashlib.md5(
                        f.read()).hexdigest()
    return found


def test_render_is_deterministic(rendered, tmp_path):
    maker, out, stats = rendered
    version = stats['version']
    maker.make_synthetic_reid(str(tmp_path / 'again'), seed=3,
                              version=version, **SMALL)
    first, again = _digests(out), _digests(str(tmp_path / 'again'))
    assert first == again and len(first) > 100
    maker.make_synthetic_reid(str(tmp_path / 'other'), seed=4,
                              domains=['synthmarket'], version=version,
                              **SMALL)
    other = _digests(str(tmp_path / 'other'))
    shared = set(other) & set(first)
    assert not shared or any(other[k] != first[k] for k in shared)


@pytest.mark.parametrize('domain,num_cams', [('synthmarket', 6),
                                             ('synthduke', 8)])
def test_market_layout_with_masks(rendered, domain, num_cams):
    _, out, stats = rendered
    root = osp.join(out, domain)
    subsets = {
        s: Market1501(data_root=root, subset=s, with_mask=True)
        for s in ('train', 'query', 'gallery')
    }
    infos = {
        s: [ds.get_data_info(i) for i in range(len(ds))]
        for s, ds in subsets.items()
    }
    counts = stats['domains'][domain]['subsets']
    assert subsets['train'].num_ids == 3
    assert len(subsets['train']) == counts['train']['num_images']
    # Junk boxes are in the folder but dropped; distractors are kept.
    assert len(subsets['gallery']) == counts['gallery']['num_images'] - 2
    assert sum(i['pid'] == 0 for i in infos['gallery']) == 3
    cams = {i['camid'] for s in infos.values() for i in s}
    assert cams <= set(range(num_cams))
    image = cv2.imread(infos['query'][0]['img_path'])
    mask = cv2.imread(infos['query'][0]['mask_path'], cv2.IMREAD_UNCHANGED)
    assert image.shape == (128, 64, 3) and mask.shape == (128, 64)
    assert set(mask.ravel().tolist()) <= {0, 255} and mask.max() == 255
    # Every query has a gallery image of its id in another camera.
    for q in infos['query']:
        assert any(g['pid'] == q['pid'] and g['camid'] != q['camid']
                   for g in infos['gallery']), q['img_path']
    # Train and test identities are different people.
    test_ids = {i['pid'] for i in infos['query']}
    assert not test_ids & {i['orig_pid'] for i in infos['train']}


def test_tool_is_a_thin_command_line(tmp_path, capsys):
    from conftest import load_tool
    tool = load_tool('tools/dataset_converters/make_synthetic_reid.py')
    tool.main(['--out', str(tmp_path), '--num-train-ids', '1',
               '--num-test-ids', '1', '--num-distractors', '0',
               '--num-junk', '0', '--domains', 'synthmarket',
               '--workers', '1', '--version', '1'])
    table = capsys.readouterr().out
    assert 'synthmarket  train' in table and str(tmp_path) in table
    assert os.listdir(osp.join(tmp_path, 'synthmarket', 'query'))
    with open(osp.join(tmp_path, 'stats.json'), encoding='utf-8') as f:
        assert json.load(f)['version'] == 1
    assert tool.parse_args([]).version == 2  # the default


def test_bad_arguments_name_the_value(tmp_path):
    with pytest.raises(ValueError, match='synthfoo'):
        maker.make_synthetic_reid(str(tmp_path), domains=['synthfoo'])
    with pytest.raises(ValueError, match='num_train_ids=0'):
        maker.make_synthetic_reid(str(tmp_path), num_train_ids=0)


def test_shared_fixture_renders_version_1(synth_root):
    with open(osp.join(synth_root, 'stats.json'), encoding='utf-8') as f:
        stats = json.load(f)
    assert stats['version'] == 1 and stats['seed'] == 0
    assert stats['domains']['synthmarket']['subsets']['train'][
        'num_ids'] == 8
    assert not osp.exists(osp.join(synth_root, 'synthmarket',
                                   'masks_exact'))
