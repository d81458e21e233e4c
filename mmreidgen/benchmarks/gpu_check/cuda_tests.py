"""The CUDA tests of the check: ``pytest -k cuda`` in the background.

The tests are those of a source checkout, in ``tests/`` under the current
folder (``tools/gpu/check.sh`` runs from the checkout); an installed
package without them skips this section.
"""
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time
from typing import List, Optional

#: Where the tests are, relative to the current folder.
TESTS_DIR = 'tests'


def cuda_test_files() -> List[str]:
    """Test files that mention CUDA (their CUDA tests are named so), this
    check's own test excepted."""
    found = []
    for folder, _, files in os.walk(TESTS_DIR):
        for f in sorted(files):
            if f.startswith('test_') and f.endswith('.py') and \
                    f != 'test_gpu_check.py':
                path = osp.join(folder, f)
                with open(path, encoding='utf-8') as fh:
                    if 'cuda' in fh.read():
                        found.append(osp.relpath(path))
    return sorted(found)


def start_cuda_tests(out_dir: str) -> Optional[subprocess.Popen]:
    """``pytest -k cuda`` on the CUDA test files, in the background; None
    when there are none (no ``tests/`` here)."""
    files = cuda_test_files()
    if not files:
        return None
    junit = osp.join(tempfile.gettempdir(), 'mmreidgen_cuda_tests.xml')
    cmd = [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
           '-k', 'cuda', '-rfEs', f'--junitxml={junit}', *files]
    log = open(osp.join(out_dir, 'cuda_tests.log'), 'w')
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    proc.junit, proc.log, proc.cmd = junit, log, cmd
    proc.started = time.perf_counter()
    return proc


def finish_cuda_tests(proc: subprocess.Popen, timeout: float) -> dict:
    try:
        rc = proc.wait(timeout=max(timeout, 1))
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    proc.log.close()
    out = dict(command='python ' + ' '.join(proc.cmd[1:]), returncode=rc,
               seconds=time.perf_counter() - proc.started)
    counts = dict(passed=0, failed=0, errors=0, skipped=0)
    failures = []
    if osp.exists(proc.junit):
        import xml.etree.ElementTree as ET
        for case in ET.parse(proc.junit).getroot().iter('testcase'):
            tags = {child.tag for child in case}
            case_id = f'{case.get("classname")}::{case.get("name")}'
            if 'failure' in tags:
                counts['failed'] += 1
                failures.append(case_id)
            elif 'error' in tags:
                counts['errors'] += 1
                failures.append(case_id)
            elif 'skipped' in tags:
                counts['skipped'] += 1
            else:
                counts['passed'] += 1
    out.update(counts, failures=failures,
               status='ok' if rc in (0, 5) and not failures else 'failed')
    return out
