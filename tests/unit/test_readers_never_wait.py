"""Readers never wait for writers: a read-only session sees the last committed state while a writer
holds the lake (here: another real process in the middle of a transaction)."""

from __future__ import annotations

import subprocess
import sys
import time

from lake.session import ensure_zones, lake_session, lake_write

WRITER = """
import sys, time
from lake.settings import Settings
from lake.session import lake_session
from pathlib import Path
settings = Settings(data_dir=Path(sys.argv[1]), key_dir=Path(sys.argv[2]))
with lake_session(settings) as con:
    con.execute("BEGIN")
    con.execute("INSERT INTO lake.audit.readings VALUES (2)")
    Path(sys.argv[3]).write_text("holding")
    time.sleep(60)  # killed by the test long before
"""


def _count(settings) -> int:
    with lake_session(settings, read_only=True) as con:
        return con.execute("SELECT count(*) FROM lake.audit.readings").fetchone()[0]


def test_a_reader_sees_the_last_commit_while_another_process_writes(settings, tmp_path):
    ensure_zones(settings)
    with lake_write(settings, "audit/readings", "run-1") as con:
        con.execute("CREATE TABLE lake.audit.readings AS SELECT 1 AS a")
    flag = tmp_path / "holding"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(settings.data_dir), str(settings.key_dir), str(flag)])
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert writer.poll() is None and time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.1)
        started = time.monotonic()
        assert _count(settings) == 1  # the committed state, not the writer's open transaction
        assert time.monotonic() - started < 10  # no waiting on the lake lock (the writer holds it for 60 s)
    finally:
        writer.kill()
        writer.wait()
    with lake_write(settings, "audit/readings", "run-2") as con:
        con.execute("INSERT INTO lake.audit.readings VALUES (3)")
    assert _count(settings) == 2  # each writer's release publishes what it committed


def test_a_fresh_lake_has_no_reader_copy_until_a_writer_commits(settings):
    assert not settings.reader_catalog.exists()
    ensure_zones(settings)
    assert settings.reader_catalog.exists()
    assert settings.reader_catalog.stat().st_mode & 0o077 == 0  # the copy is the owner's alone, like the catalog
