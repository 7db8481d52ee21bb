"""전국CCTV표준데이터 in its three generations (korean-public-data.md §1), one parser.

The layout is recognised from the CSV/XLSX header or the JSON item fields and written to `source_layout`;
anything else is refused with a ParseError that lists what was found. Field names stay the source's own
(the contract's synonyms map them); the loader only derives what needs more than a rename:

* `purpose`: whitespace removed, a value outside the 10 codes becomes 기타, and `purpose_source` /
  `purpose_unknown` keep the original and count it (§1.5);
* `installed_month`: YYYY-MM, YYYYMM, YYYY.MM or an Excel date → the first day of the month (§1.1 vs §1.3);
* `camera_id`: 관리번호 when the layout has one, else H + 16 hex of a SHA-1 over the row's fields;
* `in_gangseo` (public_data.gangseo_flag) and `read_on`, the bound of the rule that 설치연월 is not in the future.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from catalog.contracts import Table, get_contract
from transforms.records import ROW_NUMBER, ParseError, normalise_name, read_extract_csv, read_json, string_frame
from transforms.safety.public_data import (
    api_items, clean, gangseo_flag, items_frame, read_on, source_field,
)
from transforms.xlsx import read_xlsx_rows
from transforms.source import Source

SOURCE_ID = "cctv"
PURPOSES = ("생활방범", "다목적", "어린이보호", "교통단속", "교통정보수집", "시설물관리", "재난재해", "쓰레기단속", "차량방범", "기타")
OTHER = "기타"

LOCALDATA_HEADER = (
    "개방자치단체코드", "관리번호", "관리기관명", "소재지도로명주소", "소재지지번주소", "설치목적구분", "카메라대수",
    "카메라화소수", "촬영방면정보", "보관일수", "설치연월", "관리기관전화번호", "WGS84위도", "WGS84경도",
    "데이터기준일자", "데이터갱신구분", "데이터갱신시점", "최종수정시점",
)
STANDARD_15_HEADER = (
    "관리기관명", "소재지도로명주소", "소재지지번주소", "설치목적구분", "카메라대수", "카메라화소수", "촬영방면정보",
    "보관일수", "설치년월", "관리기관전화번호", "위도", "경도", "데이터기준일자", "제공기관코드", "제공기관명",
)
STANDARD_14_HEADER = (
    "번호", "관리기관명", "소재지도로명주소", "소재지지번주소", "설치목적구분", "카메라대수", "카메라화소수",
    "촬영방면정보", "보관일수", "설치연월", "관리기관전화번호", "WGS84위도", "WGS84경도", "데이터기준일자",
)
STANDARD_API_FIELDS = (
    "institutionNm", "rdnmadr", "lnmadr", "installationPurpsType", "cctvNumber", "cctvPixel", "potogrfInfo",
    "cstdyDay", "installationYymm", "phoneNumber", "latitude", "longitude", "referenceDate", "insttCode", "insttNm",
)
CCTV_INFO_FIELDS = (
    "OPN_ATMY_GRP_CD", "MNG_NO", "MNG_INST_NM", "LCTN_ROAD_NM_ADDR", "LCTN_LOTNO_ADDR", "INSTL_PRPS_SE_NM",
    "CAM_CNTOM", "CAM_PIXEL_CNT", "SHT_ANGLE_INFO", "KPNG_DAY_CNT", "INSTL_YM", "MNG_INST_TELNO", "WGS84_LAT",
    "WGS84_LOT", "DAT_CRTR_YMD", "DAT_UPDT_SE", "DAT_UPDT_PNT", "LAST_MDFCN_PNT",
)
_CORE = {"관리기관명", "설치목적구분", "카메라대수"}  # every CCTV CSV generation has these
_SEQUENCE = "번호"  # the 14-column variant's row counter: not part of a row's identity


def _csv_layout(columns: list[str], name: str) -> str:
    names = {normalise_name(c) for c in columns}
    if _CORE <= names:
        if {"관리번호", "개방자치단체코드"} & names:
            return "localdata_csv"
        if _SEQUENCE in names or "wgs84위도" in names:
            return "standard_14col"
        if {"제공기관코드", "위도"} & names:
            return "standard_15col"
    found = ", ".join(c for c in columns if c != ROW_NUMBER)
    raise ParseError(
        f"{name}: unknown CCTV CSV layout (header: {found}); expected the LOCALDATA file (개방자치단체코드, 관리번호, …), "
        "the standard 15-column file (…, 위도, 경도, 데이터기준일자, 제공기관코드, 제공기관명) or its 14-column variant (번호, …, WGS84위도)"
    )


def _json_layout(items: list[dict], name: str) -> str:
    if not items:
        return "cctv_info_api"  # an empty page: no row will say which
    keys = set(items[0])
    if {"MNG_NO", "OPN_ATMY_GRP_CD", "INSTL_PRPS_SE_NM"} & keys:
        return "cctv_info_api"
    if {"institutionNm", "installationPurpsType", "cctvNumber"} & keys:
        return "standard_api"
    raise ParseError(f"{name}: unknown CCTV API item fields ({', '.join(sorted(keys))}); expected cctv_info (MNG_NO, …) or tn_pubr_public_cctv_api (institutionNm, …)")


def _month_start(text: pl.Expr) -> pl.Expr:
    """'2020-05', '202005', '2020.5', an Excel date '2020-05-01T00:00:00' → '2020-05-01'; anything else is
    left for the validator to refuse."""
    return (text.str.replace(r"^(\d{4})-(\d{2})-\d{2}(T00:00:00)?$", "${1}-${2}")
            .str.replace(r"^(\d{4})[-./]?(\d{2})$", "${1}-${2}-01")
            .str.replace(r"^(\d{4})[-./](\d)$", "${1}-0${2}-01"))


def _xlsx_frame(path: Path, name: str) -> pl.DataFrame:
    """The first sheet of a per-지자체 workbook: the header is the first row naming 관리기관명 (title rows above
    it are skipped); row numbers are sheet rows; Excel dates lose their T00:00:00."""
    rows = read_xlsx_rows(path, name)
    start = next((i for i, (_, cells) in enumerate(rows) if "관리기관명" in {normalise_name(c) for c in cells}), None)
    if start is None:
        raise ParseError(f"{name}: no header row naming 관리기관명 in the first sheet")
    header = [c.replace("\ufeff", "").strip() for c in rows[start][1]]
    fields = [(i, h) for i, h in enumerate(header) if h]
    records = [{h: (cells[i].removesuffix("T00:00:00") if i < len(cells) else None) for i, h in fields}
               for _, cells in rows[start + 1:]]
    return string_frame(records, [h for _, h in fields], [number for number, _ in rows[start + 1:]])


def _row_hash(texts: pl.Series) -> pl.Series:
    return pl.Series([f"H{hashlib.sha1(t.encode()).hexdigest()[:16]}" for t in texts], dtype=pl.String)


def _derive(frame: pl.DataFrame, layout: str, table: Table) -> pl.DataFrame:
    field = {c.name: source_field(frame, table, c.name) for c in table.columns}
    purpose_text = clean(field["purpose"]).str.replace_all(r"\s+", "")
    known = purpose_text.is_in(PURPOSES)
    if field["camera_id"]:
        camera_id = clean(field["camera_id"])
    else:
        content = [clean(f).fill_null("") for f in frame.columns if f not in (ROW_NUMBER, _SEQUENCE)]
        camera_id = pl.concat_str(content, separator="\x1f").map_batches(_row_hash, return_dtype=pl.String)
    derived = [
        pl.lit(layout).alias("source_layout"),
        read_on(),
        clean(field["purpose"]).alias("purpose_source"),
        pl.when(purpose_text.is_not_null() & ~known).then(pl.lit("true")).otherwise(pl.lit("false")).alias("purpose_unknown"),
        camera_id.alias(field["camera_id"] or "camera_id"),
        gangseo_flag(codes=[clean(field["local_gov_code"]), clean(field["provider_code"])],
                     addresses=[clean(field["road_address"]), clean(field["lot_address"])]).alias("in_gangseo"),
    ]
    if field["purpose"]:
        derived.append(pl.when(known).then(purpose_text).when(purpose_text.is_not_null()).then(pl.lit(OTHER))
                       .alias(field["purpose"]))
    if field["installed_month"]:
        derived.append(_month_start(clean(field["installed_month"])).alias(field["installed_month"]))
    return frame.with_columns(derived)


def parse(path: Path, name: str) -> pl.DataFrame:
    """`path` is the UTF-8 text of the landed file `name` (.csv in three header layouts, .json of either API),
    or the landed .xlsx itself."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        frame = read_extract_csv(path, name, SOURCE_ID)
        layout = _csv_layout(frame.columns, name)
    elif suffix == ".xlsx":
        frame = _xlsx_frame(path, name)
        layout = _csv_layout(frame.columns, name)
    elif suffix == ".json":
        items = api_items(read_json(path, name), name)
        layout = _json_layout(items, name)
        frame = items_frame(items, CCTV_INFO_FIELDS if layout == "cctv_info_api" else STANDARD_API_FIELDS)
    else:
        raise ParseError(f"{name}: cctv accepts .csv (LOCALDATA or standard data), .xlsx (a 지자체 workbook) or .json (API pages)")
    return _derive(frame, layout, get_contract(SOURCE_ID).table)


SOURCE = Source(
    SOURCE_ID,
    ("LOCALDATA cctv_info CSV (18 columns, CP949)", "standard CSV (15 columns)",
     "14-column 번호/설치연월/WGS84위도 variant (per-지자체 XLSX or CSV)",
     "tn_pubr_public_cctv_api JSON pages", "1741000/cctv_info API JSON pages"),
    (".csv", ".json", ".xlsx"),
    parse,
    binary_suffixes=(".xlsx",),
)
