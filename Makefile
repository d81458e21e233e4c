# Two commands for a newcomer: `make demo` and `make test`.
# Both create .venv on first use. torch and torchvision are installed from
# the package index with this machine's local find-links wheel directory
# switched off: the index's torchvision needs the index's torch.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_ENV := PIP_FIND_LINKS= PIP_CONFIG_FILE=/dev/null
STAMP := $(VENV)/.installed
REQS := requirements/runtime.txt requirements/tests.txt requirements/optional.txt setup.py

.PHONY: venv test lint demo clean-demo

venv: $(STAMP)

$(STAMP): $(REQS)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP_ENV) $(PY) -m pip install -q -r requirements/runtime.txt \
		-r requirements/tests.txt -r requirements/optional.txt
	$(PIP_ENV) $(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

lint: $(STAMP)
	$(PY) -m ruff check mmreidgen tools tests configs

test: lint
	$(PY) -m pytest tests -q -p no:cacheprovider

demo: $(STAMP)
	$(PY) tools/demo.py --work-dir work_dirs/demo

clean-demo:
	rm -rf work_dirs/demo data/synthreid
