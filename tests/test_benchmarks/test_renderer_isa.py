"""The renderer's instruction-set check: traces, their comparison, and the
tool's table."""
import json

import cv2
import pytest
from conftest import load_tool

from mmreidgen.benchmarks.renderer_isa import TRACED, compare, trace_render


def test_compare_counts_same_input_calls_only():
    a = [['resize', ['x'], 'y', 'x'], ['GaussianBlur', ['p'], 'q', 'p'],
         ['GaussianBlur', ['u'], 'v', 'u'], ['line', ['m'], None, 'n']]
    b = [['resize', ['x'], 'y', 'x'], ['GaussianBlur', ['p'], 'Q', 'p'],
         ['GaussianBlur', ['U'], 'V', 'U'], ['line', ['m'], None, 'N']]
    assert compare(a, b) == {
        'GaussianBlur': dict(same=0, other=1),
        'line': dict(same=0, other=1),
        'resize': dict(same=1, other=0)}
    with pytest.raises(RuntimeError, match='another order'):
        compare(a, b[::-1])


def test_a_trace_records_every_call_and_restores_opencv(tmp_path):
    blur = cv2.GaussianBlur
    path = str(tmp_path / 'trace.json')
    count = trace_render(path, num_train_ids=2, num_test_ids=2)
    with open(path) as f:
        records = json.load(f)
    assert len(records) == count > 0
    assert {r[0] for r in records} <= set(TRACED)
    assert {'GaussianBlur', 'imwrite', 'resize'} <= {r[0] for r in records}
    assert cv2.GaussianBlur is blur
    # The same render traced again gives the same hashes.
    trace_render(str(tmp_path / 'again.json'), 2, 2)
    with open(tmp_path / 'again.json') as f:
        assert json.load(f) == records


def test_tool_prints_a_row_per_function(capsys):
    tool = load_tool('tools/analysis_tools/renderer_isa.py')
    tool.main(['--train-ids', '2', '--test-ids', '2'])
    out = capsys.readouterr().out
    assert 'OPENCV_CPU_DISABLE=AVX2,FMA3,AVX,FP16' in out
    rows = [line for line in out.splitlines()
            if line.startswith('| ') and not line.startswith('| function')]
    assert {r.split(' | ')[0][2:] for r in rows} >= {'GaussianBlur',
                                                     'resize'}
