"""Which OpenCV calls of the synthetic renderer depend on the CPU's
instruction set.

A tiny render runs twice in fresh processes: as the machine is, and with
OpenCV's vector kernels switched off (``OPENCV_CPU_DISABLE``, default
``AVX2,FMA3,AVX,FP16``). Every call of the OpenCV functions the renderer
uses is recorded in order with a hash of its array arguments and of its
result (and of its first argument after the call, for the drawing calls
that write into it). Among the calls whose inputs are the same in both
runs, those whose outputs differ are the ones whose bytes depend on the
instruction set.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from typing import Dict, List, Sequence

#: The OpenCV functions the renderer calls (mmreidgen/datasets/synthetic).
TRACED = ('resize', 'GaussianBlur', 'pow', 'blendLinear', 'cvtColor',
          'distanceTransform', 'ellipse', 'line', 'rectangle', 'fillPoly',
          'circle', 'imwrite')
DISABLE = 'AVX2,FMA3,AVX,FP16'


def _digest(value):
    import numpy as np
    if isinstance(value, np.ndarray):
        return hashlib.sha1(
            np.ascontiguousarray(value).tobytes()).hexdigest()[:16]
    if isinstance(value, (list, tuple)):
        return [_digest(v) for v in value]
    return None


def trace_render(out_json: str, num_train_ids: int = 8,
                 num_test_ids: int = 6, version: int = 2) -> int:
    """Render a small benchmark with every traced OpenCV call recorded;
    write the records to ``out_json`` and return their number."""
    import cv2
    import numpy as np
    records = []

    def traced(name, fn):
        def call(*args, **kwargs):
            inputs = [_digest(a) for a in args]
            result = fn(*args, **kwargs)
            first = _digest(args[0]) if args and isinstance(
                args[0], np.ndarray) else None
            records.append([name, inputs, _digest(result), first])
            return result
        return call

    originals = {name: getattr(cv2, name) for name in TRACED}
    for name, fn in originals.items():
        setattr(cv2, name, traced(name, fn))
    try:
        from mmreidgen.datasets.synthetic import make_synthetic_reid
        with tempfile.TemporaryDirectory() as root:
            make_synthetic_reid(root, seed=0, num_train_ids=num_train_ids,
                                num_test_ids=num_test_ids, version=version)
    finally:
        for name, fn in originals.items():
            setattr(cv2, name, fn)
    with open(out_json, 'w') as f:
        json.dump(records, f)
    return len(records)


def compare(a: Sequence, b: Sequence) -> Dict[str, Dict[str, int]]:
    """Per OpenCV function: calls with the same inputs in both traces that
    gave the same (``'same'``) or other (``'other'``) bytes."""
    if [r[0] for r in a] != [r[0] for r in b]:
        raise RuntimeError('the two renders called OpenCV in another order')
    same, other = Counter(), Counter()
    for x, y in zip(a, b):
        if x[1] == y[1]:
            (same if x[2:] == y[2:] else other)[x[0]] += 1
    return {name: dict(same=same[name], other=other[name])
            for name in sorted(set(same) | set(other))}


def report(num_train_ids: int = 8, num_test_ids: int = 6,
           version: int = 2, disable: str = DISABLE) -> List[str]:
    """Both renders in fresh processes, compared; the report's lines."""
    import cv2
    traces = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, off in enumerate(('', disable)):
            path = os.path.join(tmp, f'trace{i}.json')
            env = dict(os.environ, OPENCV_CPU_DISABLE=off)
            subprocess.run(
                [sys.executable, '-m', __name__, path, str(num_train_ids),
                 str(num_test_ids), str(version)], env=env, check=True)
            with open(path) as f:
                traces.append(json.load(f))
    table = compare(*traces)
    lines = [f'Version-{version} render of {num_train_ids} + {num_test_ids} '
             f'identities, {len(traces[0])} OpenCV calls, OpenCV '
             f'{cv2.__version__}; as the machine is against '
             f'OPENCV_CPU_DISABLE={disable}.',
             'Calls with the same inputs in both runs:', '',
             '| function | same bytes | other bytes |', '|---|---|---|']
    lines += [f'| {name} | {n["same"]} | {n["other"]} |'
              for name, n in table.items()]
    return lines


if __name__ == '__main__':
    trace_render(sys.argv[1], *map(int, sys.argv[2:5]))
