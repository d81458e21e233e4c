# Two commands for a newcomer: `make demo` and `make test`.
# Both create .venv on first use. torch and torchvision are installed from
# the package index with this machine's local find-links wheel directory
# switched off: the index's torchvision needs the index's torch.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_ENV := PIP_FIND_LINKS= PIP_CONFIG_FILE=/dev/null
STAMP := $(VENV)/.installed
REQS := requirements/runtime.txt requirements/nodeps.txt \
	requirements/tests.txt requirements/optional.txt requirements/docs.txt \
	setup.py

.PHONY: venv test lint demo clean-demo docs

venv: $(STAMP)

# One OpenCV: mmengine and mmcv-lite ask for opencv-python, so they come
# from nodeps.txt with --no-deps (runtime.txt lists their other
# dependencies and opencv-python-headless). A .venv built before holds
# both; removing one deletes files of the shared cv2 folder, hence the
# reinstall of the headless one.
$(STAMP): $(REQS)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP_ENV) $(PY) -m pip install -q -r requirements/runtime.txt \
		-r requirements/tests.txt -r requirements/optional.txt \
		-r requirements/docs.txt
	$(PIP_ENV) $(PY) -m pip install -q --no-deps -r requirements/nodeps.txt
	if $(PY) -m pip show -q opencv-python 2>/dev/null; then \
		$(PY) -m pip uninstall -q -y opencv-python && \
		$(PIP_ENV) $(PY) -m pip install -q --no-deps --force-reinstall \
			"opencv-python-headless==$$($(PY) -m pip show \
			opencv-python-headless | sed -n 's/^Version: //p')"; \
	fi
	$(PIP_ENV) $(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

lint: $(STAMP)
	$(PY) -m ruff check mmreidgen tools tests configs

test: lint
	$(PY) -m pytest tests -q -p no:cacheprovider

# The docs site (Sphinx + MyST, API reference from the docstrings):
# open build/docs/index.html. The source folder is the repository root so
# that configs/<method>/README.md are pages too (docs/conf.py).
docs: $(STAMP)
	$(PY) -m sphinx -b html -q -c docs . build/docs

demo: $(STAMP)
	$(PY) tools/demo.py --work-dir work_dirs/demo

clean-demo:
	rm -rf work_dirs/demo data/synthreid data/synthreid_v2

# A proof grid (mmreidgen/proofs/grids.py), resumable:
#   make proofs PROOF=domain_gap_v2 SEEDS="0 1 2"
.PHONY: proofs
proofs: $(STAMP)
	$(PY) tools/analysis_tools/run_proofs.py $(PROOF) --seeds $(or $(SEEDS),0 1 2)
