"""KOROAD (도로교통공단 TAAS) child accident hotspots (korean-public-data.md §3.1-3.2).

`{"resultCode", "resultMsg", "items": {"item": [...] | {...}}, "totalCount", ...}` with no `response`
wrapper (a wrapped page is accepted too); `""`/`null` items are an empty page. Both services share the
item fields, so the service (`hotspot_kind`) is read from the file name, which the connector writes
after the endpoint (getRestSchoolzoneChild / getRestFrequentzoneChild). `geom_json` stays GeoJSON text.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from catalog.contracts import get_contract
from transforms.records import ParseError, read_json
from transforms.safety.public_data import api_items, clean, gangseo_flag, items_frame, source_field
from transforms.source import Source

SOURCE_ID = "taas_child_hotspots"
ITEM_FIELDS = (
    "afos_fid", "afos_id", "bjd_cd", "spot_cd", "sido_sgg_nm", "spot_nm", "occrrnc_cnt", "caslt_cnt",
    "dth_dnv_cnt", "se_dnv_cnt", "sl_dnv_cnt", "wnd_dnv_cnt", "geom_json", "lo_crd", "la_crd",
)
KINDS = {  # file-name pattern → hotspot_kind
    r"schoolzone|어린이보호구역": "schoolzone_child",
    r"frequentzone_?child|보행어린이": "frequentzone_child",
}


def hotspot_kind(name: str) -> str:
    for pattern, kind in KINDS.items():
        if re.search(pattern, name, re.IGNORECASE):
            return kind
    raise ParseError(f"{name}: cannot tell the KOROAD service from the file name "
                     "(expected schoolzoneChild or frequentzoneChild in it, as the connector writes)")


def parse(path: Path, name: str) -> pl.DataFrame:
    if Path(name).suffix.lower() != ".json":
        raise ParseError(f"{name}: taas_child_hotspots accepts .json (KOROAD API pages)")
    kind = hotspot_kind(name)
    items = api_items(read_json(path, name), name)
    if items and "afos_fid" not in items[0]:
        raise ParseError(f"{name}: unknown KOROAD item fields ({', '.join(sorted(items[0]))}); expected {', '.join(ITEM_FIELDS)}")
    frame = items_frame(items, ITEM_FIELDS)
    table = get_contract(SOURCE_ID).table
    field = {c: source_field(frame, table, c) for c in ("legal_dong_code", "area_name", "spot_name")}
    return frame.with_columns(
        pl.lit(kind).alias("hotspot_kind"),
        gangseo_flag(codes=[], prefixes=[clean(field["legal_dong_code"])],
                     addresses=[clean(field["area_name"]), clean(field["spot_name"])]).alias("in_gangseo"),
    )


SOURCE = Source(
    SOURCE_ID,
    ("KOROAD schoolzoneChild / frequentzoneChild JSON pages (no response wrapper; service named in the file name)",),
    (".json",),
    parse,
)
