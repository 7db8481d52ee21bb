"""Destruction reaches the Iceberg copies: after a purge, no engine can read a destroyed row through Iceberg.

An Iceberg table keeps every older snapshot, and any engine can time-travel to one. So for each purged
lake table that is also published as Iceberg, `purge_iceberg` republishes it from the lake (a new snapshot
without the destroyed rows), expires every other snapshot, and deletes every file under the table's
location that the current snapshot does not read: old data files, manifests (their column bounds can hold
values too), manifest lists and older metadata files. pyiceberg's expiry only edits the metadata, hence the
file clean-up here. It then verifies: every remaining snapshot is read, and every Parquet file left under
the table's location is scanned, for the destroyed values. Works the same for a local or an s3:// warehouse.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from filelock import FileLock

from governance.publish import iceberg_catalog, lake_batches, publish_table
from lake.object_store import ObjectStore
from lake.settings import Settings

if TYPE_CHECKING:
    from pyiceberg.table import Table as IcebergTable


def _published(settings: Settings) -> bool:
    """Whether an Iceberg catalog exists to look in (the default SQLite file is made only by publishing)."""
    return bool(settings.iceberg_catalog) or (settings.data_dir / "iceberg" / "catalog.db").exists()


def _filesystem(settings: Settings, location: str):
    """(pyarrow filesystem, path inside it) for a table location: file:// or a bare path, or s3://."""
    from pyarrow import fs

    if location.startswith("s3://"):
        store = ObjectStore.from_env(settings.iceberg_warehouse_url)
        return store.filesystem(), store.path(location)
    return fs.LocalFileSystem(), location.removeprefix("file://")


def _referenced(table: IcebergTable) -> set[str]:
    """Files the table's current state reads: its metadata file, each remaining snapshot's manifest list,
    manifests and live data and delete files, and statistics files."""
    io = table.io
    files = {table.metadata_location, *(s.statistics_path for s in table.metadata.statistics)}
    for snapshot in table.snapshots():
        files.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(io):
            files.add(manifest.manifest_path)
            files |= {e.data_file.file_path for e in manifest.fetch_manifest_entry(io, discard_deleted=True)}
    return files


def _bare(path: str) -> str:
    """A location without its scheme, to compare with what the filesystem lists."""
    return path.split("://", 1)[1] if "://" in path else path


def _remove_unreferenced(settings: Settings, table: IcebergTable) -> int:
    from pyarrow import fs

    filesystem, root = _filesystem(settings, table.location())
    keep = {_bare(p).lstrip("/") for p in _referenced(table)}
    listed = filesystem.get_file_info(fs.FileSelector(root, recursive=True, allow_not_found=True))
    removed = [i.path for i in listed if i.type == fs.FileType.File and i.path.lstrip("/") not in keep]
    for path in removed:
        filesystem.delete_file(path)
    return len(removed)


def _expire_others(table: IcebergTable) -> list[int]:
    current = table.current_snapshot().snapshot_id
    old = [s.snapshot_id for s in table.snapshots() if s.snapshot_id != current]
    if old:
        table.maintenance.expire_snapshots().by_ids(old).commit()
    return old


def _hits(data: pa.Table, values: set[str]) -> int:
    """Rows of `data` holding any destroyed value in a text column."""
    needles = pa.array(sorted(values), pa.string())
    masks = [pc.is_in(data[name], value_set=needles) for name, kind in zip(data.column_names, data.schema.types)
             if pa.types.is_string(kind) or pa.types.is_large_string(kind)]
    return pc.sum(functools.reduce(pc.or_, masks)).as_py() or 0 if masks else 0


def _verify(settings: Settings, name: str, table: IcebergTable, values: set[str], expired: list[int],
            findings: list[str]) -> dict[str, int]:
    from pyarrow import fs

    counts = {"snapshots_checked": 0, "files_scanned": 0}
    for snapshot in table.snapshots():
        counts["snapshots_checked"] += 1
        if found := _hits(table.scan(snapshot_id=snapshot.snapshot_id).to_arrow(), values):
            findings.append(f"{found} rows in Iceberg table {name} at snapshot {snapshot.snapshot_id}")
    findings += [f"Iceberg snapshot {s} of {name} is still in its metadata" for s in expired if table.snapshot_by_id(s)]
    filesystem, root = _filesystem(settings, table.location())
    for info in filesystem.get_file_info(fs.FileSelector(root, recursive=True, allow_not_found=True)):
        if info.type == fs.FileType.File and info.path.endswith(".parquet"):
            counts["files_scanned"] += 1
            if found := _hits(pq.read_table(info.path, filesystem=filesystem), values):
                findings.append(f"{found} rows in Iceberg file {Path(info.path).name} of {name}")
    return counts


def purge_iceberg(settings: Settings, con, names: list[str], values: set[str], run_id: str) -> dict:
    """Republish, expire and clean each of `names` (lake physical names) that is an Iceberg table, then
    verify that none of `values` is left in any remaining snapshot or file. `con`: a lake session after the
    purge. Returns what was done and the findings (empty when verified)."""
    report = {"iceberg_tables": [], "iceberg_snapshots_expired": 0, "iceberg_files_removed": 0,
              "iceberg_snapshots_checked": 0, "iceberg_files_scanned": 0, "findings": []}
    if not names or not _published(settings):
        return report
    with FileLock(str(settings.data_dir / ".iceberg.lock")), iceberg_catalog(settings) as catalog:
        for name in names:
            if catalog.table_exists(name):
                _purge_table(settings, catalog, con, name, values, run_id, report)
    return report


def _purge_table(settings: Settings, catalog, con, name: str, values: set[str], run_id: str, report: dict) -> None:
    properties = {k: v for k, v in catalog.load_table(name).properties.items() if k.startswith(("contract.", "comment"))}
    publish_table(catalog, name, lake_batches(con, name), properties, {"lakehouse.run_id": run_id, "lakehouse.reason": "purge"})
    expired = _expire_others(catalog.load_table(name))
    table = catalog.load_table(name)
    report["iceberg_tables"].append(name)
    report["iceberg_snapshots_expired"] += len(expired)
    report["iceberg_files_removed"] += _remove_unreferenced(settings, table)
    counts = _verify(settings, name, table, values, expired, report["findings"])
    report["iceberg_snapshots_checked"] += counts["snapshots_checked"]
    report["iceberg_files_scanned"] += counts["files_scanned"]
