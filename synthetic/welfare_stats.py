"""Synthetic Seoul welfare statistics, written in their real download layouts (korean-public-data.md §8).

Every number is fictitious (fixed seed); the layouts are the real ones:

* ``welfare_elderly_alone_stats/elderly_alone_age_dong_20250131090000_SYNTHETIC.csv``: 독거노인 현황
  (연령별/동별), KOSIS wide CSV, CP949, CRLF, every field quoted. Row 1 `동별(1),동별(2),동별(3)` then
  2024 twelve times; rows 2-3 the items 합계/국민기초생활수급권자/저소득/일반 × 소계/65~79세/80세이상.
* ``welfare_recipients_stats/basic_livelihood_recipients_by_dong_202405_SYNTHETIC.xlsx``: 국민기초생활
  수급자 동별 현황, three merged header rows (지역 | 자격구분 | 연령 | 수급자 현황: 가구수, 수급자수 | units),
  지역 and 자격구분 printed once per block (merged), 서울시 totals as text with thousands separators,
  `-` for none, three 강서구 dongs in the official 제 form (등촌제1동, 화곡제3동, 방화제2동).
* ``welfare_disability_stats/disability_type_dong_long_2025_SYNTHETIC.csv``: 장애인 현황 long layout,
  `동별,장애유형별,성별,2025 년`, CP949; the single 동별 column runs 합계, 강서구, its 동, 노원구, its 동.
* ``welfare_disability_stats/disability_type_dong_wide_2024_SYNTHETIC.csv``: the wide layout,
  `동별(1..3)` then one column per 유형 (2024), UTF-8 with BOM (newer Seoul downloads).

Areas: the 서울시 total, 강서구 (its 20 행정동 by short name) and 노원구 (19 행정동, KOSIS punctuation
such as 상계3.4동), each 자치구 with its 소계/total row. Totals add up: 합계/소계 = the sum of their parts,
a 자치구 = the sum of its 동, 서울시 = the sum of the two 자치구 in the file (a sample, not all of Seoul).
Zero prints as `-`; numbers of 1,000 and more carry thousands separators (CSV) or a `#,##0` format (XLSX).
The same seed gives byte-identical files (the XLSX zip is written with fixed timestamps).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synthetic.writers import CP949, UTF8_BOM, write_rows, write_xlsx
from transforms.geography import admin_dongs

SEED = 20240531
ELDERLY_RELPATH = "welfare_elderly_alone_stats/elderly_alone_age_dong_20250131090000_SYNTHETIC.csv"
RECIPIENTS_RELPATH = "welfare_recipients_stats/basic_livelihood_recipients_by_dong_202405_SYNTHETIC.xlsx"
DISABILITY_LONG_RELPATH = "welfare_disability_stats/disability_type_dong_long_2025_SYNTHETIC.csv"
DISABILITY_WIDE_RELPATH = "welfare_disability_stats/disability_type_dong_wide_2024_SYNTHETIC.csv"

NOWON_DONGS = ("월계1동", "월계2동", "월계3동", "공릉1동", "공릉2동", "하계1동", "하계2동", "중계본동", "중계1동",
               "중계4동", "중계2.3동", "상계1동", "상계2동", "상계3.4동", "상계5동", "상계6.7동", "상계8동", "상계9동",
               "상계10동")
JE_FORM = {"등촌1동": "등촌제1동", "화곡3동": "화곡제3동", "방화2동": "방화제2동"}  # printed officially in the XLSX

ELDERLY_QUALIFICATIONS = ("국민기초생활수급권자", "저소득", "일반")
ELDERLY_SHARES = (0.17, 0.09, 0.74)
ELDERLY_AGES = ("65~79세", "80세이상")
RECIPIENT_QUALIFICATIONS = ("기초생계급여", "의료급여", "주거급여", "교육급여")
RECIPIENT_AGES = ("18세미만", "18~64세", "65세이상")
DISABILITY_TYPES = ("지체", "뇌병변", "시각", "청각", "언어", "지적", "자폐성", "정신", "신장", "심장", "호흡기", "간",
                    "안면", "장루·요루", "뇌전증")
DISABILITY_SHARES = (0.44, 0.09, 0.09, 0.16, 0.006, 0.085, 0.017, 0.045, 0.04, 0.002, 0.004, 0.005, 0.001, 0.005, 0.003)
FIXED_ZIP_TIME = (2024, 6, 3, 9, 0, 0)


def _areas() -> list[tuple[str, list[str]]]:
    """(자치구, its 행정동 short names) for the two 자치구 in the samples."""
    return [("강서구", list(admin_dongs()["adong_short_name"])), ("노원구", list(NOWON_DONGS))]


def _fmt(n: int) -> str:
    return "-" if n == 0 else f"{n:,}"


def _split(rng: np.random.Generator, total: int, shares: tuple[float, ...]) -> list[int]:
    """`total` split by noisy `shares` into integers that add up to `total`."""
    weights = np.asarray(shares) * rng.uniform(0.7, 1.3, len(shares))
    return [int(n) for n in rng.multinomial(total, weights / weights.sum())]


def elderly_rows(rng: np.random.Generator) -> list[list[str]]:
    header = [["동별(1)", "동별(2)", "동별(3)", *["2024"] * 12],
              ["동별(1)", "동별(2)", "동별(3)", *[q for q in ("합계", *ELDERLY_QUALIFICATIONS) for _ in range(3)]],
              ["동별(1)", "동별(2)", "동별(3)", *["소계", *ELDERLY_AGES] * 4]]
    blocks = []  # (labels, cells[qualification][age]) with 80세이상 ≈ 40 %
    seoul = np.zeros((3, 2), dtype=int)
    for gu, dongs in _areas():
        dong_cells = []
        for dong in dongs:
            counts = np.array([_split(rng, n, (0.6, 0.4))
                               for n in _split(rng, int(rng.integers(350, 1600)), ELDERLY_SHARES)])
            if rng.random() < 0.15:  # a few dongs have none in one cell: KOSIS prints '-'
                counts[1, 1] = 0
            dong_cells.append((["서울시", gu, dong], counts))
        gu_total = sum(c for _, c in dong_cells)
        seoul += gu_total
        blocks += [(["서울시", gu, "소계"], gu_total), *dong_cells]
    blocks.insert(0, (["합계", "소계", "소계"], seoul))

    def line(labels: list[str], cells: np.ndarray) -> list[str]:
        by_qualification = [cells.sum(axis=0), *cells]  # 합계 first
        return [*labels, *[_fmt(int(v)) for row in by_qualification for v in (row.sum(), *row)]]

    return header + [line(labels, cells) for labels, cells in blocks]


def recipient_blocks(rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """(지역 as printed, [qualification][age][households, recipients])."""
    blocks, seoul = [], np.zeros((4, 3, 2), dtype=int)
    for gu, dongs in _areas():
        dong_blocks = []
        for dong in dongs:
            people = np.array([[int(rng.integers(lo, hi)) for lo, hi in ((20, 140), (150, 700), (90, 420))],
                               [int(rng.integers(lo, hi)) for lo, hi in ((0, 25), (20, 120), (30, 160))],
                               [int(rng.integers(lo, hi)) for lo, hi in ((5, 60), (40, 260), (30, 200))],
                               [int(rng.integers(10, 90)), 0, 0]])  # 교육급여: school-age only
            households = np.minimum(people, np.ceil(people * rng.uniform(0.45, 0.9, people.shape)).astype(int))
            dong_blocks.append((JE_FORM.get(dong, dong), np.stack([households, people], axis=-1)))
        gu_total = sum(b for _, b in dong_blocks)
        seoul += gu_total
        blocks += [(gu, gu_total), *dong_blocks]
    return [("서울시", seoul), *blocks]


def write_recipients_xlsx(path: Path, rng: np.random.Generator) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "수급자 동별 현황"
    for cell, text in (("A1", "지역"), ("B1", "자격구분"), ("C1", "연령"), ("D1", "수급자 현황"),
                       ("D2", "가구수"), ("E2", "수급자수"), ("D3", "(가구)"), ("E3", "(명)")):
        sheet[cell] = text
        sheet[cell].font = Font(bold=True)
        sheet[cell].alignment = Alignment(horizontal="center", vertical="center")
    for merged in ("A1:A3", "B1:B3", "C1:C3", "D1:E1"):
        sheet.merge_cells(merged)
    row = 4
    for region, cells in recipient_blocks(rng):
        sheet.cell(row, 1, region)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row + 11, end_column=1)
        for q, qualification in enumerate(RECIPIENT_QUALIFICATIONS):
            sheet.cell(row, 2, qualification)
            sheet.merge_cells(start_row=row, start_column=2, end_row=row + 2, end_column=2)
            for a, age in enumerate(RECIPIENT_AGES):
                sheet.cell(row, 3, age)
                for k, value in enumerate(cells[q, a]):
                    value = int(value)
                    # 서울시 totals arrive as text with separators; zero as '-', like the published file.
                    text = _fmt(value) if region == "서울시" or value == 0 else value
                    target = sheet.cell(row, 4 + k, text)
                    target.number_format = "#,##0"
                row += 1
    for column, width in zip("ABCDE", (12, 14, 10, 10, 10)):
        sheet.column_dimensions[column].width = width
    write_xlsx(path, workbook, FIXED_ZIP_TIME)
    return row - 4


def disability_blocks(rng: np.random.Generator) -> list[tuple[list[str], np.ndarray]]:
    """([동별(1), 동별(2), 동별(3)], [type][male, female]) for 서울시, each 자치구 and its 동."""
    blocks, seoul = [], np.zeros((len(DISABILITY_TYPES), 2), dtype=int)
    for gu, dongs in _areas():
        dong_blocks = []
        for dong in dongs:
            by_type = _split(rng, int(rng.integers(700, 2100)), DISABILITY_SHARES)
            cells = np.array([_split(rng, n, (0.57, 0.43)) for n in by_type])
            dong_blocks.append((["서울시", gu, dong], cells))
        gu_total = sum(c for _, c in dong_blocks)
        seoul += gu_total
        blocks += [(["서울시", gu, "소계"], gu_total), *dong_blocks]
    return [(["합계", "소계", "소계"], seoul), *blocks]


def disability_long_rows(rng: np.random.Generator) -> list[list[str]]:
    rows = [["동별", "장애유형별", "성별", "2025 년"]]
    for labels, cells in disability_blocks(rng):
        area = labels[0] if labels[0] == "합계" else labels[1] if labels[2] == "소계" else labels[2]
        for disability_type, (male, female) in [("합계", cells.sum(axis=0)), *zip(DISABILITY_TYPES, cells)]:
            for sex, value in (("계", male + female), ("남", male), ("여", female)):
                rows.append([area, disability_type, sex, _fmt(int(value))])
    return rows


def disability_wide_rows(rng: np.random.Generator) -> list[list[str]]:
    rows = [["동별(1)", "동별(2)", "동별(3)", *["2024"] * (len(DISABILITY_TYPES) + 1)],
            ["동별(1)", "동별(2)", "동별(3)", "합계", *DISABILITY_TYPES]]
    for labels, cells in disability_blocks(rng):
        totals = cells.sum(axis=1)
        rows.append([*labels, _fmt(int(totals.sum())), *[_fmt(int(v)) for v in totals]])
    return rows


# Each table is drawn from its own stream of the seed's four (elderly, recipients, disability long, wide),
# so any one source can be written alone, byte for byte the same.
def _streams(seed: int) -> list[np.random.Generator]:
    return np.random.default_rng(seed).spawn(4)


def generate_elderly_alone_stats(out_dir: Path, seed: int = SEED) -> dict[str, int]:
    """Writes the 독거노인 KOSIS CSV; returns its data rows (lines after the three header rows)."""
    rows = elderly_rows(_streams(seed)[0])
    write_rows(Path(out_dir) / ELDERLY_RELPATH, rows, CP949)
    return {ELDERLY_RELPATH: len(rows) - 3}


def generate_recipients_stats(out_dir: Path, seed: int = SEED) -> dict[str, int]:
    """Writes the 수급자 XLSX; returns its data rows (sheet rows after the three header rows)."""
    return {RECIPIENTS_RELPATH: write_recipients_xlsx(Path(out_dir) / RECIPIENTS_RELPATH, _streams(seed)[1])}


def generate_disability_stats(out_dir: Path, seed: int = SEED) -> dict[str, int]:
    """Writes the 장애인 현황 long (CP949) and wide (UTF-8 with BOM) CSVs; returns the data rows of each."""
    _, _, long_rng, wide_rng = _streams(seed)
    long_rows, wide_rows = disability_long_rows(long_rng), disability_wide_rows(wide_rng)
    write_rows(Path(out_dir) / DISABILITY_LONG_RELPATH, long_rows, CP949)
    write_rows(Path(out_dir) / DISABILITY_WIDE_RELPATH, wide_rows, UTF8_BOM)
    return {DISABILITY_LONG_RELPATH: len(long_rows) - 1, DISABILITY_WIDE_RELPATH: len(wide_rows) - 2}
