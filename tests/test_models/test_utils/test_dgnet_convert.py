"""The NVlabs/DG-Net converter on state dicts built from its key names."""
import copy
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torchvision

from mmreidgen.models.utils.dgnet_convert import (
    DGNetConversionError,
    check_against_model,
    convert_dgnet_reference,
)
from mmreidgen.registry import MODELS
from mmreidgen.utils import drop_pretrained

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(ROOT, 'configs', 'dgnet', 'dgnet_r50_market.py')
TOOL = osp.join(ROOT, 'tools', 'model_converters',
                'dgnet_reference_to_mmreidgen.py')


def _conv(prefix, cout, cin, k):
    return {f'{prefix}.conv.weight': (cout, cin, k, k),
            f'{prefix}.conv.bias': (cout, )}


def reference_shapes(num_classes=751):
    """Key -> shape of the reference files, written from the reference's
    module names (networks.py / reIDmodel.py, configs/latest.yaml)."""
    ids = {'model.' + k: tuple(v.shape)
           for k, v in torchvision.models.resnet50().state_dict().items()}
    for c in ('classifier1', 'classifier2'):
        ids.update({
            f'{c}.add_block.0.weight': (512, 2048),
            f'{c}.add_block.0.bias': (512, ),
            f'{c}.add_block.1.weight': (512, ),
            f'{c}.add_block.1.bias': (512, ),
            f'{c}.add_block.1.running_mean': (512, ),
            f'{c}.add_block.1.running_var': (512, ),
            f'{c}.add_block.1.num_batches_tracked': (),
            f'{c}.classifier.0.weight': (num_classes, 512),
            f'{c}.classifier.0.bias': (num_classes, ),
        })
    gen = {}
    e = 'enc_content.model'
    for i, (cout, cin) in enumerate([(16, 1), (32, 16), (32, 32), (64, 32)]):
        gen.update(_conv(f'{e}.{i}', cout, cin, 3))
    for r in range(4):
        for j in range(2):
            gen.update(_conv(f'{e}.4.model.{r}.model.{j}', 64, 64, 3))
    gen.update(_conv(f'{e}.5.conv1', 32, 64, 1))
    for b in ('conv6', 'conv12', 'conv18'):
        gen.update(_conv(f'{e}.5.{b}.0', 32, 64, 1))
        gen.update(_conv(f'{e}.5.{b}.1', 32, 32, 3))
    gen.update(_conv(f'{e}.5.fuse', 128, 128, 1))
    for r in range(4):
        for j in range(2):
            p = f'dec.model.1.model.{r}.model.{j}'
            gen.update(_conv(p, 128, 128, 3))
            gen[f'{p}.norm.running_mean'] = (128, )
            gen[f'{p}.norm.running_var'] = (128, )
    for i, (cout, cin) in ((3, (64, 128)), (5, (32, 64))):
        gen.update(_conv(f'dec.model.{i}', cout, cin, 5))
        gen[f'dec.model.{i}.norm.gamma'] = (cout, )
        gen[f'dec.model.{i}.norm.beta'] = (cout, )
    gen.update(_conv('dec.model.6', 32, 32, 3))
    gen.update(_conv('dec.model.7', 32, 32, 3))
    gen.update(_conv('dec.model.8', 3, 32, 1))
    for wb in 'wb':
        for k in range(1, 5):
            for j, (o, i) in enumerate([(512, 2048), (512, 512), (256, 512)]):
                gen[f'mlp_{wb}{k}.model.{j}.fc.weight'] = (o, i)
                gen[f'mlp_{wb}{k}.model.{j}.fc.bias'] = (o, )
    dis = {}
    for s in range(3):
        for i, (cout, cin, k) in enumerate([(32, 3, 1), (32, 32, 3),
                                            (32, 32, 3), (32, 32, 3),
                                            (64, 32, 3)]):
            dis.update(_conv(f'cnns.{s}.{i}', cout, cin, k))
        for i in range(5, 9):
            for j in range(2):
                dis.update(_conv(f'cnns.{s}.{i}.model.{j}', 64, 64, 3))
        dis[f'cnns.{s}.9.weight'] = (1, 64, 1, 1)
        dis[f'cnns.{s}.9.bias'] = (1, )
    return gen, ids, dis


def _tensors(shapes):
    """A distinct value per tensor, so a wrong pairing shows up."""
    return {k: torch.full(s, float(i)) for i, (k, s) in
            enumerate(shapes.items())}


@pytest.fixture(scope='module')
def model():
    from mmreidgen.apis import load_config
    cfg = load_config(CONFIG)
    node = cfg.get('model') or cfg.get('dgnet')  # the pipeline's DGNet
    assert node['type'] == 'DGNet'
    return MODELS.build(drop_pretrained(copy.deepcopy(node)))


@pytest.fixture(scope='module')
def reference():
    gen, ids, dis = reference_shapes()
    return ({'a': _tensors(gen)}, {'a': _tensors(ids)}, {'a': _tensors(dis)})


def test_all_keys_mapped_shapes_match(model, reference):
    gen, ids, dis = reference
    state, dropped = convert_dgnet_reference(gen, ids, dis)
    # every reference tensor is either mapped or documented as dropped
    n_ref = sum(len(f['a']) for f in reference)
    assert len(state) + len(dropped) == n_ref
    assert sorted(dropped) == sorted(
        ['model.fc.weight', 'model.fc.bias'] +
        [k for k in gen['a'] if k.startswith('dec.model.1.')
         and '.norm.running_' in k])
    check_against_model(state, model, ignore_prefixes=('teacher.', ))
    target = model.state_dict()
    assert {k for k in target if not k.startswith('teacher.')} == set(state)
    # values move unchanged, to the documented places
    assert torch.equal(state['appearance_encoder.backbone.layer4.2.bn3.'
                             'running_var'],
                       ids['a']['model.layer4.2.bn3.running_var'])
    assert state['appearance_encoder.head_fine.bn.running_mean'] is \
        ids['a']['classifier2.add_block.1.running_mean']
    assert state['structure_encoder.layers.8.dilated.2.1.conv.weight'] is \
        gen['a']['enc_content.model.5.conv18.1.conv.weight']
    assert state['structure_encoder.layers.7.conv2.conv.bias'] is \
        gen['a']['enc_content.model.4.model.3.model.1.conv.bias']
    assert state['decoder.up.3.norm.gamma'] is \
        gen['a']['dec.model.5.norm.gamma']
    assert state['decoder.mlp_b.3.layers.4.weight'] is \
        gen['a']['mlp_b4.model.2.fc.weight']
    assert state['discriminator.nets.2.6.conv1.conv.weight'] is \
        dis['a']['cnns.2.6.model.0.conv.weight']
    # loads strictly once the teacher (not in the reference files) is added
    full = dict(state)
    full.update({k: v for k, v in target.items() if k.startswith('teacher.')})
    model_copy = copy.deepcopy(model)
    model_copy.load_state_dict(full, strict=True)
    assert torch.equal(model_copy.decoder.up[6].conv.weight,
                       gen['a']['dec.model.8.conv.weight'])


def test_errors_name_the_key(model, reference):
    gen, ids, dis = reference
    bad = {'a': dict(gen['a'], **{'enc_content.foo': torch.zeros(1)})}
    with pytest.raises(DGNetConversionError, match='enc_content.foo'):
        convert_dgnet_reference(bad, ids, dis)
    # a reference with an extra decoder layer maps, but does not fit
    extra = {'a': dict(gen['a'], **{'dec.model.9.conv.bias': torch.zeros(3)})}
    state, _ = convert_dgnet_reference(extra, ids, dis)
    with pytest.raises(DGNetConversionError, match='decoder.up.7.conv.bias'):
        check_against_model(state, model, ignore_prefixes=('teacher.', ))
    with pytest.raises(DGNetConversionError, match='reference layout'):
        convert_dgnet_reference({'gen': 1}, ids)
    state, _ = convert_dgnet_reference(gen, ids)
    with pytest.raises(DGNetConversionError, match='discriminator'):
        check_against_model(state, model, ignore_prefixes=('teacher.', ))


def test_tool(tmp_path, reference):
    names = []
    for name, obj in zip(('gen', 'id', 'dis'), reference):
        path = tmp_path / f'{name}_00100000.pt'
        torch.save(obj, path)
        names.append(str(path))
    out = tmp_path / 'converted.pth'
    proc = subprocess.run(
        [sys.executable, TOOL, names[0], names[1], str(out), '--dis',
         names[2], '--config', CONFIG],
        capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert 'absent: teacher.' in proc.stdout
    ckpt = torch.load(out, map_location='cpu', weights_only=True)
    assert ckpt['meta']['converted_from'] == 'NVlabs/DG-Net'
    assert 'decoder.mlp_w.0.layers.0.weight' in ckpt['state_dict']
