import importlib.util
import os.path as osp
import sys

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(relpath):
    spec = importlib.util.spec_from_file_location(
        'cluster_silhouette', osp.join(REPO, relpath))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prints_table_1_from_saved_features(tmp_path, monkeypatch, capsys):
    rng = np.random.default_rng(0)
    centers = np.array([[0.0, 0, 0], [8, 0, 0], [0, 8, 0], [0, 0, 8]])
    feats = np.concatenate(
        [c + 0.2 * rng.standard_normal((20, 3)) for c in centers])
    path = tmp_path / 'features.npy'
    np.save(path, feats)
    tool = load_tool('tools/analysis_tools/cluster_silhouette.py')
    monkeypatch.setattr(sys, 'argv', [
        'cluster_silhouette.py', '--features', str(path), '--ks', '2', '3',
        '4', '5'
    ])
    tool.main()
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith('| ')]
    assert rows[0].startswith('| Number of clusters')
    scores = {int(r.split('|')[1]): float(r.split('|')[2].strip(' %'))
              for r in rows[1:]}
    assert sorted(scores) == [2, 3, 4, 5]
    assert max(scores, key=scores.get) == 4  # four blobs


def test_needs_features_or_a_checkpoint(monkeypatch):
    tool = load_tool('tools/analysis_tools/cluster_silhouette.py')
    monkeypatch.setattr(sys, 'argv', ['cluster_silhouette.py'])
    with pytest.raises(SystemExit):
        tool.main()
