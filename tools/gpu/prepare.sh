#!/usr/bin/env bash
# Downloads, here, the wheels that the GPU machine lacks, for its Python
# 3.12, into tools/gpu/wheels/ (ignored by git, carried to the machine:
# carry=["tools/gpu/wheels"]), then checks that they and the working tree
# that travels with them stay under the 64 MiB carry limit.
#
#   bash tools/gpu/prepare.sh
#
# The GPU image already has torch 2.11, torchvision 0.26, numpy, scipy,
# scikit-learn, opencv-python-headless, matplotlib, rich, pyyaml,
# packaging, pillow, einops, click, markdown, zipp, pytest, onnx,
# onnxruntime, tensorboard, timm and torchmetrics (the device tool's
# KINDS.md). What mmengine, mmcv-lite and mmpretrain need beyond them is
# listed below, pure-Python wheels only; check.sh installs them with
# --no-deps, so nothing replaces the machine's torch or OpenCV. The
# project itself travels as the working tree (PYTHONPATH), not as a wheel.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEST=$REPO/tools/gpu/wheels
PY=${PYTHON:-$REPO/.venv/bin/python}
[ -x "$PY" ] || PY=python3
LIMIT=$((64 * 1024 * 1024))

# The versions of this checkout's .venv (requirements/), one of each.
WHEELS=(
  mmengine==0.10.7 mmcv-lite==2.2.0 mmpretrain==1.2.0
  # mmengine / mmcv-lite
  addict==2.4.0 termcolor==3.3.0 yapf==0.43.0 platformdirs==4.14.9
  # mmpretrain
  importlib-metadata==10.2.0 lazy-importer==0.1.0 mat4py==0.6.0
  modelindex==0.0.2 model-index==0.1.11 ordered-set==4.1.0
)
# Installed by check.sh only where the machine's setuptools lacks
# pkg_resources (setuptools >= 82), which mmengine 0.10.7 imports.
EXTRA=(setuptools==81.0.0)

rm -rf "$DEST"
mkdir -p "$DEST/extra"
download() {
  PIP_FIND_LINKS= PIP_CONFIG_FILE=/dev/null "$PY" -m pip download -q \
    --python-version 3.12 --implementation cp --only-binary=:all: \
    --no-deps -d "$@"
}
download "$DEST" "${WHEELS[@]}"
download "$DEST/extra" "${EXTRA[@]}"
ls -l "$DEST" "$DEST/extra"

# What travels: tracked and untracked-not-ignored files, plus the wheels.
cd "$REPO"
tree=$(git ls-files -z --cached --others --exclude-standard \
  | xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s += $1} END {print s + 0}')
wheels=$(find "$DEST" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
total=$((tree + wheels))
mib() { awk -v b="$1" 'BEGIN {printf "%.2f MiB", b / 1048576}'; }
echo "working tree that travels: $(mib "$tree")"
echo "wheels (tools/gpu/wheels): $(mib "$wheels")"
echo "total: $(mib "$total") of the 64 MiB carry limit"
if [ "$total" -ge "$LIMIT" ]; then
  echo "prepare.sh: over the 64 MiB limit: ignore or remove large files" >&2
  exit 1
fi
echo 'run on the GPU machine: bash tools/gpu/check.sh  (carry: ["tools/gpu/wheels"])'
