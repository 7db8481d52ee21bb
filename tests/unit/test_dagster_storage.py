"""dagster.yaml: SQLite by default, PostgreSQL storage when LAKEHOUSE_DAGSTER_PG_URL is set, never the password."""

from pathlib import Path

import pytest
import yaml

from orchestration.lib.dagster_storage import SQLALCHEMY_URL_ENV, instance_yaml, sqlalchemy_url


def test_the_default_instance_keeps_dagster_s_sqlite_files_with_the_event_log_s_connections_open(tmp_path, monkeypatch):
    monkeypatch.delenv("LAKEHOUSE_DAGSTER_PG_URL", raising=False)
    config = yaml.safe_load(instance_yaml(tmp_path))
    assert config["telemetry"] == {"enabled": False} and "storage" not in config
    assert config["event_log_storage"] == {"module": "orchestration.lib.dagster_storage",
                                           "class": "PooledSqliteEventLogStorage",
                                           "config": {"base_dir": str(tmp_path / "history" / "runs")}}


def _instance(home):
    import dagster as dg

    from orchestration.lib.dagster_storage import write_instance_yaml

    write_instance_yaml(home)
    return dg.DagsterInstance.from_config(str(home))


def test_the_event_log_opens_a_shard_once_and_another_instance_reads_every_event(tmp_path, monkeypatch):
    from sqlite3 import dbapi2  # the module SQLAlchemy's SQLite dialect connects through

    import dagster as dg

    monkeypatch.delenv("LAKEHOUSE_DAGSTER_PG_URL", raising=False)

    @dg.asset
    def first() -> int:
        return 1

    @dg.asset
    def second(first: int) -> int:
        return first + 1

    instance = _instance(tmp_path)
    opened = []
    connect = dbapi2.connect
    monkeypatch.setattr(dbapi2, "connect", lambda *a, **k: opened.append(a[0]) or connect(*a, **k))
    result = dg.materialize([first, second], instance=instance)
    instance.dispose()
    monkeypatch.setattr(dbapi2, "connect", connect)
    assert result.success
    shard = str(tmp_path / "history" / "runs" / f"{result.run_id}.db")
    # Dagster's own storage opened the run's shard for each of its ~20 events.
    assert sum(1 for path in opened if path == shard) == 1
    reader = _instance(tmp_path)
    kinds = [r.event_log_entry.dagster_event_type for r in reader.get_records_for_run(result.run_id).records]
    assert kinds.count(dg.DagsterEventType.ASSET_MATERIALIZATION) == 2 and dg.DagsterEventType.RUN_SUCCESS in kinds
    assert reader.get_latest_materialization_event(dg.AssetKey("second")) is not None  # the index shard


def test_each_event_changes_the_run_s_file_which_the_webserver_watches(tmp_path, monkeypatch):
    monkeypatch.delenv("LAKEHOUSE_DAGSTER_PG_URL", raising=False)
    instance = _instance(tmp_path)
    run = instance.create_run_for_job(_a_job())
    shard = tmp_path / "history" / "runs" / f"{run.run_id}.db"
    for n in range(3):
        before = shard.stat().st_mtime_ns if shard.exists() else None
        instance.report_engine_event(f"event {n}", run)
        # WAL mode: without a checkpoint the event would sit in the -wal file and the .db would not change.
        assert shard.stat().st_mtime_ns != before
    instance.dispose()


def _a_job():
    import dagster as dg

    @dg.op
    def noop() -> None:
        pass

    @dg.job
    def a_job():
        noop()

    return a_job


def test_a_postgresql_url_becomes_psycopg2_storage_named_by_its_variable(monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_DAGSTER_PG_URL", "postgres://ops:pa55word@db:5432/dagster")
    monkeypatch.delenv(SQLALCHEMY_URL_ENV, raising=False)
    text = instance_yaml(Path("/home/dagster"))
    assert "pa55word" not in text
    assert yaml.safe_load(text)["storage"] == {"postgres": {"postgres_url": {"env": SQLALCHEMY_URL_ENV}}}
    import os

    assert os.environ[SQLALCHEMY_URL_ENV] == "postgresql+psycopg2://ops:pa55word@db:5432/dagster"


def test_only_postgresql_urls_are_taken():
    assert sqlalchemy_url("postgresql+psycopg2://a@b/c") == "postgresql+psycopg2://a@b/c"
    with pytest.raises(ValueError, match="expected a postgresql:// URL"):
        sqlalchemy_url("mysql://a:secret@b/c")


def test_an_instance_kept_in_postgresql_asks_for_its_url_by_name(tmp_path, monkeypatch):
    from orchestration.lib.dagster_storage import check_storage_env

    monkeypatch.setenv("LAKEHOUSE_DAGSTER_PG_URL", "postgresql://ops:pa55word@db/dagster")
    monkeypatch.delenv(SQLALCHEMY_URL_ENV, raising=False)
    (tmp_path / "dagster.yaml").write_text(instance_yaml(tmp_path))
    check_storage_env(tmp_path / "dagster.yaml")  # set: nothing to say
    monkeypatch.delenv("LAKEHOUSE_DAGSTER_PG_URL")
    with pytest.raises(RuntimeError, match="keeps Dagster's runs in PostgreSQL: set LAKEHOUSE_DAGSTER_PG_URL"):
        check_storage_env(tmp_path / "dagster.yaml")
