"""A file's rows checked in bounded memory: parsed batch by batch, each batch mapped and validated, the
results spooled as Parquet on local disk, then the file-wide rule (one row per key: the first in the
file wins) applied by one DuckDB query over the spool.

Memory follows the batch size, not the file: a batch is dropped once it is spooled, and DuckDB spills
the key query to disk when it must. The lake sees the file only at the end, in one transaction (see
ingest.py), so a file that fails half-way loads nothing. Row accounting is exact at every batch size:
rows read = loaded + quarantined, and a source row that several long rows came from (a KOSIS cube's
cells) counts once in `records`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from catalog.contracts import Table
from lake.settings import duckdb_memory_limit
from transforms.records import ROW_NUMBER, Validated, map_to_contract, string_frame, validate

DUPLICATE = "duplicate_key"
LOADED_BATCHES = "batch-*.loaded.parquet"
LATER_ROWS = "later_rows.parquet"  # the row numbers of a repeated key's later rows
# The spool is read once or twice on local disk and removed: snappy wrote a million meal scans in 0.18 s against
# zstd's 0.25 s (polars' default), for 19 MiB against 11.
SPOOL_COMPRESSION = "snappy"


def slices(parsed: pl.DataFrame | Iterable[pl.DataFrame], rows: int) -> Iterator[pl.DataFrame]:
    """A parser's output (one frame, or frames as it streams them) in batches of at most `rows` rows;
    a file without rows still gives one empty batch, so its header is checked against the contract."""
    frames = [parsed] if isinstance(parsed, pl.DataFrame) else parsed
    first_empty, any_rows = None, False
    for frame in frames:
        if frame.height:
            any_rows = True
            yield from frame.iter_slices(rows)
        elif first_empty is None:
            first_empty = frame
    if not any_rows and first_empty is not None:
        yield first_empty


@dataclass
class CheckedFile:
    """What a file's check left in its spool folder: its loaded rows (`loaded_rows`) and `quarantined.parquet`."""

    spool: Path
    rows: int = 0
    records: int = 0
    loaded: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    unmapped_fields: list[str] = field(default_factory=list)
    keys_repeated: bool = True

    @property
    def loaded_rows(self) -> str:
        """The loaded rows as a DuckDB relation: the batches' own files, less the later rows of a repeated key
        when one repeated. Not a copy: writing the file's rows again cost a store ZIP (550,000 rows, 43
        columns) 1.4 s for 85 repeated keys."""
        batches = f"read_parquet('{self.spool / LOADED_BATCHES}')"
        if not self.keys_repeated:
            return batches
        return (f"(SELECT * FROM {batches} AS loaded ANTI JOIN read_parquet('{self.spool / LATER_ROWS}') AS later "
                f"USING ({ROW_NUMBER}))")

    @property
    def quarantined_path(self) -> Path:
        return self.spool / "quarantined.parquet"

    def loaded_frame(self) -> pl.DataFrame:
        with duckdb.connect() as con:
            return con.sql(f"SELECT * FROM {self.loaded_rows} ORDER BY {ROW_NUMBER}").pl()

    def quarantined_frame(self) -> pl.DataFrame:
        return pl.read_parquet(self.quarantined_path).sort(ROW_NUMBER)


@dataclass
class _Spooled:
    rows: int = 0
    unmapped: dict[str, None] = field(default_factory=dict)
    last_row_number: int | None = 0  # None once a row number did not rise: some source row gave several rows


def _spool_batches(batches: Iterable[pl.DataFrame], table: Table, name: str, spool: Path) -> _Spooled:
    """Map and validate each batch, spooling its loaded and quarantined rows."""
    spooled, number = _Spooled(), 0
    for number, batch in enumerate(batches, start=1):
        mapped = map_to_contract(batch, table, name)
        spooled.unmapped.update(dict.fromkeys(mapped.unmapped_fields))
        _spool(validate(mapped.frame, table), spool, number)
        spooled.rows += mapped.frame.height
        spooled.last_row_number = _rising(mapped.frame[ROW_NUMBER], spooled.last_row_number)
    if number == 0:  # a parser that streamed nothing: empty results with the contract's columns
        empty = string_frame([], [c.name for c in table.columns], [])
        _spool(validate(map_to_contract(empty, table, name).frame, table), spool, 1)
    return spooled


def _rising(numbers: pl.Series, last: int | None) -> int | None:
    """The last row number if `numbers` rise strictly from after `last`, else None (and None stays None)."""
    if last is None or numbers.is_empty():
        return last
    if numbers[0] <= last or (numbers.len() > 1 and numbers.diff().min() <= 0):
        return None
    return numbers[-1]


def _spool(checked: Validated, spool: Path, number: int) -> None:
    checked.loaded.write_parquet(spool / f"batch-{number:06d}.loaded.parquet", compression=SPOOL_COMPRESSION)
    checked.quarantined.cast({"reason_code": pl.String, "reason_detail": pl.String, "record": pl.String}) \
        .write_parquet(spool / f"batch-{number:06d}.quarantined.parquet", compression=SPOOL_COMPRESSION)


def _finish(con: duckdb.DuckDBPyConnection, table: Table, spool: Path) -> bool:
    """One row per key in the file: a later row whose key an earlier loaded row holds is quarantined as
    `duplicate_key` (the record shown as the text of its typed values: the raw strings are not spooled).
    Whether a key repeated: then the later rows' numbers are spooled, and the loaded rows are read without them."""
    names = [c.name for c in table.columns]
    key = ", ".join(f'"{k}"' for k in table.primary_key)
    con.execute(f"CREATE TEMP VIEW checked AS SELECT * FROM read_parquet('{spool}/{LOADED_BATCHES}')")
    # Ranking every row by key cost the SF 1 meal scans (4.5 million rows) 3.3 s; grouping on the key's hash
    # finds the few keys that may repeat in 1.1 s, and only their rows are ranked (a hash collision's rows rank
    # first in their own key, so they stay loaded).
    repeats = (f"WHERE hash({key}) IN (SELECT hash({key}) FROM checked GROUP BY ALL HAVING count(*) > 1) "
               f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY {ROW_NUMBER}) > 1") if key else "WHERE false"
    con.execute(f"CREATE TEMP TABLE duplicate_rows AS SELECT {ROW_NUMBER} FROM checked {repeats}")
    repeated = con.execute("SELECT count(*) FROM duplicate_rows").fetchone()[0] > 0
    if repeated:
        con.execute(f"COPY duplicate_rows TO '{spool / LATER_ROWS}' (FORMAT parquet)")
    record = "to_json(struct_pack(" + ", ".join(f'"{n}" := "{n}"::VARCHAR' for n in names) + "))"
    duplicates = (f"UNION ALL SELECT {ROW_NUMBER}, '{DUPLICATE}', '{DUPLICATE}', {record} FROM checked "
                  f"WHERE {ROW_NUMBER} IN (SELECT {ROW_NUMBER} FROM duplicate_rows)") if repeated else ""
    con.execute(f"""COPY (
        SELECT {ROW_NUMBER}, reason_code, reason_detail, record
        FROM read_parquet('{spool}/batch-*.quarantined.parquet', union_by_name = true)
        {duplicates}
    ) TO '{spool}/quarantined.parquet' (FORMAT parquet)""")
    return repeated


def check_file(batches: Iterable[pl.DataFrame], table: Table, name: str, spool: Path) -> CheckedFile:
    """Check every batch of the file `name` against `table`, spooling into the (empty) folder `spool`;
    the key query holds at most the project's DuckDB memory limit and spills the rest into the spool."""
    spool.mkdir(parents=True, exist_ok=True)
    spooled = _spool_batches(batches, table, name, spool)
    result = CheckedFile(spool, rows=spooled.rows, unmapped_fields=list(spooled.unmapped))
    with duckdb.connect(config={"temp_directory": str(spool / "spill"), "memory_limit": duckdb_memory_limit()}) as con:
        result.keys_repeated = _finish(con, table, spool)
        result.loaded = con.execute(f"SELECT count(*) FROM {result.loaded_rows}").fetchone()[0]
        reasons = con.execute(f"SELECT reason_code, count(*) FROM '{result.quarantined_path}' "
                              "GROUP BY ALL ORDER BY 1").fetchall()
        # Row numbers that only rose are as many source rows as rows; counting them distinct cost the SF 1 meal
        # scans 0.5 s.
        result.records = spooled.rows if spooled.last_row_number is not None else con.execute(
            f"SELECT count(DISTINCT {ROW_NUMBER}) FROM (SELECT {ROW_NUMBER} FROM {result.loaded_rows} "
            f"UNION ALL SELECT {ROW_NUMBER} FROM '{result.quarantined_path}')").fetchone()[0]
    result.reasons = dict(reasons)
    result.quarantined = sum(result.reasons.values())
    assert result.rows == result.loaded + result.quarantined, f"{name}: row accounting broke"
    return result
