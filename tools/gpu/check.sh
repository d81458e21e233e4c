#!/usr/bin/env bash
# The prepared GPU check, one command on the GPU machine:
#
#   bash tools/gpu/check.sh [--dry-run] [OUT_DIR]
#
# Writes gpu_check.json, gpu_check.md, gpu_check.log and cuda_tests.log
# into OUT_DIR (default: $OUT where the device tool sets it, else
# work_dirs/gpu_check). On the GPU machine it first installs the wheels
# that tools/gpu/prepare.sh downloaded (carry tools/gpu/wheels) into
# /tmp/mmreidgen_site, without dependencies, so the machine's torch,
# numpy and OpenCV stay as they are. --dry-run runs the same code on the
# CPU at tiny sizes with this checkout's .venv (part of `make test`).
# The Python logic is mmreidgen/benchmarks/gpu_check/; extra arguments after
# `--` go to it (e.g. `-- --budget 400`).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DRY=0
OUT_DIR=${OUT:-}
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) DRY=1 ;;
    --) shift; EXTRA=("$@"); break ;;
    -*) echo "check.sh: unknown option $1 (use --dry-run, OUT_DIR, -- ARGS)" >&2
        exit 2 ;;
    *) OUT_DIR=$1 ;;
  esac
  shift
done
OUT_DIR=${OUT_DIR:-$REPO/work_dirs/gpu_check}
mkdir -p "$OUT_DIR"
cd "$REPO"
export PYTHONUNBUFFERED=1
if [ "$DRY" = 1 ]; then
  PY=${PYTHON:-$REPO/.venv/bin/python}
  [ -x "$PY" ] || PY=python3
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
  ARGS=(--dry-run)
else
  PY=${PYTHON:-python3}
  WHEELS=$REPO/tools/gpu/wheels
  if ! ls "$WHEELS"/*.whl >/dev/null 2>&1; then
    echo "check.sh: no wheels in $WHEELS: run tools/gpu/prepare.sh here," \
      "then carry tools/gpu/wheels" >&2
    exit 2
  fi
  SITE=/tmp/mmreidgen_site
  PIP_INSTALL=("$PY" -m pip install -q --no-index --no-deps --no-compile
    --no-cache-dir --root-user-action=ignore --upgrade --target "$SITE")
  "${PIP_INSTALL[@]}" "$WHEELS"/*.whl
  # mmengine 0.10.7 imports pkg_resources, gone from setuptools 82.
  if ! "$PY" -c 'import pkg_resources' 2>/dev/null; then
    "${PIP_INSTALL[@]}" "$WHEELS"/extra/setuptools-*.whl
  fi
  export PYTHONPATH=$SITE:$REPO${PYTHONPATH:+:$PYTHONPATH}
  ARGS=()
fi
set -o pipefail
"$PY" -m mmreidgen.benchmarks.gpu_check --out "$OUT_DIR" "${ARGS[@]}" \
  "${EXTRA[@]}" 2>&1 | tee "$OUT_DIR/gpu_check.log"
