"""The PostgreSQL catalog switch: URL forms, masking, and conflicting writers retried (lake/catalog_backend.py)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import backends
from conftest import SAMPLES
from lake.catalog_backend import WriteConflict, hide_secrets, masked_catalog
from lake.session import ensure_zones, lake_session, lake_write, lake_write_retrying
from lake.settings import Settings

URL = "postgresql://lake:s3cr%40t-pw@db.example:5432/lake"
KEYWORDS = "postgres:dbname=lake host=db.example user=lake password='se cret'"
needs_postgres = pytest.mark.skipif(not backends.postgres(), reason="needs --backend postgres")


@pytest.mark.parametrize("given, uri", [
    ("", "/x/data/catalog.ducklake"),
    (URL, "postgres:" + URL),
    ("postgres://lake@db.example/lake", "postgres:postgres://lake@db.example/lake"),
    (KEYWORDS, KEYWORDS),
])
def test_the_switch_takes_the_libpq_url_and_keyword_forms(given, uri):
    assert Settings(Path("/x/data"), Path("/x/keys"), given).catalog_uri == uri


@pytest.mark.parametrize("uri, secrets", [("postgres:" + URL, ("s3cr%40t-pw", "s3cr@t-pw")), (KEYWORDS, ("se cret",))])
def test_a_catalog_password_is_masked_in_every_message(uri, secrets):
    shown = masked_catalog(uri)
    assert "***" in shown and "db.example" in shown and not any(s in shown for s in secrets)
    message = f"Unable to connect to Postgres at \"{uri.removeprefix('postgres:')}\"; password was {secrets[-1]}"
    assert not any(s in hide_secrets(message, uri) for s in secrets)


def _table(settings: Settings) -> None:
    ensure_zones(settings)
    with lake_write(settings, "reference/counter", "test") as con:
        con.execute("CREATE TABLE lake.reference.counter AS SELECT 0 AS n")


def _overlapping_writer(settings: Settings, first_attempt_open: threading.Event, other_done: threading.Event) -> None:
    """Another asset's writer replacing the same table while the first writer's transaction is open."""
    first_attempt_open.wait(30)
    with lake_write(settings, "purge/other-writer", "test") as con:
        con.execute("CREATE OR REPLACE TABLE lake.reference.counter AS SELECT 100 AS n")
    other_done.set()


@needs_postgres
def test_a_write_that_loses_a_conflict_is_run_again_and_then_succeeds(settings):
    _table(settings)
    attempts, opened, done = [], threading.Event(), threading.Event()

    def write(con) -> None:
        attempts.append(1)
        con.execute("CREATE OR REPLACE TABLE lake.reference.counter AS SELECT n + 1 AS n FROM lake.reference.counter")
        if len(attempts) == 1:  # let the other writer commit first: this COMMIT then conflicts
            opened.set()
            assert done.wait(30)

    other = threading.Thread(target=_overlapping_writer, args=(settings, opened, done))
    other.start()
    lake_write_retrying(settings, "release/counter", "test", write)
    other.join()
    assert len(attempts) == 2
    with lake_session(settings, read_only=True) as con:
        assert con.execute("SELECT n FROM lake.reference.counter").fetchone()[0] == 101  # the retry saw 100


@needs_postgres
def test_a_write_still_conflicting_after_its_retries_fails_naming_its_asset(settings, monkeypatch):
    _table(settings)
    monkeypatch.setenv("LAKEHOUSE_CONFLICT_RETRIES", "0")
    opened, done = threading.Event(), threading.Event()

    def write(con) -> None:
        con.execute("CREATE OR REPLACE TABLE lake.reference.counter AS SELECT 1 AS n")
        opened.set()
        assert done.wait(30)

    other = threading.Thread(target=_overlapping_writer, args=(settings, opened, done))
    other.start()
    with pytest.raises(WriteConflict, match=r"release/counter: still conflicting .* after 0 retries"):
        lake_write_retrying(settings, "release/counter", "test", write)
    other.join()


@pytest.mark.parametrize("catalog, attach, secret", [
    (URL, "ducklake:postgres:postgresql://lake@db.example:5432/lake", "s3cr@t-pw"),
    (KEYWORDS, "ducklake:postgres:dbname=lake host=db.example user=lake", "se cret"),
])
def test_dbt_attaches_the_catalog_without_its_password_and_gets_it_as_pgpassword(catalog, attach, secret):
    env = Settings(Path("/x/data"), Path("/x/keys"), catalog).env()
    assert env["LAKEHOUSE_CATALOG_URI"] == attach and env["PGPASSWORD"] == secret
    assert "PGPASSWORD" not in Settings(Path("/x/data"), Path("/x/keys")).env()


def _hold_run_lock(settings: Settings, domain: str, held: threading.Event, release: threading.Event) -> None:
    """Another run's hold on a domain (its own connection; not this process's re-entrant bookkeeping)."""
    from lake.catalog_backend import advisory_lock
    from lake.run_lock import domain_lock

    with advisory_lock(settings.catalog_uri, domain_lock(domain)):
        held.set()
        release.wait(30)


@needs_postgres
def test_run_locks_are_per_domain_and_a_whole_lake_run_takes_them_all(settings):
    from lake.run_lock import RunLocked, run_lock

    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_run_lock, args=(settings, "welfare", held, release))
    holder.start()
    try:
        assert held.wait(30)
        with run_lock(settings, 0, ("commerce",)):  # another domain: at once
            pass
        for domains in (("welfare",), ("childcare", "commerce", "safety", "welfare")):
            with pytest.raises(RunLocked, match="holds the welfare run lock"):
                with run_lock(settings, 0, domains):
                    pass
        with run_lock(settings, 0, ("childcare", "commerce")):  # the whole-lake attempt let go of what it took
            pass
    finally:
        release.set()
        holder.join()


@needs_postgres
def test_an_ingest_that_loses_a_conflict_on_the_landing_record_is_run_again(settings, monkeypatch):
    """Every source's ingest writes `landing.files` under its own source's lock: another writer may change that
    table while an ingest's transaction is open. The ingest is then run again and lands the file once."""
    import transforms.ingest as ingest

    register = SAMPLES / "childcare_centers" / "cpmsapi030_arcode11500_SYNTHETIC.xml"
    assert ingest.ingest_file(settings, "childcare_centers", register, "test").status == "loaded"  # landing.files exists
    attempts = []

    def other_writer_commits_first(name: str) -> None:
        if name == "ingest:before_commit":
            attempts.append(name)
            if len(attempts) == 1:  # the ingest's transaction is open: another writer replaces the table under it
                with lake_write(settings, "landing/files", "other-writer") as con:
                    con.execute("CREATE OR REPLACE TABLE lake.landing.files AS SELECT * FROM lake.landing.files")

    monkeypatch.setattr(ingest, "pause_point", other_writer_commits_first)
    result = ingest.ingest_file(settings, "childcare_meals", SAMPLES / "childcare_meals" / "meal_scan_extract_SYNTHETIC.csv", "test")
    assert result.status == "loaded" and len(attempts) == 2
    with lake_session(settings, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM lake.landing.files WHERE sha256 = ?", [result.sha256]).fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM lake.raw_identified.childcare_meals").fetchone() == (result.loaded,)
