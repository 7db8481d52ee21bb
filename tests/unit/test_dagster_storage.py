"""dagster.yaml: SQLite by default, PostgreSQL storage when LAKEHOUSE_DAGSTER_PG_URL is set, never the password."""

import pytest
import yaml

from orchestration.lib.dagster_storage import SQLALCHEMY_URL_ENV, instance_yaml, sqlalchemy_url


def test_the_default_instance_keeps_dagster_s_own_storage(monkeypatch):
    monkeypatch.delenv("LAKEHOUSE_DAGSTER_PG_URL", raising=False)
    assert yaml.safe_load(instance_yaml()) == {"telemetry": {"enabled": False}}


def test_a_postgresql_url_becomes_psycopg2_storage_named_by_its_variable(monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_DAGSTER_PG_URL", "postgres://ops:pa55word@db:5432/dagster")
    monkeypatch.delenv(SQLALCHEMY_URL_ENV, raising=False)
    text = instance_yaml()
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
    (tmp_path / "dagster.yaml").write_text(instance_yaml())
    check_storage_env(tmp_path / "dagster.yaml")  # set: nothing to say
    monkeypatch.delenv("LAKEHOUSE_DAGSTER_PG_URL")
    with pytest.raises(RuntimeError, match="keeps Dagster's runs in PostgreSQL: set LAKEHOUSE_DAGSTER_PG_URL"):
        check_storage_env(tmp_path / "dagster.yaml")
