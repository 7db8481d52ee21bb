"""Iceberg publication: the releases and analyst marts as Apache Iceberg tables, for engines other than DuckDB.

Another engine must never read DuckLake's Parquet files directly: DuckLake keeps deletes in its catalog, so
an engine that reads only the files sees deleted rows again. `publish_iceberg` copies each published table
from a read-only lake session, as Arrow record batches (never one whole fetch), into a pyiceberg SQL catalog
(`LAKEHOUSE_ICEBERG_CATALOG_URL`; SQLite under data/iceberg/ by default, PostgreSQL when scaled out) whose
files live under `LAKEHOUSE_ICEBERG_WAREHOUSE` (a folder or `s3://`).

- **What**: every release and every mart an analyst audience may query, below the export-only tier. A
  release of person- or household-level pseudonymized data (tier sensitive-pseudonymized and up) leaves the
  lake only through a purpose-bound, logged export, so it is never published (governance.md §5.4).
- **Names**: the namespace is the lake zone and the table keeps its lake name (`release.daycare_meal_nutrition`,
  `curated_marts.daycare_meal_nutrition`): one name means one table in every engine. A namespace per domain
  would give a release table and the mart it copies the same name.
- **Properties**: each table carries its contract (id, version, owner, steward, tier, purpose, legal basis,
  domain) as `contract.*` properties, and its description as `comment`; each snapshot names the DuckLake
  snapshot it copies and the run.
- **Republishing** overwrites in one Iceberg transaction: a new snapshot of the same table holding exactly the
  lake's rows. A table no longer published (contract gone, or now export-only) is dropped with its files.
- **Only what changed**: a table whose lake rows, columns and contract are what its current Iceberg snapshot was
  copied from is kept as it is (`Publication.unchanged`), so a run that rebuilt one mart rewrites that mart's
  tables, not every table (`_still_current`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from filelock import FileLock
from sqlalchemy.engine import make_url

from catalog.contracts import LAYER_SCHEMAS, Contract, Table, load_contracts
from governance.analyst import analyst_marts
from lake.changes import columns_digest, copy_is_current, current_snapshot, lake_identity
from lake.session import lake_session, table_exists
from lake.object_store import ObjectStore, ObjectStoreError
from lake.settings import Settings, masked_url, without_secrets

if TYPE_CHECKING:  # pyiceberg is imported where it is used: loading the Dagster definitions stays light
    from pyiceberg.catalog import Catalog
    from pyiceberg.schema import Schema
    from pyiceberg.table import Table as IcebergTable, Transaction

CATALOG_NAME = "lakehouse"  # the catalog_name rows are keyed by, and the name other engines give the catalog
NAMESPACES = (LAYER_SCHEMAS["release"], LAYER_SCHEMAS["mart"])
BATCH_ROWS = 1_000_000  # rows read from the lake per Arrow batch: memory follows this, not the table


class PublishError(RuntimeError):
    """A table that cannot be published (unsupported type, unreachable catalog); the message names it."""


@dataclass(frozen=True)
class PublishedTable:
    name: str  # namespace.table, the lake's physical name
    contract: str
    rows: int
    snapshot_id: int
    metadata_location: str


@dataclass(frozen=True)
class Publication:
    catalog: str  # masked: fit to print
    warehouse: str
    tables: list[PublishedTable]
    dropped: list[str]
    not_built: list[str] = field(default_factory=list)  # of a domain no run has built yet (`--domain`)
    unchanged: list[str] = field(default_factory=list)  # kept: the lake table is what the table was copied from


def published_contracts() -> list[Contract]:
    """The releases and analyst marts that are published: none at or above the export-only tier."""
    releases = [c for c in load_contracts().values() if c.layer == "release"]
    return sorted((c for c in (*releases, *analyst_marts()) if not c.export_only), key=lambda c: (c.layer, c.id))


def table_properties(contract: Contract, table: Table) -> dict[str, str]:
    return {
        "comment": table.description,
        "contract.id": contract.id,
        "contract.version": contract.version,
        "contract.owner": ", ".join(contract.owners),
        "contract.steward": contract.steward,
        "contract.tier": contract.tier,
        "contract.purpose_code": str(contract.custom["purpose_code"]),
        "contract.purpose": contract.purpose,
        "contract.legal_basis": str(contract.custom["legal_basis"]),
        "contract.domain": contract.domain,
    }


def iceberg_catalog(settings: Settings) -> Catalog:
    """The SQL catalog, its tables created on first use (a local SQLite file gets its folder)."""
    from pyiceberg.catalog.sql import SqlCatalog

    url = settings.iceberg_catalog_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    warehouse = settings.iceberg_warehouse_url
    # An s3:// warehouse is written with the AWS variables' credentials (the same store as LAKEHOUSE_DATA_URL, or another).
    try:
        store = ObjectStore.from_env(warehouse) if warehouse.startswith("s3://") else None
    except ObjectStoreError as exc:
        raise PublishError(f"LAKEHOUSE_ICEBERG_WAREHOUSE: {exc}") from None
    try:
        return SqlCatalog(CATALOG_NAME, uri=url, warehouse=warehouse, **(store.pyiceberg_properties() if store else {}))
    except Exception as exc:  # the driver's message may quote the URL: never its password
        message = without_secrets(str(exc), url)
        raise PublishError(f"cannot open the Iceberg catalog {masked_url(url)}: {store.redact(message) if store else message}") from None


def _match_schema(transaction: Transaction, current: Schema, schema: pa.Schema) -> None:
    """A changed mart (a column added, dropped or widened) evolves the same table instead of a new one."""
    with transaction.update_schema(allow_incompatible_changes=True) as update:
        update.union_by_name(schema)
        # top-level fields only: `column_names` also lists nested ones (a list's `codes.element`)
        for dropped in {field.name for field in current.fields} - set(schema.names):
            update.delete_column(dropped)


def _has_rows(table: IcebergTable) -> bool:
    snapshot = table.current_snapshot()
    return snapshot is not None and int(snapshot.summary["total-records"] or 0) > 0


def _tables(batches: pa.RecordBatchReader) -> Iterator[pa.Table]:
    """Each batch as a table; no batch at all (an empty mart) as one empty table, so it still gets a snapshot."""
    empty = True
    for batch in batches:
        empty = False
        yield pa.Table.from_batches([batch])
    if empty:
        yield batches.schema.empty_table()


def publish_table(catalog: Catalog, name: str, batches: pa.RecordBatchReader, properties: dict[str, str],
                  snapshot_properties: dict[str, str] | None = None) -> tuple[int, IcebergTable]:
    """Replace the Iceberg table `name` (namespace.table) with `batches` in one transaction; returns the rows
    written and the table. Created on first use; republishing makes a new snapshot of the same table. DATE,
    TIMESTAMP, DECIMAL, VARCHAR, integers, DOUBLE and BOOLEAN map through Arrow; a type Iceberg cannot hold
    (an INTERVAL, say) fails naming the table and the column."""
    from pyiceberg.expressions import AlwaysTrue
    from pyiceberg.io.pyarrow import UnsupportedPyArrowTypeException

    rows = 0
    try:
        catalog.create_namespace_if_not_exists(name.split(".")[0])
        table = catalog.create_table_if_not_exists(name, schema=batches.schema, properties=properties)
        with table.transaction() as transaction:
            transaction.set_properties(properties)
            _match_schema(transaction, table.schema(), batches.schema)
            if _has_rows(table):
                transaction.delete(AlwaysTrue(), snapshot_properties or {})  # drops whole files: nothing rewritten
            for part in _tables(batches):
                transaction.append(part, snapshot_properties or {})
                rows += part.num_rows
    except UnsupportedPyArrowTypeException as exc:
        raise PublishError(f"{name} cannot be published as Iceberg: {exc}") from None
    return rows, table


def _drop_unpublished(catalog: Catalog, published: set[str]) -> list[str]:
    dropped = []
    for namespace in NAMESPACES:
        if not catalog.namespace_exists(namespace):
            continue
        for identifier in catalog.list_tables(namespace):
            name = ".".join(identifier)
            if name not in published:
                catalog.purge_table(identifier)  # the files too: no engine may still read them
                dropped.append(name)
    return dropped


def _still_current(con, lake: str, iceberg: IcebergTable | None, physical_name: str, properties: dict[str, str]) -> bool:
    """Whether `iceberg`'s current snapshot still holds exactly the lake table's rows (lake/changes.py; `lake`:
    the lake's identity), and the table the contract's `properties`."""
    snapshot = iceberg.current_snapshot() if iceberg is not None else None
    if snapshot is None or any(iceberg.properties.get(key) != value for key, value in properties.items()):
        return False
    copied = snapshot.summary.additional_properties
    if "lakehouse.lake_snapshot" not in copied:  # written by `purge`, or before the publication recorded it
        return False
    return copy_is_current(con, physical_name, lake, copied.get("lakehouse.lake"), int(copied["lakehouse.lake_snapshot"]),
                           int(copied["total-records"]), copied.get("lakehouse.columns"))


def _published(catalog: Catalog, name: str) -> IcebergTable | None:
    from pyiceberg.exceptions import NoSuchTableError

    try:
        return catalog.load_table(name)
    except NoSuchTableError:
        return None


def lake_batches(con, physical_name: str) -> pa.RecordBatchReader:
    if not table_exists(con, physical_name):
        raise PublishError(f"{physical_name} is not in the lake yet: run `lakehouse run` first")
    return con.execute(f"SELECT * FROM lake.{physical_name}").to_arrow_reader(BATCH_ROWS)


def publish_iceberg(settings: Settings, run_id: str = "", everything: bool = False) -> Publication:
    """Publish every published contract's tables (`published_contracts`) that changed since they were last
    published (`everything`: all of them), drop what is no longer published."""
    if not settings.catalog and not Path(settings.catalog_uri).exists():
        raise PublishError(f"there is no lake at {settings.data_dir} yet: run `lakehouse run` first")
    done: list[PublishedTable] = []
    not_built: list[str] = []
    unchanged: list[str] = []
    with FileLock(str(settings.data_dir / ".iceberg.lock")), iceberg_catalog(settings) as catalog, \
            lake_session(settings, read_only=True) as con:
        provenance = {"lakehouse.lake_snapshot": str(current_snapshot(con)), "lakehouse.lake": lake_identity(con),
                      "lakehouse.run_id": run_id}
        for contract in published_contracts():
            for table in contract.tables:
                if not table_exists(con, table.physical_name):  # its domain has not run yet: published when it has
                    not_built.append(table.physical_name)
                    continue
                properties = table_properties(contract, table)
                iceberg = _published(catalog, table.physical_name)
                if not everything and _still_current(con, provenance["lakehouse.lake"], iceberg, table.physical_name,
                                                     properties):
                    rows = int(iceberg.current_snapshot().summary["total-records"])
                    unchanged.append(table.physical_name)
                else:
                    copied = {**provenance, "lakehouse.columns": columns_digest(con, table.physical_name)}
                    rows, iceberg = publish_table(catalog, table.physical_name, lake_batches(con, table.physical_name),
                                                  properties, copied)
                done.append(PublishedTable(table.physical_name, contract.id, rows,
                                           iceberg.current_snapshot().snapshot_id, iceberg.metadata_location))
        dropped = _drop_unpublished(catalog, {t.name for t in done} | set(not_built))
    return Publication(masked_url(settings.iceberg_catalog_url), masked_url(settings.iceberg_warehouse_url), done, dropped,
                       not_built, unchanged)
