# One entry point for the workflow; `make check` is what CI runs (see .ci/run).
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install lint typecheck test check build
install:
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -e '.[test]'
lint:
	$(VENV)/bin/ruff check src tests && $(VENV)/bin/ruff format --check src tests
typecheck:
	$(VENV)/bin/mypy
test:
	$(PY) -m pytest -q
check: test  # the suite runs ruff and mypy too (tests/test_quality.py)
build:
	$(VENV)/bin/refeed build
