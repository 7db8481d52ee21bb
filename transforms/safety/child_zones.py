"""전국어린이보호구역표준데이터 (korean-public-data.md §2): the 14-column CSV and the standard API JSON.

Field names stay the source's own; the loader derives what needs more than a rename:

* `zone_id`: the source has no id, so a SHA-1 over 관리기관명, 대상시설명 and both addresses;
* `facility_type`: whitespace removed, a combined value ("초등학교+어린이집") keeps its first known type,
  an unknown one becomes 기타 (`facility_type_source` / `facility_type_unknown` keep the original);
* `road_width_m`: "18", "12m", "8~10", "6-8m" → 18, 12, 9, 7 (the midpoint of a range, as public loaders do);
* `in_gangseo` (public_data.gangseo_flag).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from catalog.contracts import get_contract
from transforms.records import ROW_NUMBER, ParseError, normalise_name, read_extract_csv, read_json
from transforms.safety.public_data import api_items, clean, gangseo_flag, items_frame, source_field
from transforms.source import Source

SOURCE_ID = "child_protection_zones"
CSV_HEADER = (
    "시설종류", "대상시설명", "소재지도로명주소", "소재지지번주소", "위도", "경도", "관리기관명", "관할경찰서명",
    "CCTV설치여부", "CCTV설치대수", "보호구역도로폭", "데이터기준일자", "제공기관코드", "제공기관명",
)
API_FIELDS = (
    "fcltyKnd", "trgetFcltyNm", "rdnmadr", "lnmadr", "latitude", "longitude", "institutionNm", "cmptncPolcsttnNm",
    "cctvYn", "cctvNumber", "prtcareaRw", "referenceDate", "insttCode", "insttNm",
)
TYPES = ("초등학교", "유치원", "어린이집", "특수학교", "학원", "기타")
TYPE_ALIASES = {"초교": "초등학교", "병설유치원": "유치원", "국공립어린이집": "어린이집"}
OTHER = "기타"
_WIDTH = r"^(\d+(?:\.\d+)?)(?:[~\-～](\d+(?:\.\d+)?))?$"


def _zone_hash(texts: pl.Series) -> pl.Series:
    return pl.Series([f"Z{hashlib.sha1(t.encode()).hexdigest()[:16]}" for t in texts], dtype=pl.String)


def road_width_m(text: pl.Expr) -> pl.Expr:
    """Metres from the published text: a number or a range, spaces, 'm' and '미터' ignored; else null."""
    bare = text.str.replace_all(r"(?i)\s+|m|미터", "")
    low = bare.str.extract(_WIDTH, 1).cast(pl.Float64)
    high = bare.str.extract(_WIDTH, 2).cast(pl.Float64)
    return ((low + high.fill_null(low)) / 2).cast(pl.String)


def _derive(frame: pl.DataFrame, layout: str) -> pl.DataFrame:
    table = get_contract(SOURCE_ID).table
    field = {c.name: source_field(frame, table, c.name) for c in table.columns}
    kind = clean(field["facility_type"]).str.replace_all(r"\s+", "")
    first = kind.str.extract(r"^([^+,/·&]+)", 1).replace(TYPE_ALIASES)
    known = first.is_in(TYPES)
    identity = [clean(field[c]).fill_null("") for c in ("managing_agency", "facility_name", "road_address", "lot_address")]
    derived = [
        pl.lit(layout).alias("source_layout"),
        pl.concat_str(identity, separator="\x1f").map_batches(_zone_hash, return_dtype=pl.String).alias("zone_id"),
        clean(field["facility_type"]).alias("facility_type_source"),
        pl.when(kind.is_not_null() & ~known).then(pl.lit("true")).otherwise(pl.lit("false")).alias("facility_type_unknown"),
        road_width_m(clean(field["road_width_source"])).alias("road_width_m"),
        gangseo_flag(codes=[clean(field["provider_code"])],
                     addresses=[clean(field["road_address"]), clean(field["lot_address"])]).alias("in_gangseo"),
    ]
    if field["facility_type"]:
        derived.append(pl.when(known).then(first).when(kind.is_not_null()).then(pl.lit(OTHER)).alias(field["facility_type"]))
    return frame.with_columns(derived)


def parse(path: Path, name: str) -> pl.DataFrame:
    """`path` is the UTF-8 text of the landed file `name`: the .csv download or a .json API page."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        frame = read_extract_csv(path, name, SOURCE_ID)
        if not {"시설종류", "대상시설명"} <= {normalise_name(c) for c in frame.columns}:
            found = ", ".join(c for c in frame.columns if c != ROW_NUMBER)
            raise ParseError(f"{name}: not the 어린이보호구역 standard CSV (header: {found}); expected {', '.join(CSV_HEADER)}")
        return _derive(frame, "standard_csv")
    if suffix == ".json":
        items = api_items(read_json(path, name), name)
        if items and not {"fcltyKnd", "trgetFcltyNm"} & set(items[0]):
            raise ParseError(f"{name}: unknown API item fields ({', '.join(sorted(items[0]))}); expected {', '.join(API_FIELDS)}")
        return _derive(items_frame(items, API_FIELDS), "standard_api")
    raise ParseError(f"{name}: child_protection_zones accepts .csv (standard data) or .json (API pages)")


SOURCE = Source(
    SOURCE_ID,
    ("전국어린이보호구역표준데이터 CSV (14 columns, CP949)", "tn_pubr_public_child_prtc_zn_api JSON pages"),
    (".csv", ".json"),
    parse,
)
