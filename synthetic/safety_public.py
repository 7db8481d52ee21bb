"""Synthetic public safety sources in their real formats (korean-public-data.md §1-§4), fictitious values.

Files, under ``out_dir/<source id>/`` (every name says SYNTHETIC):

* ``cctv``: the LOCALDATA ``cctv_info`` CSV (18 columns, CP949, CRLF; national: about 375,000 rows at
  scale 1, 강서구 ≈ 2,400 of them), the old standard CSV (15 columns, CP949) and its 14-column variant
  (번호/설치연월/WGS84위도) as the per-지자체 XLSX and as the CSV Excel saves (UTF-8 with BOM), ``tn_pubr_public_cctv_api`` pages (all values
  strings, ``"null"`` strings) and ``1741000/cctv_info`` pages (≤ 1,000 items a page). The per-gu files
  and pages hold 강서구 plus a few rows from elsewhere, including 부산 강서구 and a police camera.
* ``child_protection_zones``: the 14-column CSV (CP949; national ≈ 14,640 rows at scale 1, 강서구 ≈ 120)
  and an API page of 강서구's zones.
* ``taas_child_hotspots``: a Seoul-wide schoolzoneChild page (``items.item`` a list) and a 강서구
  frequentzoneChild page with one hotspot (``items.item`` an object), no ``response`` wrapper.
* ``parking_lots``: the 34-column CSV (CP949; national ≈ 16,000 lots, 강서구 ≈ 180) and an API page.
* ``illegal_parking_enforcement``: 강서구's per-gu CSV (CP949, header ``' 단속건수 '``, date in the name).

Scale: national rows scale with ``scale``; 강서구 rows too, with a floor so the sample still covers
every case. ``dirty_rate`` of the rows (at least one of each kind when > 0) carry the problems the
loaders must handle: 0/0 and swapped coordinates, blank coordinates, unknown or spaced 설치목적구분,
'2대' as a count, negative 보관일수, a future 설치연월, exact and conflicting duplicates; dirty 시설종류 and
road widths; blank 장애인전용주차구역보유여부. One ``numpy`` generator per file, spawned from the seed:
same arguments, byte-identical files.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from synthetic.dirty import scatter
from synthetic.writers import (
    UTF8_BOM, data_go_kr_item_page, data_go_kr_page, write_csv, write_json, write_lines, write_xlsx,
)
from transforms.safety import cctv, child_zones, parking_lots

SAMPLE_SCALE = 0.00003  # the committed sample: 24 강서구 cameras and 11 from elsewhere in the LOCALDATA file

NATIONAL_CCTV, GANGSEO_CCTV, MIN_GANGSEO_CCTV, MIN_OTHER_CCTV = 375_000, 2_400, 24, 6
NATIONAL_ZONES, GANGSEO_ZONES, MIN_GANGSEO_ZONES, MIN_OTHER_ZONES = 14_640, 120, 12, 4
NATIONAL_LOTS, GANGSEO_LOTS, MIN_GANGSEO_LOTS, MIN_OTHER_LOTS = 16_000, 180, 12, 4
XLSX_STAMP = (2024, 6, 3, 9, 0, 0)  # fixed zip and document times: same arguments, same bytes
API_PAGE_ROWS = 1_000

LOCALDATA_RELPATH = "cctv/cctv_info_localdata_SYNTHETIC.csv"
CCTV_15_RELPATH = "cctv/cctv_standard_15col_gangseo_SYNTHETIC.csv"
CCTV_14_RELPATH = "cctv/cctv_standard_14col_gangseo_SYNTHETIC.csv"
CCTV_14_XLSX_RELPATH = "cctv/cctv_standard_14col_gangseo_SYNTHETIC.xlsx"
CCTV_STANDARD_API = "cctv/tn_pubr_public_cctv_api_gangseo_page{}_SYNTHETIC.json"
CCTV_INFO_API = "cctv/cctv_info_api_3150000_page{}_SYNTHETIC.json"
ZONES_CSV_RELPATH = "child_protection_zones/child_protection_zones_standard_SYNTHETIC.csv"
ZONES_API_RELPATH = "child_protection_zones/tn_pubr_public_child_prtc_zn_api_3150000_page1_SYNTHETIC.json"
SCHOOLZONE_RELPATH = "taas_child_hotspots/getRestSchoolzoneChild_2025066_siDo11_SYNTHETIC.json"
FREQUENTZONE_RELPATH = "taas_child_hotspots/getRestFrequentzoneChild_2025108_siDo11_guGun500_SYNTHETIC.json"
PARKING_CSV_RELPATH = "parking_lots/parking_lots_standard_SYNTHETIC.csv"
PARKING_API_RELPATH = "parking_lots/tn_pubr_prkplce_info_api_3150000_page1_SYNTHETIC.json"
ILLEGAL_PARKING_RELPATH = "illegal_parking_enforcement/seoul_gangseo_illegal_parking_20251231_SYNTHETIC.csv"


@dataclass(frozen=True)
class Area:
    code: str          # 자치단체코드
    agency: str
    prefix: str        # address prefix
    lat: tuple[float, float]
    lon: tuple[float, float]


GANGSEO = Area("3150000", "서울특별시 강서구청", "서울특별시 강서구", (37.542, 37.588), (126.802, 126.868))
ELSEWHERE = (
    Area("3140000", "서울특별시 양천구청", "서울특별시 양천구", (37.510, 37.548), (126.830, 126.885)),
    Area("3000000", "서울특별시 종로구청", "서울특별시 종로구", (37.570, 37.600), (126.960, 127.010)),
    Area("3360000", "부산광역시 강서구청", "부산광역시 강서구", (35.080, 35.220), (128.840, 128.980)),  # the other 강서구
    Area("3640000", "인천광역시 부평구청", "인천광역시 부평구", (37.480, 37.520), (126.700, 126.750)),
    Area("4781000", "전북특별자치도 고창군", "전북특별자치도 고창군", (35.400, 35.470), (126.650, 126.750)),
    Area("6500000", "제주특별자치도", "제주특별자치도 제주시", (33.450, 33.530), (126.450, 126.580)),
)
GANGSEO_ROADS = ("화곡로", "공항대로", "강서로", "등촌로", "양천로", "마곡중앙로", "방화대로", "까치산로", "우장산로", "곰달래로")
OTHER_ROADS = ("중앙로", "시청로", "문화로", "평화로", "희망로", "새마을로")
GANGSEO_BDONGS = ("염창동", "등촌동", "화곡동", "가양동", "마곡동", "내발산동", "외발산동", "공항동", "방화동", "개화동")
PURPOSE_WEIGHTS = (0.62, 0.13, 0.08, 0.05, 0.01, 0.03, 0.02, 0.02, 0.02, 0.02)  # §1.5, in cctv.PURPOSES order
VIEWS = ("360도 전방면", "고정형", "북측 방향", "남측 방향", "교차로 방향", "")
POLICE = "서울강서경찰서"
REFERENCE_DAY = "2026-05-18"
FUTURE_MONTH = "209912"

CCTV_DIRTY = ("zero_coords", "swapped_coords", "blank_coords", "unknown_purpose", "spaced_purpose",
              "count_text", "negative_retention", "future_month", "exact_duplicate", "conflicting_duplicate")


# Each source writes its files from its own streams of the seed's ten (CCTV 0-4 and 9, zones 5, hotspots 6,
# parking lots 7, illegal parking 8), so any one of them can be written alone, byte for byte the same.
def _streams(seed: int) -> list[np.random.Generator]:
    return np.random.default_rng(seed).spawn(10)


def generate_cctv(out_dir: Path, scale: float = 1.0, seed: int = 20261125, dirty_rate: float = 0.002) -> dict[str, int]:
    """Writes every CCTV file (LOCALDATA, the old standard CSVs and XLSX, two APIs); returns rows per file (relative path)."""
    out_dir, rngs = Path(out_dir), _streams(seed)
    gangseo = max(MIN_GANGSEO_CCTV, round(GANGSEO_CCTV * scale))
    counts = {
        LOCALDATA_RELPATH: _write_localdata(out_dir / LOCALDATA_RELPATH, rngs[0], gangseo,
                                            max(MIN_OTHER_CCTV, round((NATIONAL_CCTV - GANGSEO_CCTV) * scale)), dirty_rate),
        CCTV_15_RELPATH: _write_standard_15(out_dir / CCTV_15_RELPATH, rngs[1], gangseo // 2),
        CCTV_14_RELPATH: _write_standard_14(out_dir / CCTV_14_RELPATH, rngs[2], gangseo // 2),
        CCTV_14_XLSX_RELPATH: _write_standard_14_xlsx(out_dir / CCTV_14_XLSX_RELPATH, rngs[9], gangseo // 2),
    }
    counts |= _write_pages(out_dir, CCTV_STANDARD_API, _standard_api_rows(rngs[3], gangseo // 2), data_go_kr_page)
    return counts | _write_pages(out_dir, CCTV_INFO_API, _cctv_info_rows(rngs[4], gangseo // 2), data_go_kr_item_page)


def generate_child_protection_zones(out_dir: Path, scale: float = 1.0, seed: int = 20261125,
                                    dirty_rate: float = 0.002) -> dict[str, int]:
    """Writes the 어린이보호구역 CSV and API page; returns rows per file (relative path)."""
    return _write_zones(Path(out_dir), _streams(seed)[5], max(MIN_GANGSEO_ZONES, round(GANGSEO_ZONES * scale)),
                        max(MIN_OTHER_ZONES, round((NATIONAL_ZONES - GANGSEO_ZONES) * scale)), dirty_rate)


def generate_taas_child_hotspots(out_dir: Path, seed: int = 20261125) -> dict[str, int]:
    """Writes the two TAAS pages (a fixed handful of hotspots at every scale); returns rows per file (relative path)."""
    return _write_hotspots(Path(out_dir), _streams(seed)[6])


def generate_parking_lots(out_dir: Path, scale: float = 1.0, seed: int = 20261125, dirty_rate: float = 0.002) -> dict[str, int]:
    """Writes the 주차장 CSV and API page; returns rows per file (relative path)."""
    return _write_parking(Path(out_dir), _streams(seed)[7], max(MIN_GANGSEO_LOTS, round(GANGSEO_LOTS * scale)),
                          max(MIN_OTHER_LOTS, round((NATIONAL_LOTS - GANGSEO_LOTS) * scale)), dirty_rate)


def generate_illegal_parking_enforcement(out_dir: Path, seed: int = 20261125) -> dict[str, int]:
    """Writes 강서구's per-gu enforcement CSV (one row per 행정동 at every scale); returns rows per file (relative path)."""
    path = Path(out_dir) / ILLEGAL_PARKING_RELPATH
    return {ILLEGAL_PARKING_RELPATH: _write_illegal_parking(path, _streams(seed)[8])}


# ======================================================================================
# Shared pieces
# ======================================================================================

def _areas(rng: np.random.Generator, gangseo: int, other: int) -> np.ndarray:
    """Area index per row (0 = 강서구), 강서구 rows first, then every other area once (부산 강서구 included)
    and the rest spread over ELSEWHERE."""
    each = np.arange(min(other, len(ELSEWHERE)))
    return np.concatenate([np.zeros(gangseo, int), 1 + each, 1 + rng.integers(0, len(ELSEWHERE), other - len(each))])


def _area_table() -> tuple[Area, ...]:
    return (GANGSEO, *ELSEWHERE)


def _pick(values, index: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(values, dtype=object)[index].tolist(), dtype=pl.String)


def _coordinates(rng: np.random.Generator, area: np.ndarray) -> tuple[pl.Series, pl.Series]:
    table = _area_table()
    low = np.array([[a.lat[0], a.lon[0]] for a in table])[area]
    high = np.array([[a.lat[1], a.lon[1]] for a in table])[area]
    point = low + rng.random((len(area), 2)) * (high - low)
    return (pl.Series(np.round(point[:, 0], 7)).cast(pl.String), pl.Series(np.round(point[:, 1], 7)).cast(pl.String))


def _addresses(rng: np.random.Generator, area: np.ndarray) -> tuple[pl.Series, pl.Series]:
    """Road-name and lot-number addresses; 강서구 on its own roads and 법정동, others on generic ones."""
    n = len(area)
    prefix = _pick([a.prefix for a in _area_table()], area)
    road = pl.Series(np.where(area == 0, np.asarray(GANGSEO_ROADS)[rng.integers(0, len(GANGSEO_ROADS), n)],
                              np.asarray(OTHER_ROADS)[rng.integers(0, len(OTHER_ROADS), n)]).tolist())
    dong = pl.Series(np.where(area == 0, np.asarray(GANGSEO_BDONGS)[rng.integers(0, len(GANGSEO_BDONGS), n)], "중앙동").tolist())
    number = pl.Series(rng.integers(1, 400, n)).cast(pl.String)
    lot = pl.Series(rng.integers(1, 1200, n)).cast(pl.String) + "-" + pl.Series(rng.integers(1, 40, n)).cast(pl.String)
    return prefix + " " + road + " " + number, prefix + " " + dong + " " + lot


def _months(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(2008, 2026, n), rng.integers(1, 13, n)


def _dirty_positions(rng: np.random.Generator, rows: int, kinds: tuple[str, ...], dirty_rate: float,
                     candidates: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Disjoint row positions per dirty kind: dirty_rate of the rows, at least one of each when > 0."""
    if dirty_rate <= 0:
        return {k: np.array([], int) for k in kinds}
    per_kind = max(1, math.ceil(rows * dirty_rate / len(kinds)))
    pool = candidates if candidates is not None else np.arange(rows)
    chosen = rng.choice(pool, size=min(len(pool), per_kind * len(kinds)), replace=False)
    return {k: np.sort(chosen[i * per_kind:(i + 1) * per_kind]) for i, k in enumerate(kinds)}


def _write_portal_csv(path: Path, frame: pl.DataFrame, header: tuple[str, ...]) -> int:
    """A CP949 portal download: the header as typed, blank fields unquoted (as the portals write them)."""
    return write_csv(path, frame.with_columns(pl.col(pl.String).replace("", None)), header=header)


def _insert_copies(frame: pl.DataFrame, after: np.ndarray, copies: pl.DataFrame) -> pl.DataFrame:
    """`frame` with `copies[i]` inserted right after row `after[i]`."""
    if not len(after):
        return frame
    order = np.concatenate([np.arange(frame.height, dtype=float), np.asarray(after, float) + 0.5])
    return pl.concat([frame, copies]).with_columns(pl.Series("__o", order)).sort("__o").drop("__o")


# ======================================================================================
# CCTV
# ======================================================================================

def _cameras(rng: np.random.Generator, area: np.ndarray) -> pl.DataFrame:
    """One camera installation per area index, in the LOCALDATA field set (CSV spellings)."""
    n = len(area)
    table = _area_table()
    road, lot = _addresses(rng, area)
    lat, lon = _coordinates(rng, area)
    year, month = _months(rng, n)
    police = (area == 0) & ((rng.random(n) < 0.05) | (np.arange(n) == 1))  # cameras in 강서구 managed by the police
    sequence = np.zeros(n, int)
    for a in np.unique(area):
        sequence[area == a] = np.arange(1, (area == a).sum() + 1)
    codes = _pick([a.code for a in table], area)
    return pl.DataFrame({
        "개방자치단체코드": codes,
        "관리번호": "2026" + codes + pl.Series(sequence).cast(pl.String).str.zfill(7),
        "관리기관명": pl.Series(np.where(police, POLICE, np.asarray([a.agency for a in table], object)[area]).tolist(), dtype=pl.String),
        "소재지도로명주소": road + pl.Series(np.where(rng.random(n) < 0.05, ", 2층", "").tolist()),  # commas force quoting
        "소재지지번주소": pl.Series(np.where(rng.random(n) < 0.6, "", lot.to_numpy()).tolist(), dtype=pl.String),
        "설치목적구분": _pick(cctv.PURPOSES, rng.choice(len(cctv.PURPOSES), n, p=PURPOSE_WEIGHTS)),
        "카메라대수": pl.Series(rng.choice([1, 1, 1, 2, 2, 3, 4], n)).cast(pl.String),
        "카메라화소수": pl.Series(rng.choice([41, 100, 130, 200, 200, 200, 400, 500], n)).cast(pl.String),
        "촬영방면정보": _pick(VIEWS, rng.integers(0, len(VIEWS), n)),
        "보관일수": pl.Series(rng.choice([30, 30, 30, 30, 14, 60, 90], n)).cast(pl.String),
        "설치연월": pl.Series([f"{y}{m:02d}" for y, m in zip(year, month)], dtype=pl.String),
        "관리기관전화번호": "02-555-" + pl.Series(rng.integers(0, 10_000, n)).cast(pl.String).str.zfill(4),
        "WGS84위도": lat,
        "WGS84경도": lon,
        "데이터기준일자": pl.Series([REFERENCE_DAY] * n, dtype=pl.String),
        "데이터갱신구분": pl.Series(np.where(rng.random(n) < 0.1, "U", "").tolist(), dtype=pl.String),
        "데이터갱신시점": pl.Series([f"2026-05-19 22:{m:02d}:{s:02d}" for m, s in zip(rng.integers(0, 60, n), rng.integers(0, 60, n))], dtype=pl.String),
        "최종수정시점": pl.Series([f"2026-05-{d:02d} {h:02d}:{m:02d}:00" for d, h, m in zip(rng.integers(1, 19, n), rng.integers(8, 19, n), rng.integers(0, 60, n))], dtype=pl.String),
    })


def _make_cctv_dirty(frame: pl.DataFrame, positions: dict[str, np.ndarray], lat: str, lon: str,
                     purpose: str, count: str, retention: str, month: str, future: str, key: str | None) -> pl.DataFrame:
    zero = positions["zero_coords"]
    frame = scatter(scatter(frame, lat, zero, "0"), lon, zero, "0")
    swapped = positions["swapped_coords"]
    if len(swapped):
        frame = scatter(scatter(frame, lat, swapped, frame[lon].gather(swapped)), lon, swapped, frame[lat].gather(swapped))
    frame = scatter(scatter(frame, lat, positions["blank_coords"], ""), lon, positions["blank_coords"], "")
    frame = scatter(frame, purpose, positions["unknown_purpose"], "방범용")
    frame = scatter(frame, purpose, positions["spaced_purpose"], " 생활 방범 ")
    frame = scatter(frame, count, positions["count_text"], "2대")
    frame = scatter(frame, retention, positions["negative_retention"], "-30")
    frame = scatter(frame, month, positions["future_month"], future)
    exact = frame[positions["exact_duplicate"]]
    conflicting = frame[positions["conflicting_duplicate"]].with_columns(
        (pl.col(count).cast(pl.Int64, strict=False).fill_null(1) + 5).cast(pl.String))
    if key is None:  # without 관리번호 a changed row is another camera: only exact duplicates exist
        conflicting = frame[positions["conflicting_duplicate"]]
    return _insert_copies(frame, np.concatenate([positions["exact_duplicate"], positions["conflicting_duplicate"]]),
                          pl.concat([exact, conflicting]))


def _write_localdata(path: Path, rng: np.random.Generator, gangseo: int, other: int, dirty_rate: float) -> int:
    frame = _cameras(rng, _areas(rng, gangseo, other))
    positions = _dirty_positions(rng, frame.height, CCTV_DIRTY, dirty_rate)
    frame = _make_cctv_dirty(frame, positions, "WGS84위도", "WGS84경도", "설치목적구분", "카메라대수", "보관일수",
                             "설치연월", FUTURE_MONTH, "관리번호")
    return _write_portal_csv(path, frame, cctv.LOCALDATA_HEADER)


def _gangseo_extract(rng: np.random.Generator, gangseo: int) -> pl.DataFrame:
    """A per-gu download: 강서구's cameras plus one each from 양천구 and 부산 강서구 (a name-only trap)."""
    area = np.concatenate([np.zeros(max(gangseo, 6), int), [1, 3]])
    return _cameras(rng, area)


def _old_generation(frame: pl.DataFrame) -> pl.DataFrame:
    """LOCALDATA fields as the 2018-2021 files wrote them: YYYY-MM, mostly blank, no later than the 2020
    reference day (later years move back 12)."""
    year = frame["설치연월"].str.slice(0, 4).cast(pl.Int32)
    year = pl.Series(np.where(year.to_numpy() > 2019, year.to_numpy() - 12, year.to_numpy())).cast(pl.String)
    months = year + "-" + frame["설치연월"].str.slice(4, 2)
    return frame.with_columns(
        설치연월=pl.when(pl.int_range(pl.len()) % 3 == 0).then(months).otherwise(pl.lit("")),
        데이터기준일자=pl.lit("2020-04-30"),
        제공기관코드=pl.col("개방자치단체코드"),
        제공기관명=pl.col("관리기관명").str.replace("청$", ""),
    )


def _write_standard_15(path: Path, rng: np.random.Generator, gangseo: int) -> int:
    frame = _old_generation(_gangseo_extract(rng, gangseo)).rename({"설치연월": "설치년월", "WGS84위도": "위도", "WGS84경도": "경도"})
    frame = frame.with_columns(pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("방범 용")).otherwise(pl.col("설치목적구분")).alias("설치목적구분"))
    frame = _insert_copies(frame, np.array([0]), frame[[0]])  # an exact duplicate: same content hash
    return _write_portal_csv(path, frame.select(cctv.STANDARD_15_HEADER), cctv.STANDARD_15_HEADER)


def _write_standard_14(path: Path, rng: np.random.Generator, gangseo: int) -> int:
    frame = _old_generation(_gangseo_extract(rng, gangseo))
    frame = frame.with_columns(번호=pl.int_range(1, pl.len() + 1).cast(pl.String))
    frame = scatter(scatter(frame, "WGS84위도", np.array([2]), "0"), "WGS84경도", np.array([2]), "0")
    return write_csv(path, frame.select(cctv.STANDARD_14_HEADER), UTF8_BOM)  # as Excel saves it


def _write_standard_14_xlsx(path: Path, rng: np.random.Generator, gangseo: int) -> int:
    """The per-지자체 workbook of the 14-column variant: a title row, then the header; numbers and the
    reference date as typed cells, as Excel keeps them."""
    from datetime import date

    from openpyxl import Workbook

    frame = _old_generation(_gangseo_extract(rng, gangseo)).with_columns(번호=pl.int_range(1, pl.len() + 1).cast(pl.String))
    frame = scatter(frame, "카메라대수", np.array([1]), "2대")  # typed by hand: quarantined as bad_value
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["서울특별시 강서구 CCTV 설치 현황 (합성)"])
    sheet.append(list(cctv.STANDARD_14_HEADER))
    numeric = {"번호", "카메라대수", "카메라화소수", "보관일수", "WGS84위도", "WGS84경도"}
    for row in frame.select(cctv.STANDARD_14_HEADER).iter_rows(named=True):
        cells = []
        for column, value in row.items():
            if column in numeric and value and value.replace(".", "", 1).isdigit():
                cells.append(float(value) if "." in value else int(value))
            elif column == "데이터기준일자":
                cells.append(date.fromisoformat(value))
            else:
                cells.append(value or None)
        sheet.append(cells)
    write_xlsx(path, workbook, XLSX_STAMP)
    return frame.height


def _standard_api_rows(rng: np.random.Generator, gangseo: int) -> list[dict[str, str]]:
    frame = _old_generation(_gangseo_extract(rng, gangseo))
    names = dict(zip(cctv.STANDARD_15_HEADER, cctv.STANDARD_API_FIELDS))
    frame = frame.rename({"설치연월": "설치년월", "WGS84위도": "위도", "WGS84경도": "경도"}).select(cctv.STANDARD_15_HEADER).rename(names)
    rows = [{k: ("null" if v == "" else v) for k, v in row.items()} for row in frame.to_dicts()]  # the API writes "null"
    rows[0]["rdnmadr"] = "null"
    rows[1]["latitude"] = "null"  # no coordinates: quarantined as missing_value:latitude
    return rows


def _cctv_info_rows(rng: np.random.Generator, gangseo: int) -> list[dict[str, str]]:
    frame = _gangseo_extract(rng, gangseo)
    frame = frame.with_columns(pl.col("설치연월").str.replace(r"^(\d{4})(\d{2})$", "${1}-${2}"))
    frame = scatter(frame, "설치목적구분", np.array([3]), "CCTV")  # unknown: 기타, counted
    return frame.rename(dict(zip(cctv.LOCALDATA_HEADER, cctv.CCTV_INFO_FIELDS))).to_dicts()


def _write_pages(out_dir: Path, pattern: str, rows: list[dict], envelope) -> dict[str, int]:
    """`rows` as API pages of API_PAGE_ROWS items, each in `envelope(items, page, total, rows per page)`."""
    counts = {}
    for page, start in enumerate(range(0, len(rows), API_PAGE_ROWS), start=1):
        items = rows[start:start + API_PAGE_ROWS]
        relpath = pattern.format(page)
        write_json(out_dir / relpath, envelope(items, page, len(rows), API_PAGE_ROWS), indent=1)
        counts[relpath] = len(items)
    return counts


# ======================================================================================
# Child protection zones
# ======================================================================================

FACILITY_TYPES = ("초등학교", "유치원", "어린이집", "특수학교", "학원", "기타")
FACILITY_WEIGHTS = (0.30, 0.25, 0.35, 0.02, 0.03, 0.05)
FACILITY_SUFFIX = {"초등학교": "초등학교", "유치원": "유치원", "어린이집": "어린이집", "특수학교": "학교", "학원": "학원", "기타": "아동센터"}
NAME_STEMS = ("햇살", "새싹", "꿈나무", "푸른", "한빛", "마곡", "화곡", "등촌", "가양", "방화", "공항", "발산")
ROAD_WIDTHS = ("8", "10", "12", "15", "20", "12m", "8~10", "6-8", "10 m", "")
ZONE_DIRTY = ("combined_type", "padded_type", "unknown_type", "zero_coords", "exact_duplicate")


def _zones(rng: np.random.Generator, area: np.ndarray) -> pl.DataFrame:
    n = len(area)
    table = _area_table()
    road, lot = _addresses(rng, area)
    lat, lon = _coordinates(rng, area)
    kind = rng.choice(len(FACILITY_TYPES), n, p=FACILITY_WEIGHTS)
    kinds = np.asarray(FACILITY_TYPES, object)[kind]
    names = [f"{NAME_STEMS[s]}{FACILITY_SUFFIX[k]}" + (f"{i}" if i else "")
             for i, (s, k) in enumerate(zip(rng.integers(0, len(NAME_STEMS), n), kinds))]
    cctv_yes = rng.random(n) < 0.7
    police = np.where(area == 0, "서울강서경찰서", "관할경찰서")
    return pl.DataFrame({
        "시설종류": pl.Series(kinds.tolist(), dtype=pl.String),
        "대상시설명": pl.Series(names, dtype=pl.String),
        "소재지도로명주소": road,
        "소재지지번주소": lot,
        "위도": lat,
        "경도": lon,
        "관리기관명": _pick([a.agency.removesuffix("청") for a in table], area),
        "관할경찰서명": pl.Series(police.tolist(), dtype=pl.String),
        "CCTV설치여부": pl.Series(np.where(cctv_yes, "Y", "N").tolist(), dtype=pl.String),
        "CCTV설치대수": pl.Series(np.where(cctv_yes, rng.integers(1, 12, n).astype(str), "").tolist(), dtype=pl.String),
        "보호구역도로폭": _pick(ROAD_WIDTHS, rng.integers(0, len(ROAD_WIDTHS), n)),
        "데이터기준일자": pl.Series(["2025-09-30"] * n, dtype=pl.String),
        "제공기관코드": _pick([a.code for a in table], area),
        "제공기관명": _pick([a.agency.removesuffix("청") for a in table], area),
    })


def _write_zones(out_dir: Path, rng: np.random.Generator, gangseo: int, other: int, dirty_rate: float) -> dict[str, int]:
    frame = _zones(rng, _areas(rng, gangseo, other))
    positions = _dirty_positions(rng, frame.height, ZONE_DIRTY, dirty_rate)
    frame = scatter(frame, "시설종류", positions["combined_type"], "초등학교+어린이집")
    frame = scatter(frame, "시설종류", positions["padded_type"], " 유치원 ")
    frame = scatter(frame, "시설종류", positions["unknown_type"], "놀이시설")
    frame = scatter(scatter(frame, "위도", positions["zero_coords"], "0"), "경도", positions["zero_coords"], "0")
    frame = _insert_copies(frame, positions["exact_duplicate"], frame[positions["exact_duplicate"]])
    _write_portal_csv(out_dir / ZONES_CSV_RELPATH, frame, child_zones.CSV_HEADER)
    api = _zones(rng, np.zeros(max(6, gangseo // 2), int)).rename(dict(zip(child_zones.CSV_HEADER, child_zones.API_FIELDS)))
    write_json(out_dir / ZONES_API_RELPATH, data_go_kr_page(api.to_dicts(), 1, api.height, API_PAGE_ROWS), indent=1)
    return {ZONES_CSV_RELPATH: frame.height, ZONES_API_RELPATH: api.height}


# ======================================================================================
# TAAS hotspots
# ======================================================================================

SEOUL_GU = (("강서구", "11500", GANGSEO), ("양천구", "11470", ELSEWHERE[0]), ("종로구", "11110", ELSEWHERE[1]))


def _circle(lon: float, lat: float, radius_deg: float = 0.0009) -> str:
    """A GeoJSON polygon of 33 vertices (32 around the circle, closed), as KOROAD sends it: a string."""
    ring = [[round(lon + radius_deg * math.cos(2 * math.pi * i / 32), 6), round(lat + radius_deg * math.sin(2 * math.pi * i / 32), 6)]
            for i in range(32)]
    return json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]}, separators=(",", ":"))


def _hotspot(rng: np.random.Generator, fid: int, dataset: str, gu: int, sequence: int) -> dict:
    name, code, area = SEOUL_GU[gu]
    lat = area.lat[0] + rng.random() * (area.lat[1] - area.lat[0])
    lon = area.lon[0] + rng.random() * (area.lon[1] - area.lon[0])
    deaths, serious, minor, reported = 0, int(rng.integers(0, 3)), int(rng.integers(2, 6)), int(rng.integers(0, 2))
    bdong = f"{code}{101 + int(rng.integers(0, 9)):03d}00"
    return {
        "afos_fid": fid, "afos_id": dataset, "bjd_cd": bdong, "spot_cd": f"{code}{sequence:03d}",
        "sido_sgg_nm": f"서울특별시 {name}{sequence}", "spot_nm": f"서울특별시 {name} 합성동(합성초등학교 앞 부근)",
        "occrrnc_cnt": deaths + serious + minor, "caslt_cnt": deaths + serious + minor + reported,
        "dth_dnv_cnt": deaths, "se_dnv_cnt": serious, "sl_dnv_cnt": minor, "wnd_dnv_cnt": reported,
        "geom_json": _circle(lon, lat), "lo_crd": f"{lon:.12f}", "la_crd": f"{lat:.12f}",
    }


def _koroad_page(item, total: int) -> dict:
    return {"resultCode": "00", "resultMsg": "NORMAL_CODE", "items": {"item": item}, "totalCount": total, "numOfRows": 100, "pageNo": 1}


def _write_hotspots(out_dir: Path, rng: np.random.Generator) -> dict[str, int]:
    gus = [0, 0, 0, 0, 1, 2]
    items = [_hotspot(rng, 6_713_451 + i, "2025066", gu, i + 1) for i, gu in enumerate(gus)]
    del items[1]["geom_json"]  # geom_json may be missing (§3.2)
    items[2]["la_crd"], items[2]["lo_crd"] = "0", "0"
    one = _hotspot(rng, 6_800_001, "2025108", 0, 1)
    for relpath, document in ((SCHOOLZONE_RELPATH, _koroad_page(items, len(items))), (FREQUENTZONE_RELPATH, _koroad_page(one, 1))):
        write_json(out_dir / relpath, document)
    return {SCHOOLZONE_RELPATH: len(items), FREQUENTZONE_RELPATH: 1}


# ======================================================================================
# Parking
# ======================================================================================

PARKING_DIRTY = ("blank_coords", "zero_coords", "spaces_text", "conflicting_duplicate")


def _lots(rng: np.random.Generator, area: np.ndarray) -> pl.DataFrame:
    n = len(area)
    table = _area_table()
    road, lot = _addresses(rng, area)
    lat, lon = _coordinates(rng, area)
    public = rng.random(n) < 0.6
    paid = rng.random(n) < 0.7
    codes = _pick([a.code for a in table], area)
    number = pl.Series(np.arange(1, n + 1)).cast(pl.String).str.zfill(6)
    def column(values) -> pl.Series:
        return pl.Series([str(v) for v in values], dtype=pl.String)
    return pl.DataFrame({
        "주차장관리번호": codes.str.slice(0, 3) + "-" + pl.Series(np.where(public, "1", "2").tolist()) + "-" + number,
        "주차장명": _pick(NAME_STEMS, rng.integers(0, len(NAME_STEMS), n)) + pl.Series(np.where(public, "공영주차장", "주차장").tolist()),
        "주차장구분": column(np.where(public, "공영", "민영")),
        "주차장유형": _pick(("노상", "노외", "부설"), rng.integers(0, 3, n)),
        "소재지도로명주소": road,
        "소재지지번주소": lot,
        "주차구획수": column(rng.integers(5, 400, n)),
        "급지구분": _pick(("1", "2", "3", "기타"), rng.integers(0, 4, n)),
        "부제시행구분": _pick(("미시행", "2부제", "5부제"), rng.choice(3, n, p=(0.9, 0.05, 0.05))),
        "운영요일": _pick(("평일+토요일+공휴일", "평일", "평일+토요일"), rng.integers(0, 3, n)),
        "평일운영시작시각": column(["09:00"] * n), "평일운영종료시각": column(["21:00"] * n),
        "토요일운영시작시각": column(["09:00"] * n), "토요일운영종료시각": column(["18:00"] * n),
        "공휴일운영시작시각": column(["00:00"] * n), "공휴일운영종료시각": column(["00:00"] * n),
        "요금정보": column(np.where(paid, "유료", "무료")),
        "주차기본시간": column(np.where(paid, 30, 0)), "주차기본요금": column(np.where(paid, rng.choice([500, 1000, 1500], n), 0)),
        "추가단위시간": column(np.where(paid, 10, 0)), "추가단위요금": column(np.where(paid, rng.choice([200, 300, 500], n), 0)),
        "1일주차권요금적용시간": column([""] * n), "1일주차권요금": column(np.where(paid, "10000", "")),
        "월정기권요금": column(np.where(paid & public, "80000", "")),
        "결제방법": _pick(("카드", "현금+카드", "카드+모바일"), rng.integers(0, 3, n)),
        "특기사항": column([""] * n),
        "관리기관명": _pick([a.agency for a in table], area),
        "전화번호": "02-555-" + pl.Series(rng.integers(0, 10_000, n)).cast(pl.String).str.zfill(4),
        "위도": lat, "경도": lon,
        "장애인전용주차구역보유여부": _pick(("Y", "Y", "N", ""), rng.integers(0, 4, n)),
        "데이터기준일자": column(["2025-12-31"] * n),
        "제공기관코드": codes,
        "제공기관명": _pick([a.agency.removesuffix("청") for a in table], area),
    })


def _write_parking(out_dir: Path, rng: np.random.Generator, gangseo: int, other: int, dirty_rate: float) -> dict[str, int]:
    frame = _lots(rng, _areas(rng, gangseo, other))
    positions = _dirty_positions(rng, frame.height, PARKING_DIRTY, dirty_rate)
    frame = scatter(scatter(frame, "위도", positions["blank_coords"], ""), "경도", positions["blank_coords"], "")
    frame = scatter(scatter(frame, "위도", positions["zero_coords"], "0"), "경도", positions["zero_coords"], "0")
    frame = scatter(frame, "주차구획수", positions["spaces_text"], "약 30")
    conflicting = frame[positions["conflicting_duplicate"]].with_columns(주차구획수=pl.lit("999"))
    frame = _insert_copies(frame, positions["conflicting_duplicate"], conflicting)
    _write_portal_csv(out_dir / PARKING_CSV_RELPATH, frame, parking_lots.CSV_HEADER)
    api = _lots(rng, np.zeros(max(6, gangseo // 2), int)).rename(dict(zip(parking_lots.CSV_HEADER, parking_lots.API_FIELDS)))
    write_json(out_dir / PARKING_API_RELPATH, data_go_kr_page(api.to_dicts(), 1, api.height, API_PAGE_ROWS), indent=1)
    return {PARKING_CSV_RELPATH: frame.height, PARKING_API_RELPATH: api.height}


# ======================================================================================
# Illegal parking enforcement (강서구 per-gu file)
# ======================================================================================

GANGSEO_ADMIN_DONGS = (
    "염창동", "등촌제1동", "등촌제2동", "등촌제3동", "화곡제1동", "화곡제2동", "화곡제3동", "화곡제4동", "화곡본동", "화곡제6동",
    "화곡제8동", "가양제1동", "가양제2동", "가양제3동", "발산제1동", "우장산동", "공항동", "방화제1동", "방화제2동", "방화제3동",
)


def _write_illegal_parking(path: Path, rng: np.random.Generator) -> int:
    counts = rng.integers(800, 9_000, len(GANGSEO_ADMIN_DONGS))
    # every count quoted, with thousands separators, whether it needs quoting or not (as the gu publishes it)
    lines = [f'{i},{dong},"{count:,}"' for i, (dong, count) in enumerate(zip(GANGSEO_ADMIN_DONGS, counts), start=1)]
    lines.append(f'{len(lines) + 1},합계,"{int(counts.sum()):,}"')
    write_lines(path, ["연번,행정동명, 단속건수 ", *lines])
    return len(lines)
