"""서울시 국민기초생활 수급자 동별 현황, data.seoul.go.kr OA-22227 (korean-public-data.md §8.4) [P].

The 2024-05 release is an XLSX (`서울시 국민기초생활 수급자 동별 현황(202405).xlsx`, first sheet) with a
header block of three rows (merged cells), then the data:

    col0 지역     a 자치구 row, then its 동 rows; the name is printed on the first row of its block only
    col1 자격구분 기초생계급여, 의료급여, 주거급여, 교육급여 [I]; printed on the first row of its block only
    col2 연령     18세미만, 18~64세, 65세이상
    col3 가구수   (its label is not confirmed [I])
    col4 수급자수

지역 and 자격구분 are forward-filled (a new 지역 restarts 자격구분); a row with a 지역 and nothing else
is a heading (a 자치구 that sets the context of the 동 rows below) and yields no values. Columns are
found by their labels anywhere in the header block (`(명)`-style units ignored), not by position; every
other labelled column becomes a measure of its own, which the contract's code list quarantines until
someone names it. A missing 지역, 자격구분, 연령 or 수급자수 column raises SchemaMismatch.

The reference month is read from the header block (`2024.05`, `2024년 5월`) or the file name (`202405`,
`20210731`); without one the file is refused. The same layout saved as CSV is accepted too; the 2021
CSV with `V1..V6` headers is not (only two of its columns are known).

Output: one row per area × 자격구분 × 연령 × measure (가구수, 수급자수).
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from transforms.records import ROW_NUMBER, SchemaMismatch
from transforms.xlsx import read_xlsx_rows
from transforms.welfare.kosis import (
    AREA_COLUMNS, AreaResolver, ParseError, SIDO_LABELS, clean, compact, is_gu, is_number, read_csv_rows, to_frame,
)
from transforms.source import Source, reference_period

SOURCE_ID = "welfare_recipients_stats"

COLUMNS = (*AREA_COLUMNS, "qualification", "age_group", "measure", "value")
# Role → header labels (compacted, units in brackets removed).
DIMENSION_HEADERS = {
    "region": {"지역", "지역별", "자치구", "자치구/동", "행정동", "동", "동별", "읍면동"},
    "qualification": {"자격구분", "자격", "자격별", "급여구분", "급여종류", "수급자격"},
    "age_group": {"연령", "연령별", "연령대", "연령구분"},
}
MEASURE_HEADERS = {
    "가구수": {"가구수", "가구", "수급가구", "수급가구수", "세대수"},
    "수급자수": {"수급자수", "수급자", "수급인원", "인원", "인원수", "수급자인원"},
}
REQUIRED = ("region", "qualification", "age_group", "수급자수")
_LABELS_KO = {"region": "지역", "qualification": "자격구분", "age_group": "연령", "수급자수": "수급자수"}
_UNITS = re.compile(r"[(\[（［][^)\]）］]*[)\]）］]")
_MONTH_TEXT = re.compile(r"(?<!\d)(\d{4})\s*(?:년|[.\-/])\s*(\d{1,2})(?!\d)")
_MONTH_NAME = re.compile(r"(?<!\d)(\d{4})(0[1-9]|1[0-2])(?:[0-3]\d)?(?!\d)")
_NOTE = re.compile(r"^(※|\*|주\s*\)|주:|자료|출처)")


def _label(text: str) -> str:
    return compact(_UNITS.sub("", text))


def _stated_period(header_text: str, name: str) -> str | None:
    for pattern, text in ((_MONTH_TEXT, header_text), (_MONTH_NAME, Path(name).stem), (_MONTH_TEXT, Path(name).stem)):
        for year, month in pattern.findall(text):
            if 2000 <= int(year) <= 2100 and 1 <= int(month) <= 12:
                return f"{year}-{int(month):02d}"
    return None


def _columns(header: list[list[str]], data: list[list[str]], width: int, name: str) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Dimension columns by role, and (column, measure name) for every other column that has a label
    or a value (an unlabelled one is named `열<n>`), so no filled column is dropped unseen."""
    roles: dict[str, int] = {}
    measures: list[tuple[int, str]] = []
    for j in range(width):
        labels = [_label(row[j]) for row in header if j < len(row) and _label(row[j])]
        role = next((r for r, names in DIMENSION_HEADERS.items() if r not in roles and set(labels) & names), None)
        if role:
            roles[role] = j
            continue
        measure = next((m for m, names in MEASURE_HEADERS.items() if set(labels) & names), None)
        if measure or (labels and j > 0):
            measures.append((j, measure or labels[-1]))
        elif any(j < len(row) and row[j] for row in data):
            measures.append((j, f"열{j + 1}"))
    missing = [r for r in REQUIRED if r not in roles and r not in {m for _, m in measures}]
    if missing:
        names = ", ".join(f"{_LABELS_KO[r]} ({'/'.join(sorted(DIMENSION_HEADERS.get(r) or MEASURE_HEADERS[r]))})"
                          for r in missing)
        raise SchemaMismatch(f"{name}: missing required columns: {names}")
    return roles, measures


def parse(path: Path, name: str, period: str | None = None) -> pl.DataFrame:
    """`path` is the landed .xlsx itself, or the UTF-8 text of a .csv of the same layout; `period`
    (YYYYMM) is the month of a file that states none."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        rows = read_xlsx_rows(path, name)
    elif suffix == ".csv":
        rows = read_csv_rows(path, name)
    else:
        raise ParseError(f"{name}: welfare_recipients_stats accepts the .xlsx release (or the same table as .csv)")
    if not rows:
        raise ParseError(f"{name}: empty sheet")
    # The header block is the rows above the first number outside the 지역 column, up to the last of
    # them that fills more than the 지역 column (a title above it, 자치구 headings below it).
    first_number = next((i for i, (_, cells) in enumerate(rows) if any(is_number(c) for c in cells[1:])), len(rows))
    start = 1 + max((i for i in range(first_number) if any(rows[i][1][1:])), default=-1)
    if start == 0:
        raise ParseError(f"{name}: no header rows above the first data row")
    header = [cells for _, cells in rows[:start]]
    width = max(len(cells) for _, cells in rows)
    roles, measures = _columns(header, [cells for _, cells in rows[start:]], width, name)
    stated = _stated_period(" ".join(c for cells in header for c in cells), name)
    period = reference_period(stated, f"{period[:4]}-{period[4:]}" if period else None, name, SOURCE_ID,
                              "expected e.g. '(202405)' or '2024.05' in the header or the file name")

    resolver = AreaResolver()
    region = qualification = ""
    records = []
    for number, cells in rows[start:]:
        cells = (cells + [""] * width)[:width]
        region_cell, qualification_cell, age = (cells[roles[r]] for r in ("region", "qualification", "age_group"))
        values = [(measure, cells[j]) for j, measure in measures]
        if region_cell:
            region, qualification = region_cell, ""
        if qualification_cell:
            qualification = qualification_cell
        if not age and not qualification_cell and not any(v for _, v in values):
            # A heading (자치구 name) or a note: no values.
            if region_cell and not _NOTE.match(region_cell) and (is_gu(region_cell) or compact(region_cell) in SIDO_LABELS):
                resolver.resolve([region_cell])
            continue
        area = resolver.resolve([region])
        base = resolver.fields(area, period, qualification, age)
        for measure, value in values:
            records.append({**base, "qualification": qualification or None, "age_group": age or None,
                            "measure": measure, "value": value, ROW_NUMBER: number})
    return to_frame(records, COLUMNS)


SOURCE = Source(
    SOURCE_ID,
    ("서울시 국민기초생활 수급자 동별 현황 XLSX (three header rows, merged 지역/자격구분)", "the same table as CSV"),
    (".xlsx", ".csv"),
    parse,
    binary_suffixes=(".xlsx",),
    takes_period=True,
)
