"""전국주차장정보표준데이터 (korean-public-data.md §4.1): the 34-column CSV and the standard API JSON.

Field names stay the source's own (including the API's typos, which the contract lists as synonyms);
the loader adds `source_layout` and `in_gangseo` only.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from catalog.contracts import get_contract
from transforms.records import ROW_NUMBER, ParseError, normalise_name, read_extract_csv, read_json
from transforms.safety.public_data import api_items, clean, gangseo_flag, items_frame, source_field
from transforms.source import Source

SOURCE_ID = "parking_lots"
CSV_HEADER = (
    "주차장관리번호", "주차장명", "주차장구분", "주차장유형", "소재지도로명주소", "소재지지번주소", "주차구획수", "급지구분",
    "부제시행구분", "운영요일", "평일운영시작시각", "평일운영종료시각", "토요일운영시작시각", "토요일운영종료시각",
    "공휴일운영시작시각", "공휴일운영종료시각", "요금정보", "주차기본시간", "주차기본요금", "추가단위시간", "추가단위요금",
    "1일주차권요금적용시간", "1일주차권요금", "월정기권요금", "결제방법", "특기사항", "관리기관명", "전화번호", "위도", "경도",
    "장애인전용주차구역보유여부", "데이터기준일자", "제공기관코드", "제공기관명",
)
API_FIELDS = (
    "prkplceNo", "prkplceNm", "prkplceSe", "prkplceType", "rdnmadr", "lnmadr", "prkcmprt", "feedingSe", "enforceSe",
    "operDay", "weekdayOperOpenHhmm", "weekdayOperColseHhmm", "satOperOperOpenHhmm", "satOperCloseHhmm",
    "holidayOperOpenHhmm", "holidayCloseOpenHhmm", "parkingchrgeInfo", "basicTime", "basicCharge", "addUnitTime",
    "addUnitCharge", "dayCmmtktAdjTime", "dayCmmtkt", "monthCmmtkt", "metpay", "spcmnt", "institutionNm",
    "phoneNumber", "latitude", "longitude", "pwdbsPpkZoneYn", "referenceDate", "insttCode", "insttNm",
)


def _derive(frame: pl.DataFrame, layout: str) -> pl.DataFrame:
    table = get_contract(SOURCE_ID).table
    field = {c: source_field(frame, table, c) for c in ("provider_code", "road_address", "lot_address")}
    return frame.with_columns(
        pl.lit(layout).alias("source_layout"),
        gangseo_flag(codes=[clean(field["provider_code"])],
                     addresses=[clean(field["road_address"]), clean(field["lot_address"])]).alias("in_gangseo"),
    )


def parse(path: Path, name: str) -> pl.DataFrame:
    """`path` is the UTF-8 text of the landed file `name`: the .csv download or a .json API page."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        frame = read_extract_csv(path, name, SOURCE_ID)
        if not {"주차장관리번호", "주차장명"} <= {normalise_name(c) for c in frame.columns}:
            found = ", ".join(c for c in frame.columns if c != ROW_NUMBER)
            raise ParseError(f"{name}: not the 주차장정보 standard CSV (header: {found}); expected the 34 columns {', '.join(CSV_HEADER[:4])}, …")
        return _derive(frame, "standard_csv")
    if suffix == ".json":
        items = api_items(read_json(path, name), name)
        if items and "prkplceNo" not in items[0]:
            raise ParseError(f"{name}: unknown API item fields ({', '.join(sorted(items[0]))}); expected prkplceNo, prkplceNm, …")
        return _derive(items_frame(items, API_FIELDS), "standard_api")
    raise ParseError(f"{name}: parking_lots accepts .csv (standard data) or .json (API pages)")


SOURCE = Source(
    SOURCE_ID,
    ("전국주차장정보표준데이터 CSV (34 columns, CP949)", "tn_pubr_prkplce_info_api JSON pages"),
    (".csv", ".json"),
    parse,
)
