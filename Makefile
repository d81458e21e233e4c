# Two commands for a newcomer: `make demo` and `make test`.
# Both create .venv on first use, from requirements/lock.txt: every
# package, transitive ones included, at an exact version with its hashes.
# `make lock` regenerates the lock from the top-level requirements
# (docs/en/get_started.md says when, and what to re-measure after).
#
# uv installs the lock (bootstrapped into .venv from the hashed pin of
# requirements/uv.txt); `make UV=` installs it with pip instead. pip runs
# with this machine's local find-links directory and pip config switched
# off: the index's torchvision needs the index's torch.
VENV ?= .venv
PY := $(VENV)/bin/python
UV ?= $(VENV)/bin/uv
PIP_ENV := PIP_FIND_LINKS= PIP_CONFIG_FILE=/dev/null
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt
LOCK_INPUTS := requirements/runtime.txt requirements/nodeps.txt \
	requirements/tests.txt requirements/optional.txt requirements/docs.txt \
	requirements/uv.in

.PHONY: venv lock test lint demo clean-demo docs bytecode

venv: $(STAMP)

# One OpenCV: mmengine and mmcv-lite ask for opencv-python; the lock
# excludes it (requirements/excludes.txt) and holds opencv-python-headless,
# the same cv2 package. The lock is complete, so it is installed with
# --no-deps: nothing is resolved at install time. `uv pip sync` also
# removes what the lock does not list (a .venv made before it).
# Bytecode is compiled at install (uv: --compile-bytecode; pip does it by
# default): where PYTHONDONTWRITEBYTECODE is set, as on CI machines, no
# process writes .pyc files, and every process that imports torch,
# mmengine and sympy from source spends seconds compiling them.
$(STAMP): $(LOCK) requirements/uv.txt setup.py
	test -x $(PY) || python3 -m venv $(VENV)
	if [ -n "$(UV)" ]; then \
		$(PIP_ENV) $(PY) -m pip install -q --no-deps --require-hashes \
			-r requirements/uv.txt && \
		$(UV) pip sync -q --python $(PY) --compile-bytecode \
			--require-hashes $(LOCK); \
	else \
		$(PIP_ENV) $(PY) -m pip install -q --no-deps --require-hashes \
			-r $(LOCK); \
	fi
	$(PIP_ENV) $(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Regenerate the lock from the top-level requirements (the versions
# already locked are kept where they still fit; `make lock
# UPGRADE=--upgrade` takes the newest the inputs allow).
lock: $(STAMP)
	$(UV) pip compile -q --universal --python-version 3.11 \
		--generate-hashes --excludes requirements/excludes.txt \
		$(UPGRADE) $(LOCK_INPUTS) -o $(LOCK)
	$(UV) pip compile -q --generate-hashes $(UPGRADE) \
		requirements/uv.in -o requirements/uv.txt
	$(UV) pip compile -q --no-deps --generate-hashes --python-version 3.11 \
		$(UPGRADE) requirements/onedl.in -o requirements/onedl.txt

# mmreidgen's own bytecode (editable install: its .py files are the
# checkout's). Only changed files are compiled again.
bytecode: $(STAMP)
	$(PY) -m compileall -q mmreidgen

lint: $(STAMP)
	$(PY) -m ruff check mmreidgen tools tests configs

# One pytest worker per core, whole test files to a worker (their module
# fixtures render and train once), the long files first in the order
# tests/conftest.py sorts them (xdist would reorder them by test count);
# `make test TEST_JOBS=0` runs serially.
# The 30 slowest tests are listed at the end (where the suite's time goes).
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: lint bytecode
	OMP_NUM_THREADS=1 $(PY) -m pytest tests -q -p no:cacheprovider \
		-n $(TEST_JOBS) --dist loadfile --no-loadscope-reorder \
		--durations=30

# The docs site (Sphinx + MyST, API reference from the docstrings):
# open build/docs/index.html. The source folder is the repository root so
# that configs/<method>/README.md are pages too (docs/conf.py).
docs: $(STAMP)
	$(PY) -m sphinx -b html -q -c docs . build/docs

demo: bytecode
	$(PY) tools/demo.py --work-dir work_dirs/demo

clean-demo:
	rm -rf work_dirs/demo data/synthreid data/synthreid_v2

# A proof grid (mmreidgen/proofs/grids.py), resumable:
#   make proofs PROOF=domain_gap_v2 SEEDS="0 1 2"
.PHONY: proofs
proofs: $(STAMP)
	$(PY) tools/analysis_tools/run_proofs.py $(PROOF) --seeds $(or $(SEEDS),0 1 2)
