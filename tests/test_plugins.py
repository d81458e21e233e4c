"""A third-party package registers a loss and a transform and uses them
from a config through ``custom_imports``."""
import sys
import textwrap

import numpy as np
import torch
from mmengine.config import Config

from mmreidgen.registry import MODELS, TRANSFORMS
from mmreidgen.structures import ReIDDataSample

PLUGIN = '''
import torch.nn.functional as F
from mmcv.transforms import BaseTransform
from torch import nn

from mmreidgen.registry import MODELS, TRANSFORMS


@MODELS.register_module()
class DoubledCrossEntropy(nn.Module):
    def forward(self, logits, target):
        return 2 * F.cross_entropy(logits, target)


@TRANSFORMS.register_module()
class InvertColours(BaseTransform):
    def transform(self, results):
        results['img'] = 255 - results['img']
        return results
'''

CONFIG = '''
custom_imports = dict(imports=['mmreidgen_test_plugin'],
                      allow_failed_imports=False)
model = dict(
    type='ReIDBaseline',
    backbone=dict(type='mmpretrain.ResNet', depth=18, stem_channels=8,
                  base_channels=8, out_indices=(3, )),
    head=dict(type='ReIDHead', in_channels=64, num_classes=3,
              bnneck=False, loss_cls=dict(type='DoubledCrossEntropy')))
pipeline = [dict(type='InvertColours')]
'''


def test_plugin_components_build_from_config(tmp_path, monkeypatch):
    pkg = tmp_path / 'mmreidgen_test_plugin'
    pkg.mkdir()
    (pkg / '__init__.py').write_text(textwrap.dedent(PLUGIN))
    (tmp_path / 'cfg.py').write_text(CONFIG)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        cfg = Config.fromfile(str(tmp_path / 'cfg.py'))
        model = MODELS.build(cfg.model)
        assert type(model.head.loss_cls).__name__ == 'DoubledCrossEntropy'
        logits = torch.randn(4, 3)
        labels = torch.tensor([0, 1, 2, 0])
        expected = 2 * torch.nn.functional.cross_entropy(logits, labels)
        assert torch.allclose(model.head.loss_cls(logits, labels), expected)

        invert = TRANSFORMS.build(cfg.pipeline[0])
        img = np.full((4, 2, 3), 10, np.uint8)
        assert (invert(dict(img=img))['img'] == 245).all()

        # The plugin's loss drives a real training loss.
        sample = ReIDDataSample()
        sample.gt_label = torch.tensor(1)
        data = model.data_preprocessor(
            dict(inputs=[torch.zeros(3, 32, 16, dtype=torch.uint8)] * 2,
                 data_samples=[sample, sample]), True)
        assert model(**data, mode='loss')['loss_cls'] > 0
    finally:
        MODELS._module_dict.pop('DoubledCrossEntropy', None)
        TRANSFORMS._module_dict.pop('InvertColours', None)
        sys.modules.pop('mmreidgen_test_plugin', None)
