"""Care IoT readings: JSON Lines, one object per household-hour (synthetic schema, reference §8.5).

Every value becomes a string keyed by the object's own field names (true/false, numbers as written,
nested values as JSON). A line that is not a JSON object (a record cut off in transfer) is kept as a row
whose fields are all null, so validation quarantines it and rows read = loaded + quarantined. A file whose
first record is not a JSON object is not JSON Lines at all and is refused.

Lines are read by orjson (~4x Python's json here), which holds to strict JSON: NaN, Infinity and a lone
surrogate escape make a line unreadable (quarantined, not loaded); an integer beyond 64 bits comes as a
float (the contract's ranges quarantine it; the landed file keeps its digits).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import polars as pl

from transforms.records import READ_ROWS, ROW_NUMBER, ParseError, json_text
from transforms.source import Source

SOURCE_ID = "welfare_iot_readings"

SUFFIXES = (".jsonl", ".ndjson")


_UNIFORM = {  # a column whose values are all of one JSON type (or null) is converted by polars in one go
    frozenset({int}): pl.Int64, frozenset({float}): pl.Float64,
    frozenset({bool}): pl.Boolean, frozenset({str}): pl.String,
}


def _column(name: str, values: list) -> pl.Series:
    """Values of one field as text: true/false, numbers as JSON writes them, nested values as JSON."""
    kinds = frozenset(type(v) for v in values) - {type(None)}
    dtype = _UNIFORM.get(kinds)
    if dtype is not None or not kinds:
        try:
            return pl.Series(name, values, dtype=dtype or pl.String).cast(pl.String)
        except (OverflowError, TypeError, pl.exceptions.PolarsError):
            pass  # e.g. an integer beyond 64 bits
    return pl.Series(name, [json_text(v) for v in values], dtype=pl.String)


def _frame(records: list[dict], line_numbers: list[int], keys: dict[str, None]) -> pl.DataFrame:
    return pl.DataFrame([
        pl.Series(ROW_NUMBER, line_numbers, dtype=pl.Int64),
        *(_column(key, [r.get(key) for r in records]) for key in keys),
    ])


def parse(path: Path, name: str) -> Iterator[pl.DataFrame]:
    """`path` is the UTF-8 text of the landed file `name`, READ_ROWS records at a time; blank lines are
    not records. Each batch has every field seen so far in the file (a later batch of cut-off lines
    still has the columns the contract requires)."""
    if Path(name).suffix.lower() not in SUFFIXES:  # refused at once, before any batch is asked for
        raise ParseError(f"{name}: welfare_iot_readings accepts JSON Lines ({', '.join(SUFFIXES)})")
    return _batches(path, name)


def _batches(path: Path, name: str) -> Iterator[pl.DataFrame]:
    records: list[dict] = []
    line_numbers: list[int] = []
    keys: dict[str, None] = {}  # every field seen, in first-seen order
    seen_any = False
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            line = line.strip().lstrip("\ufeff")
            if not line:
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                record = None
            if not isinstance(record, dict):
                if not seen_any:
                    raise ParseError(f"{name}: not JSON Lines (line {number} is not a JSON object)")
                record = {}  # kept as a row of nulls: validation quarantines it
            elif len(record) != len(keys) or not all(k in keys for k in record):
                keys.update(dict.fromkeys(record))
            seen_any = True
            records.append(record)
            line_numbers.append(number)
            if len(records) == READ_ROWS:
                yield _frame(records, line_numbers, keys)
                records, line_numbers = [], []
    if not seen_any:
        raise ParseError(f"{name}: empty file, no JSON Lines records")
    if records:
        yield _frame(records, line_numbers, keys)


SOURCE = Source(
    SOURCE_ID,
    ("care IoT platform export, JSON Lines (UTF-8), one object per household-hour (synthetic schema)",),
    (".jsonl", ".ndjson"),
    parse,
)
