"""tools/deployment/pytorch2onnx.py against onnxruntime on CPU."""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from conftest import load_tool

from mmreidgen.apis import load_config
from mmreidgen.registry import DATASETS, MODELS
from mmreidgen.utils import CheckpointMismatchError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/baseline/baseline_r18w16_synthmarket.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    cfg = load_config(CONFIG)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    # Non-trivial BN statistics, so that the BN-neck matters.
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm1d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    path = str(tmp_path_factory.mktemp('onnx') / 'baseline.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    return path


def test_export_and_verify_with_onnxruntime(checkpoint, tmp_path, capsys):
    tool = load_tool('tools/deployment/pytorch2onnx.py')
    out = str(tmp_path / 'reid.onnx')
    result = tool.main([CONFIG, checkpoint, '--output-file', out,
                        '--verify'])
    assert result['shape'] == (64, 32)  # the test pipeline's ReIDResize
    # the current exporter wrote it; the legacy one is only a fallback
    assert result['exporter'] == 'dynamo'
    assert result['max_abs_diff'] < 1e-4
    assert 'max |diff|' in capsys.readouterr().out
    graph = onnx.load(out).graph
    onnx.checker.check_model(onnx.load(out))
    assert [i.name for i in graph.input] == ['images']
    assert [o.name for o in graph.output] == ['features']
    batch_dim = graph.input[0].type.tensor_type.shape.dim[0]
    assert batch_dim.dim_param == 'batch'


def test_onnx_equals_the_test_path_on_real_images(checkpoint, synth_root,
                                                  tmp_path):
    """Raw dataloader images through ONNX == model.test_step features."""
    tool = load_tool('tools/deployment/pytorch2onnx.py')
    out = str(tmp_path / 'reid.onnx')
    tool.main([CONFIG, checkpoint, '--output-file', out])
    cfg = load_config(CONFIG)
    query = cfg.test_dataloader.dataset.datasets[0]
    query.data_root = osp.join(synth_root, 'synthmarket')
    dataset = DATASETS.build(query)
    batch = [dataset[i] for i in range(5)]
    model = tool.build_extractor(cfg, checkpoint).model
    with torch.no_grad():
        samples = model.test_step(
            dict(inputs=[b['inputs'] for b in batch],
                 data_samples=[b['data_samples'] for b in batch]))
    expected = torch.stack([s.pred_feature for s in samples]).numpy()
    images = torch.stack([b['inputs'] for b in batch]).float().numpy()
    session = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    got = session.run(['features'], {'images': images})[0]
    assert got.shape == expected.shape == (5, 128)
    assert np.abs(got - expected).max() < 1e-4
    # flip TTA + L2 normalisation of the config are in the graph.
    assert np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)


def test_wrong_checkpoint_is_refused(tmp_path):
    cfg = load_config(CONFIG)
    cfg.model.head.num_classes = 751
    path = str(tmp_path / 'other.pth')
    torch.save({'state_dict': MODELS.build(cfg.model).state_dict()}, path)
    tool = load_tool('tools/deployment/pytorch2onnx.py')
    with pytest.raises(CheckpointMismatchError, match='num_classes=751'):
        tool.main([CONFIG, path, '--output-file', str(tmp_path / 'x.onnx')])


def test_legacy_exporter_only_as_fallback(checkpoint, tmp_path, monkeypatch):
    """When the dynamo exporter fails, the legacy one writes the file and a
    warning names the failure."""
    tool = load_tool('tools/deployment/pytorch2onnx.py')
    real_export = torch.onnx.export

    def dynamo_fails(*args, dynamo=True, **kwargs):
        if dynamo:
            raise RuntimeError('unsupported operator (simulated)')
        return real_export(*args, dynamo=False, **kwargs)

    monkeypatch.setattr(torch.onnx, 'export', dynamo_fails)
    out = str(tmp_path / 'legacy.onnx')
    with pytest.warns(UserWarning, match='simulated.*legacy'):
        result = tool.main([CONFIG, checkpoint, '--output-file', out,
                            '--verify'])
    assert result['exporter'] == 'legacy'
    assert result['max_abs_diff'] < 1e-4
    onnx.checker.check_model(onnx.load(out))


def test_command_line_errors_end_in_one_line(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    env.pop('MMREIDGEN_TRACEBACK', None)
    proc = subprocess.run(
        [sys.executable, 'tools/deployment/pytorch2onnx.py', CONFIG,
         str(tmp_path / 'missing.pth'), '--output-file',
         str(tmp_path / 'x.onnx')],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('Error (FileNotFoundError): Checkpoint ')
    assert 'missing.pth' in last
    assert 'Traceback' not in proc.stderr
