"""Safety sources: one Source per contract in catalog/contracts/safety/."""

from transforms.safety import cctv, child_zones, illegal_parking, parking_lots, taas
from transforms.safety import disabled_parking, smart_poles, wildfire_weather
from transforms.source import Source

SOURCES: tuple[Source, ...] = (
    # Public sources (korean-public-data.md §1-§4)
    Source(
        "cctv",
        ("LOCALDATA cctv_info CSV (18 columns, CP949)", "standard CSV (15 columns)",
         "14-column 번호/설치연월/WGS84위도 variant (per-지자체 XLSX or CSV)",
         "tn_pubr_public_cctv_api JSON pages", "1741000/cctv_info API JSON pages"),
        (".csv", ".json", ".xlsx"),
        cctv.parse,
        binary_suffixes=(".xlsx",),
    ),
    Source(
        "child_protection_zones",
        ("전국어린이보호구역표준데이터 CSV (14 columns, CP949)", "tn_pubr_public_child_prtc_zn_api JSON pages"),
        (".csv", ".json"),
        child_zones.parse,
    ),
    Source(
        "taas_child_hotspots",
        ("KOROAD schoolzoneChild / frequentzoneChild JSON pages (no response wrapper; service named in the file name)",),
        (".json",),
        taas.parse,
    ),
    Source(
        "parking_lots",
        ("전국주차장정보표준데이터 CSV (34 columns, CP949)", "tn_pubr_prkplce_info_api JSON pages"),
        (".csv", ".json"),
        parking_lots.parse,
    ),
    Source(
        "illegal_parking_enforcement",
        ("서울특별시 강서구_불법주정차 단속 현황 CSV (CP949, header ' 단속건수 ', date in the file name)",),
        (".csv",),
        illegal_parking.parse,
    ),
    # Internal sources (synthetic schemas designed from §2-§4, §11; transforms/synthetic/safety_internal.py)
    Source(
        "smart_pole_counts",
        ("smart-pole platform CSV, one row per pole per 15 minutes, Korean headers, CP949 or UTF-8 (synthetic schema)",),
        (".csv",),
        smart_poles.parse,
    ),
    Source(
        "disabled_parking_events",
        ("disabled-parking enforcement event CSV, one row per sensor event, Korean headers, CP949 or UTF-8 (synthetic schema)",),
        (".csv",),
        disabled_parking.parse,
    ),
    Source(
        "wildfire_weather",
        ("KMA ASOS/AWS hourly CSV layout (지점, 지점명, 일시, elements with QC flags), CP949 or UTF-8, one station per hill area (synthetic)",),
        (".csv",),
        wildfire_weather.parse,
    ),
)
