# Two commands on a fresh machine:
#   make demo   set up .venv, generate sample media, scan it, write HTML reports to demo-out/
#   make test   set up .venv and run the whole test suite
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.unmask-installed
PYTEST_WORKERS ?= auto

.PHONY: venv demo test lint typecheck check bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml requirements/nodeps.txt requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps -r requirements/nodeps.txt
	touch $(STAMP)

demo: venv
	$(VENV)/bin/unmask demo --out demo-out

test: venv
	$(PY) -m pytest -n $(PYTEST_WORKERS)

lint: venv
	$(VENV)/bin/ruff check unmask tests bench
	$(VENV)/bin/ruff format --check unmask tests bench

typecheck: venv
	$(VENV)/bin/mypy

check: lint typecheck test

bench: venv
	$(PY) bench/scan_speed.py

clean:
	rm -rf $(VENV) demo-out .pytest_cache .mypy_cache
