"""Seoul/KOSIS statistics tables (korean-public-data.md §8.1) and the long frame every welfare
statistics parser returns.

KOSIS 'wide' download [C] (CSV, CP949 or UTF-8; ingest has already decoded it to UTF-8):

    "동별(1)","동별(2)","동별(3)","2024","2024",…        row 1: dimension labels, then the period of each value column
    "동별(1)","동별(2)","동별(3)","합계","합계",…        rows 2..n: the item hierarchy above each value column
    "동별(1)","동별(2)","동별(3)","소계","65~79세",…     (their dimension cells repeat row 1 or are blank)
    "합계","소계","소계","12,345",…                       data: the 서울시 total, then per 자치구 a 소계 row
    "서울시","강서구","소계",…                            followed by its 행정동 rows
    "서울시","강서구","염창동",…

KOSIS 'long' download: one header row, the dimensions as columns and one value column per period,
`동별, 장애유형별, 성별, "2025 년"`; its single 동별 column holds 합계, a 자치구 or a 동, in that order.

Rules shared by the welfare parsers (decided here, documented in their contracts):

* Every cell stays a string. `-` and thousands separators are left to the contract (`-` → null,
  `1,234` → 1234), so a bad value is quarantined with a reason instead of being dropped.
* Rows of every 자치구 are kept, with the 자치구 name in `sigungu_name`; 강서구 is selected in staging.
  The 서울시 total (`area_level` sido: sigungu_name and dong_name `합계`) and each 자치구 total
  (`area_level` sigungu: dong_name `소계`) are kept too, and every row that is a total over an area
  or over a dimension (합계/소계/계) has `is_subtotal` true.
* Dong names are normalised (등촌제1동 → 등촌1동, 상계3.4동 → 상계3·4동; the printed name stays in
  `dong_name_source`). A 강서구 dong gets its 10-digit 행정동 code from the reference table; a name
  the table does not know (an abolished dong, a typo) and any dong of another 자치구 get none.
* `_row_number` is the source line (CSV) or sheet row (XLSX) a value came from: one source row
  gives several long rows with the same number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from transforms.geography import adong_code, normalise_dong_name
from transforms.records import ROW_NUMBER, ParseError, string_frame
from transforms.text import clean, compact

__all__ = [
    "AREA_COLUMNS", "Area", "AreaResolver", "Dimension", "GANGSEO", "KosisTable", "ParseError",
    "clean", "compact", "is_gu", "is_number", "is_total", "long_records", "period_of", "read_csv_rows", "read_kosis", "to_frame",
]

GANGSEO = "강서구"
SEOUL_GU = frozenset({
    "종로구", "중구", "용산구", "성동구", "광진구", "동대문구", "중랑구", "성북구", "강북구", "도봉구", "노원구", "은평구",
    "서대문구", "마포구", "양천구", "강서구", "구로구", "금천구", "영등포구", "동작구", "관악구", "서초구", "강남구",
    "송파구", "강동구",
})
TOTAL_LABELS = frozenset({"합계", "소계", "계", "총계", "전체"})
SIDO_LABELS = frozenset({"서울시", "서울특별시", "서울", "전국"})
# Columns every welfare statistics frame starts with (then its dimensions, measure, value).
AREA_COLUMNS = ("period", "sigungu_name", "dong_name", "dong_name_source", "adong_code", "area_level", "is_subtotal")

_AREA_HEADER = re.compile(r"^(동별|동|행정동별?|읍면동별?|자치구별?|시군구별?|지역별?)(\(\d+\))?$")
_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")
_PERIOD = re.compile(r"^(\d{4})(?:년)?(?:(?:[.\-/]|년)(\d{1,2})(월|/4|분기)?)?(?:p\)?)?$")
_GU_SHAPE = re.compile(r"^[가-힣]{1,4}구$")


def is_total(label: str) -> bool:
    return compact(label) in TOTAL_LABELS


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text))


def period_of(label: str) -> str | None:
    """A KOSIS period label as `YYYY`, `YYYY-MM` or `YYYY-Qn` ('2025 년' → '2025', '2024.05' → '2024-05',
    '2024.1/4' → '2024-Q1', a provisional '2024 p)' → '2024'); None when the label is not a period.
    '2024.1' is refused: it is what pandas makes of a repeated '2024', not a month."""
    match = _PERIOD.match(compact(label).rstrip("."))
    if not match:
        return None
    year, part, unit = match.groups()
    if part is None:
        return year
    if unit in ("/4", "분기"):
        return f"{year}-Q{part}" if 1 <= int(part) <= 4 else None
    if (len(part) == 2 or unit == "월") and 1 <= int(part) <= 12:
        return f"{year}-{int(part):02d}"
    return None


def read_csv_rows(path: Path, name: str) -> list[tuple[int, list[str]]]:
    """(line number, cleaned cells) for every non-blank line of a UTF-8 CSV."""
    rows = []
    try:
        with Path(path).open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            for cells in reader:
                cells = [clean(c) for c in cells]
                if any(cells):
                    rows.append((reader.line_num, cells))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ParseError(f"{name}: not a readable UTF-8 CSV ({exc})") from exc
    return rows


def _pad(cells: list[str], width: int) -> list[str]:
    return (cells + [""] * width)[:width]


@dataclass(frozen=True)
class ValueColumn:
    index: int
    period: str
    items: tuple[str, ...]  # one label per item header row (none in the long layout)


@dataclass
class KosisTable:
    name: str
    dims: tuple[str, ...]  # labels of the dimension columns, in order
    columns: tuple[ValueColumn, ...]
    item_rows: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # data rows, dimension cells forward-filled

    @property
    def layout(self) -> str:
        return "wide" if self.item_rows else "long"


def read_kosis(path: Path, name: str) -> KosisTable:
    """Read a KOSIS wide or long CSV; a header it cannot read raises ParseError naming the file."""
    rows = read_csv_rows(path, name)
    if not rows:
        raise ParseError(f"{name}: empty file")
    header_line, header = rows[0]
    width = max(i for i, c in enumerate(header) if c) + 1
    header = header[:width]
    periods = [period_of(c) for c in header]
    first = next((i for i, p in enumerate(periods) if p), None)
    if first is None:
        raise ParseError(
            f"{name}: header row 1 has no period column (KOSIS layout `동별(1),동별(2),동별(3),2024,2024,…`); "
            f"it reads {', '.join(header[:6])}{', …' if width > 6 else ''}: is the period row missing?"
        )
    if first == 0:
        raise ParseError(f"{name}: header row 1 starts with a period; there is no dimension column (동별…)")
    stray = [c for c, p in zip(header[first:], periods[first:]) if not p]
    if stray:
        raise ParseError(
            f"{name}: header row 1: {', '.join(map(repr, stray))} after the first period column "
            "is not a period (expected e.g. 2024, 2025 년, 2024.05)"
        )
    dims = tuple(header[:first])
    if len(set(dims)) != len(dims):
        raise ParseError(f"{name}: header row 1 repeats a dimension label: {', '.join(dims)}")

    item_rows: list[list[str]] = []
    at = 1
    while at < len(rows):
        cells = _pad(rows[at][1], width)
        dim_cells, values = cells[:first], cells[first:]
        heading = all(not d or d == h for d, h in zip(dim_cells, dims))
        if heading and any(v and v != "-" for v in values) and not any(is_number(v) for v in values):
            item_rows.append(values)
            at += 1
        else:
            break
    # Merged-style blanks in the upper item levels repeat the label to their left (same period).
    for level in item_rows[:-1]:
        for j in range(1, len(level)):
            if not level[j] and periods[first + j] == periods[first + j - 1]:
                level[j] = level[j - 1]
    columns = tuple(
        ValueColumn(first + j, periods[first + j], tuple(level[j] for level in item_rows)) for j in range(width - first)
    )
    seen: dict[tuple[str, tuple[str, ...]], int] = {}
    for column in columns:
        key = (column.period, column.items)
        if key in seen:
            raise ParseError(
                f"{name}: value columns {seen[key] + 1} and {column.index + 1} are both period {column.period}, "
                f"item {'/'.join(column.items) or '(none)'}: item header rows missing or mislabelled"
            )
        seen[key] = column.index

    table = KosisTable(name, dims, columns, len(item_rows))
    previous = [""] * first
    for number, cells in rows[at:]:
        if len(cells) > width and any(cells[width:]):
            raise ParseError(f"{name}: line {number} has {len(cells)} cells, the header (line {header_line}) {width}")
        cells = _pad(cells, width)
        values = cells[first:]
        if not any(values) and not any(cells[1:first]):
            # A label-only row (a 자치구 heading) or a note: no values, kept as a row without dimensions filled.
            table.rows.append((number, cells))
            continue
        # Hierarchical forward fill: a blank inherits from the row above only while every cell to its
        # left was blank too ('', '', '염창동' continues the 자치구 above; '서울특별시', '', '' starts afresh).
        dim_cells, fresh = [], False
        for k, c in enumerate(cells[:first]):
            fresh = fresh or bool(c)
            dim_cells.append(c if c or fresh else previous[k])
        previous = dim_cells
        table.rows.append((number, dim_cells + values))
    return table


@dataclass(frozen=True)
class Area:
    sigungu_name: str | None
    dong_name: str | None
    dong_name_source: str | None
    level: str  # sido | sigungu | dong
    adong_code: str | None


def is_gu(label: str) -> bool:
    """A 자치구 name (the 25 of Seoul, or any `…구`)."""
    text = compact(label)
    return text in SEOUL_GU or (bool(_GU_SHAPE.match(text)) and text not in TOTAL_LABELS)


class AreaResolver:
    """Which 자치구 and 행정동 a row's area labels name: 동별(1..3), or one 동별/지역 column whose
    자치구 rows set the context of the 동 rows below them (forward fill)."""

    def __init__(self) -> None:
        self.sigungu: str | None = None

    def resolve(self, labels: Sequence[str]) -> Area:
        parts = [clean(label) for label in labels if clean(label)]
        if not parts:  # no area at all: left null for the contract to quarantine, never guessed
            return Area(None, None, None, "dong", None)
        if len(parts) == 1 and " " in parts[0]:  # '강서구 등촌1동' in one cell
            head, _, tail = parts[0].partition(" ")
            if is_gu(head):
                parts = [head, tail]
        gu = next((p for p in parts if is_gu(p)), None)
        rest = parts[parts.index(gu) + 1:] if gu else [p for p in parts if compact(p) not in SIDO_LABELS]
        leaf = rest[-1] if rest else None
        if gu is None and (leaf is None or is_total(leaf)):
            self.sigungu = None
            return Area("합계", "합계", parts[-1] if parts else "", "sido", None)
        if gu is not None:
            self.sigungu = compact(gu)
        if leaf is None or is_total(leaf) or (gu is not None and compact(leaf) == compact(gu)):
            return Area(self.sigungu, "소계", leaf or gu or "", "sigungu", None)
        dong = normalise_dong_name(leaf)
        code = adong_code(dong) if self.sigungu == GANGSEO else None
        return Area(self.sigungu, dong, leaf, "dong", code)

    def fields(self, area: Area, period: str, *dimension_values: str) -> dict[str, str | None]:
        subtotal = area.level != "dong" or any(is_total(v) for v in dimension_values if v)
        return {
            "period": period,
            "sigungu_name": area.sigungu_name,
            "dong_name": area.dong_name,
            "dong_name_source": area.dong_name_source,
            "adong_code": area.adong_code,
            "area_level": area.level,
            "is_subtotal": "true" if subtotal else "false",
        }


@dataclass(frozen=True)
class Dimension:
    """A dimension of a statistics table besides the area: where it may appear and how to read it."""

    column: str  # column of the long frame (contract column)
    headers: frozenset[str]  # its dimension-column labels in the long layout (compacted)
    recognises: Callable[[set[str]], bool]  # True when an item header level with these labels is this dimension
    default: str  # its value when the table does not break down by it
    canonical: Callable[[str], str] = clean


def _assign(table: KosisTable, dimensions: Sequence[Dimension]) -> tuple[list[int], dict[str, tuple[str, int]]]:
    """Area column indexes, and for each dimension ('dim', column index) or ('item', level)."""
    areas, where = [], {}
    for i, label in enumerate(table.dims):
        text = compact(label)
        if _AREA_HEADER.match(text):
            areas.append(i)
            continue
        match = next((d for d in dimensions if text in d.headers and d.column not in where), None)
        if match is None:
            raise ParseError(f"{table.name}: unexpected dimension column {label!r} "
                             f"(expected 동별 and {', '.join(sorted(h for d in dimensions for h in d.headers))})")
        where[match.column] = ("dim", i)
    if not areas:
        raise ParseError(f"{table.name}: no area column (동별, 동별(1..3), 자치구, 행정동) in {', '.join(table.dims)}")
    for level in range(table.item_rows):
        labels = {compact(c.items[level]) for c in table.columns if c.items[level]}
        free = [d for d in dimensions if d.column not in where]
        match = next((d for d in free if d.recognises(labels)), free[0] if free else None)
        if match is None:
            raise ParseError(f"{table.name}: item header row {level + 2} ({', '.join(sorted(labels))}) "
                             "is not a dimension of this table")
        where[match.column] = ("item", level)
    return areas, where


def long_records(table: KosisTable, dimensions: Sequence[Dimension], measure: str,
                 extra: dict[str, str] | None = None) -> list[dict[str, str | int | None]]:
    """One record per data row × value column: area fields, dimensions, measure, raw value, row number."""
    areas, where = _assign(table, dimensions)
    resolver = AreaResolver()
    first = len(table.dims)
    records: list[dict[str, str | int | None]] = []
    for number, cells in table.rows:
        values = cells[first:]
        if not any(values) and not any(cells[1:first]):
            if is_gu(cells[0]) or compact(cells[0]) in SIDO_LABELS:
                resolver.resolve([cells[0]])  # a 자치구 heading: context for the 동 rows below
            continue
        area = resolver.resolve([cells[i] for i in areas])
        for column in table.columns:
            found, printed = {}, []
            for d in dimensions:
                kind, k = where.get(d.column, ("default", 0))
                raw = cells[k] if kind == "dim" else column.items[k] if kind == "item" else d.default
                found[d.column] = d.canonical(raw) if raw else None
                if kind != "default" and raw:
                    printed.append(raw)
            records.append({
                # A default (성별 계 of a table without 성별) is not a subtotal: the file has no finer rows.
                **resolver.fields(area, column.period, *printed),
                **found,
                **(extra or {}),
                "measure": measure,
                "value": cells[column.index],
                ROW_NUMBER: number,
            })
    return records


def to_frame(records: Iterable[dict], columns: Sequence[str]) -> pl.DataFrame:
    """A frame of strings with the given columns, each row keeping its source line's `_row_number`."""
    records = list(records)
    return string_frame(records, columns, [r[ROW_NUMBER] for r in records])
