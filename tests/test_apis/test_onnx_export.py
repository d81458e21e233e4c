"""mmreidgen.apis.onnx_export: the input size (the export itself runs in
tests/test_tools/test_onnx.py)."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmreidgen.apis import load_config
from mmreidgen.apis.onnx_export import input_size_of

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_input_size_of_the_test_pipeline():
    cfg = load_config(osp.join(
        REPO, 'configs/baseline/baseline_r18w16_synthmarket.py'))
    assert input_size_of(cfg) == (64, 32)
    nested = Config(dict(test_dataloader=dict(dataset=dict(datasets=[
        dict(pipeline=[dict(type='LoadReIDImage'),
                       dict(type='ReIDResize', scale=(96, 48))])]))))
    assert input_size_of(nested) == (96, 48)
    with pytest.raises(ValueError, match='pass --shape H W'):
        input_size_of(Config(dict(test_dataloader=dict(dataset=dict(
            pipeline=[dict(type='LoadReIDImage')])))))
