"""Zones applied for real on the welfare sample: identifiers stay raw, pseudonyms are per purpose."""

from lake.session import lake_session

from conftest import cells_containing, string_cells

STAGING = ("staging_pseudonymized.stg_welfare__cases", "staging_pseudonymized.stg_welfare__call_logs",
           "staging_pseudonymized.stg_welfare__iot_readings")


def raw_identifiers(con) -> set[str]:
    """Names, RRNs, phones, addresses and keys of the raw welfare sample: none may leave the raw zone."""
    values = set()
    for column in ("person_id", "person_name", "rrn", "phone", "address"):
        values |= {v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM lake.raw_identified.welfare_cases").fetchall() if v}
    for column in ("call_id",):
        values |= {v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM lake.raw_identified.welfare_call_logs").fetchall()}
    for column in ("device_id", "household_id"):
        values |= {v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM lake.raw_identified.welfare_iot_readings").fetchall()}
    return values


def test_no_direct_identifier_reaches_welfare_staging(materialized):
    settings, summary = materialized
    with lake_session(settings, read_only=True) as con:
        identifiers = raw_identifiers(con)
        assert len(identifiers) > 300
        for table in STAGING:
            assert con.execute(f"SELECT count(*) FROM lake.{table}").fetchone()[0] > 0
            assert not cells_containing(string_cells(con, f"lake.{table}"), identifiers), table
        columns = {c for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = 'lake' AND table_name = 'stg_welfare__cases'").fetchall()}
    assert not columns & {"person_id", "person_name", "rrn", "phone", "address", "birth_year"}
    for table in ("stg_welfare__cases", "stg_welfare__call_logs", "stg_welfare__iot_readings"):
        assert f"staging_pseudonymized/{table}:no_direct_identifiers" in summary.checks_passed


def test_pseudonyms_join_within_a_purpose_and_never_across_purposes(materialized):
    settings, _ = materialized
    with lake_session(settings, read_only=True) as con:
        # In the raw zone the IoT households are monitored people: the same keys.
        shared = con.execute("SELECT count(DISTINCT household_id) FROM lake.raw_identified.welfare_iot_readings "
                             "WHERE household_id IN (SELECT person_id FROM lake.raw_identified.welfare_cases)").fetchone()[0]
        raw_both = con.execute(
            "SELECT count(DISTINCT person_id) FROM lake.raw_identified.welfare_call_logs "
            "WHERE person_id IN (SELECT person_id FROM lake.raw_identified.welfare_cases)").fetchone()[0]
        call_people_known = con.execute(
            "SELECT count(DISTINCT person_pseudonym) FILTER (WHERE person_pseudonym IN "
            "(SELECT person_pseudonym FROM lake.staging_pseudonymized.stg_welfare__cases)), count(DISTINCT person_pseudonym) "
            "FROM lake.staging_pseudonymized.stg_welfare__call_logs").fetchone()
        across = con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT household_pseudonym AS p FROM lake.staging_pseudonymized.stg_welfare__iot_readings) "
            "INNER JOIN lake.staging_pseudonymized.stg_welfare__cases ON p = person_pseudonym").fetchone()[0]
    assert shared > 0
    # Same purpose, same key: every caller whose case loaded joins to it (cases quarantined as invalid don't).
    assert call_people_known[0] == raw_both > 0 and call_people_known[1] >= raw_both
    assert across == 0  # different purposes, different keys: the robot-care data cannot be joined to the cases


def test_quasi_identifiers_are_generalised(materialized):
    settings, _ = materialized
    with lake_session(settings, read_only=True) as con:
        bands = {b for (b,) in con.execute("SELECT DISTINCT age_band FROM lake.staging_pseudonymized.stg_welfare__cases").fetchall()}
        dongs = {d for (d,) in con.execute("SELECT DISTINCT adong_code FROM lake.staging_pseudonymized.stg_welfare__cases").fetchall()}
    assert bands and all(b == "85+" or (b[2] == "-" and int(b[3:]) - int(b[:2]) == 4) for b in bands)
    assert dongs and all(d.startswith("11500") and len(d) == 10 for d in dongs)
