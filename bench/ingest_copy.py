"""The ingest-copy side of the bench: `python -m bench.ingest_copy INBOX OUT`.

The least any loader must do with the same raw files: read each once and write it once as Parquet (CSV
and ZIP members: stream CP949 → UTF-8, then DuckDB read_csv → Parquet; JSON and JSON Lines: DuckDB
read_json → Parquet; XML: ElementTree → Parquet; XLSX: openpyxl → Parquet).
"""

from __future__ import annotations

import shutil
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from transforms.encoding import decode_to_utf8


def _csv(con: duckdb.DuckDBPyConnection, path: Path, target: Path, out: Path) -> None:
    _, utf8 = decode_to_utf8(path, out / "utf8.csv")
    con.execute(f"COPY (SELECT * FROM read_csv('{utf8}', all_varchar=true)) TO '{target}'")


def copy_file(con: duckdb.DuckDBPyConnection, path: Path, out: Path) -> None:
    if path.suffix == ".csv":
        _csv(con, path, out / f"{path.stem}.parquet", out)
    elif path.suffix == ".json":
        # the Seoul ChildCareInfo envelope's rows; other APIs: the page as read
        with path.open("rb") as f:
            envelope = f.read(200)
        rows = "unnest(ChildCareInfo.row, recursive := true)" if b"ChildCareInfo" in envelope else "*"
        con.execute(f"COPY (SELECT {rows} FROM read_json('{path}')) TO '{out / path.stem}.parquet'")
    elif path.suffix == ".zip":  # each CSV member (CP949 member names), like any CSV
        with zipfile.ZipFile(path, metadata_encoding="cp949") as archive:
            for i, member in enumerate(m for m in archive.namelist() if m.lower().endswith(".csv")):
                with archive.open(member) as src, (out / "member.csv").open("wb") as dst:
                    shutil.copyfileobj(src, dst, 2**20)  # streamed: a member is not held whole
                _csv(con, out / "member.csv", out / f"{path.stem}-{i}.parquet", out)
    elif path.suffix in (".jsonl", ".ndjson"):
        con.execute(f"COPY (SELECT * FROM read_json('{path}', format='newline_delimited', ignore_errors=true)) "
                    f"TO '{out / path.stem}.parquet'")
    elif path.suffix == ".xml":
        rows = [{c.tag: c.text or "" for c in item} for item in ET.parse(path).getroot()]
        pq.write_table(pa.Table.from_pylist(rows), out / f"{path.stem}.parquet")
    elif path.suffix == ".xlsx":
        import openpyxl  # only when there is a workbook: its import is not part of every copy

        sheet = openpyxl.load_workbook(path, read_only=True).active
        rows = [[str(v) if v is not None else "" for v in row] for row in sheet.iter_rows(values_only=True)]
        pq.write_table(pa.Table.from_pylist([dict(zip(map(str, range(len(r))), r)) for r in rows]),
                       out / f"{path.stem}.parquet")


def main(inbox: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for path in sorted(inbox.rglob("*")):
        copy_file(con, path, out)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
