# Two commands on a fresh machine: `make run` and `make test`. Only package registries are used.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test test-fast bench samples dbt-sync clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(VENV)/bin/lakehouse run

# The fast lane runs on two pytest-xdist workers (its tests are mostly single-threaded Python). The full suite
# runs in one process: its lake builds already use both cores, and two at once took longer than one after
# the other (measured: 11:25 against about 9 minutes). `make test PYTEST_XDIST="-n 2 --dist loadgroup"` to try.
FAST_XDIST ?= -n 2 --dist loadgroup
PYTEST_XDIST ?=

# The fast lane: the import layers, then tests/unit (no main-job lake).
test-fast: setup
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q $(FAST_XDIST) tests/unit

# Everything (what CI runs): tests/unit, tests/lake (one shared main-job lake) and tests/pipeline.
test: setup
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q $(PYTEST_XDIST) --durations=15

bench: setup
	$(PY) -m bench

# Regenerate the committed sample (same generator, small scale) and the dbt YAML from the contracts.
samples: setup
	rm -rf data/samples/*/
	$(PY) -m synthetic --sample --out data/samples

dbt-sync: setup
	$(VENV)/bin/lakehouse catalog dbt-sync

clean:
	rm -rf data/catalog.ducklake* data/lake data/landing data/quality data/analyst data/dagster_home data/.lake.lock
