from types import SimpleNamespace

import torch

from mmreidgen.registry import HOOKS, MODELS
from mmreidgen.structures import ReIDDataSample


def test_channels_last_gives_the_same_features():
    model = MODELS.build(
        dict(
            type='ReIDBaseline',
            backbone=dict(type='mmpretrain.ResNet', depth=18, stem_channels=8,
                          base_channels=8, out_indices=(3, )),
            head=dict(type='ReIDHead', in_channels=64, num_classes=3))).eval()
    samples = [ReIDDataSample() for _ in range(2)]
    data = dict(
        inputs=[torch.randint(0, 255, (3, 32, 16), dtype=torch.uint8)
                for _ in range(2)],
        data_samples=samples)
    with torch.no_grad():
        ref = model.extract_feat(model.data_preprocessor(data)['inputs'])
        HOOKS.build(dict(type='ChannelsLastHook')).before_test(
            SimpleNamespace(model=model))
        batch = model.data_preprocessor(data)['inputs']
        assert batch.is_contiguous(memory_format=torch.channels_last)
        conv = model.backbone.conv1.weight
        assert conv.is_contiguous(memory_format=torch.channels_last)
        out = model.extract_feat(batch)
    assert torch.allclose(ref, out, atol=1e-5)
