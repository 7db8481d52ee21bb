"""The lake session's helpers on a real embedded lake."""

from __future__ import annotations

from lake.session import ensure_zones, lake_session, lake_write, table_exists


def test_table_exists_inside_a_write_leaves_the_transaction_usable(settings):
    ensure_zones(settings)
    with lake_write(settings, "audit/probe", "t1") as con:
        con.execute("CREATE TABLE lake.audit.probe (a INTEGER)")
        assert table_exists(con, "audit.probe")  # uncommitted, seen by its own transaction
        assert not table_exists(con, "audit.missing") and not table_exists(con, "no_zone.missing")
        con.execute("INSERT INTO lake.audit.probe VALUES (1)")  # the failed lookups did not abort it
    with lake_session(settings, read_only=True) as con:
        assert table_exists(con, "audit.probe") and not table_exists(con, "audit.missing")
        assert con.execute("SELECT a FROM lake.audit.probe").fetchall() == [(1,)]
