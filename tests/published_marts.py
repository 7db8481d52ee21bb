"""Two real marts of published contracts in a throwaway lake, each column filled from its contract's type: what
the publication tests (tests/unit/test_publish.py, test_publish_spark.py) publish."""

from __future__ import annotations

MARTS = ("curated_marts.daycare_meal_nutrition", "curated_marts.disabled_parking_enforcement")
ROWS = 40
# One value per row i for each column type (NULLs and Korean text included).
VALUES = {
    "BIGINT": "i * 1000003",
    "INTEGER": "CASE WHEN i % 9 = 4 THEN NULL ELSE i - 7 END",
    "DOUBLE": "CASE WHEN i % 7 = 3 THEN NULL ELSE i / 3 END",
    "BOOLEAN": "i % 2 = 0",
    "DATE": "DATE '2026-01-05' + i::INTEGER",
    "TIMESTAMP": "TIMESTAMP '2026-01-05 08:30:00.123456' + i * INTERVAL 97 MINUTE",
    "VARCHAR": "CASE WHEN i % 11 = 5 THEN NULL ELSE '강서구 화곡동 ' || i END",
}


def build_marts(settings) -> None:
    """MARTS in the lake, each with its contract's columns and ROWS generated rows."""
    from governance.publish import published_contracts
    from lake.session import ensure_zones, lake_write

    tables = {t.physical_name: (c, t) for c in published_contracts() for t in c.tables}
    ensure_zones(settings)
    for name in MARTS:
        contract, table = tables[name]
        columns = ", ".join(f'({VALUES[c.physical_type]})::{c.physical_type} AS "{c.name}"' for c in table.columns)
        with lake_write(settings, name.replace(".", "/"), "test", contract.custom["purpose_code"]) as con:
            con.execute(f"CREATE TABLE lake.{name} AS SELECT {columns} FROM range({ROWS}) t(i)")
