"""Public safety sources (korean-public-data.md §1-§4): every format and variant from real-layout samples,
the tolerance rules, and bad files with their documented outcome and exact row accounting.

Documented outcomes (contracts under catalog/contracts/safety/):
* unknown layout, truncated JSON, undecodable bytes, a missing coordinate column: the file fails, naming
  itself and the problem, and stays in landing as `failed`;
* a truncated CSV keeps its ragged last row, quarantined with `missing_value:<first required column>`;
* 0/0, swapped or out-of-Korea coordinates: `out_of_range:latitude`; blank ones: `missing_value:latitude`
  (parking lots: blank coordinates load as null);
* non-numeric counts: `bad_value:<count>`; negative 보관일수: `out_of_range:retention_days`;
  a 설치연월 in the future: `rule:installed_not_in_future`;
* duplicates: a later row with the same key, exact or conflicting, is `duplicate_key` (the first wins and
  the quarantine record keeps the conflicting values); files without 관리번호 key on a content hash, so a
  changed row there is another camera;
* an unknown 설치목적구분 loads as 기타 with `purpose_source` and `purpose_unknown` (the count).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from catalog.contracts import get_contract
from transforms.ingest import IngestFailed, ingest_file
from lake.session import lake_session
from transforms.encoding import decode_to_utf8
from transforms.file_check import slices
from transforms.records import ParseError, SchemaMismatch, map_to_contract, validate
from transforms.safety import cctv, child_zones, illegal_parking, parking_lots, taas
from transforms.safety.public_data import api_items
from transforms.sources import get_source
from synthetic import safety_public as gen
from synthetic.registry import Options, generate

from conftest import SAMPLES, check_file_rows

SOURCE_IDS = ("cctv", "child_protection_zones", "taas_child_hotspots", "parking_lots", "illegal_parking_enforcement")
LOCALDATA = SAMPLES / gen.LOCALDATA_RELPATH


def load(source_id: str, path: Path, tmp_path: Path):
    """What ingest does without the lake: decode, parse, map through the synonyms, validate."""
    source = get_source(source_id)
    text = path if source.is_binary(path) else decode_to_utf8(path, tmp_path / f"{path.name}.utf8")[1]
    frame = pl.concat(list(slices(source.parse(text, path.name), 1 << 30)))  # the parser's rows, as strings
    rows, checked, unmapped = check_file_rows(source_id, path, tmp_path)
    assert frame.height == rows == checked.loaded.height + checked.quarantined.height
    return frame, checked, unmapped


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def csv_line(values: dict[str, str], header: tuple[str, ...]) -> str:
    return ",".join(values.get(h, "") for h in header)


CAMERA = {  # one valid LOCALDATA row
    "개방자치단체코드": "3150000", "관리번호": "202631500000000001", "관리기관명": "서울특별시 강서구청",
    "소재지도로명주소": "서울특별시 강서구 화곡로 1", "설치목적구분": "생활방범", "카메라대수": "2", "카메라화소수": "200",
    "보관일수": "30", "설치연월": "202005", "WGS84위도": "37.55", "WGS84경도": "126.85", "데이터기준일자": "2026-05-18",
}


def localdata(tmp_path: Path, *rows: dict[str, str], name: str = "cctv.csv", header=cctv.LOCALDATA_HEADER) -> Path:
    lines = [",".join(header), *(csv_line({**CAMERA, **row}, header) for row in rows)]
    return write(tmp_path, name, "\r\n".join(lines) + "\r\n", "cp949")


# --- the committed samples ----------------------------------------------------------------------------


def test_committed_samples_are_the_generator_output_small_and_labelled(tmp_path):
    counts = generate(tmp_path, SOURCE_IDS)
    assert {relpath.split("/")[0] for relpath in counts} == set(SOURCE_IDS)
    for relpath in counts:
        assert (tmp_path / relpath).read_bytes() == (SAMPLES / relpath).read_bytes(), f"{relpath}: regenerate the samples"
        assert "SYNTHETIC" in relpath and (SAMPLES / relpath).stat().st_size < 50_000
    for source_id in SOURCE_IDS:  # nothing else in the committed folders
        assert {p.name for p in (SAMPLES / source_id).iterdir()} == {Path(r).name for r in counts if r.startswith(f"{source_id}/")}


def test_generator_scales_the_national_files_and_keeps_gangseo_floors(tmp_path):
    counts = generate(tmp_path, SOURCE_IDS, Options(scale=0.001, dirty_rate=0.0))
    assert counts[gen.LOCALDATA_RELPATH] == gen.MIN_GANGSEO_CCTV + round((gen.NATIONAL_CCTV - gen.GANGSEO_CCTV) * 0.001)
    assert counts[gen.ZONES_CSV_RELPATH] == gen.MIN_GANGSEO_ZONES + round((gen.NATIONAL_ZONES - gen.GANGSEO_ZONES) * 0.001)
    _, checked, _ = load("cctv", tmp_path / gen.LOCALDATA_RELPATH, tmp_path)
    assert checked.quarantined.height == 0  # dirty_rate 0: every row valid
    generate(tmp_path / "other_seed", SOURCE_IDS, Options(scale=0.001, seed=7, dirty_rate=0.0))
    assert (tmp_path / "other_seed" / gen.LOCALDATA_RELPATH).read_bytes() != (tmp_path / gen.LOCALDATA_RELPATH).read_bytes()


def test_sample_encodings_are_the_real_ones(tmp_path):
    expected = {gen.LOCALDATA_RELPATH: "cp949", gen.CCTV_15_RELPATH: "cp949", gen.CCTV_14_RELPATH: "utf-8-sig",
                gen.ZONES_CSV_RELPATH: "cp949", gen.PARKING_CSV_RELPATH: "cp949", gen.ILLEGAL_PARKING_RELPATH: "cp949",
                gen.SCHOOLZONE_RELPATH: "utf-8"}
    for relpath, encoding in expected.items():
        assert decode_to_utf8(SAMPLES / relpath, tmp_path / "x")[0] == encoding, relpath


SAMPLE_OUTCOMES = [  # file, source, layout, rows, loaded, reasons, rows in 강서구 among the loaded
    (gen.LOCALDATA_RELPATH, "cctv", "localdata_csv", 37, 29,
     {"bad_value:camera_count": 1, "duplicate_key": 2, "missing_value:latitude": 1, "out_of_range:latitude": 2,
      "out_of_range:retention_days": 1, "rule:installed_not_in_future": 1}, 19),
    (gen.CCTV_15_RELPATH, "cctv", "standard_15col", 15, 14, {"duplicate_key": 1}, 12),
    (gen.CCTV_14_RELPATH, "cctv", "standard_14col", 14, 13, {"out_of_range:latitude": 1}, 11),
    (gen.CCTV_14_XLSX_RELPATH, "cctv", "standard_14col", 14, 13, {"bad_value:camera_count": 1}, 11),
    (gen.CCTV_STANDARD_API.format(1), "cctv", "standard_api", 14, 13, {"missing_value:latitude": 1}, 11),
    (gen.CCTV_INFO_API.format(1), "cctv", "cctv_info_api", 14, 14, {}, 12),
    (gen.ZONES_CSV_RELPATH, "child_protection_zones", "standard_csv", 17, 15, {"duplicate_key": 1, "out_of_range:latitude": 1}, 11),
    (gen.ZONES_API_RELPATH, "child_protection_zones", "standard_api", 6, 6, {}, 6),
    (gen.SCHOOLZONE_RELPATH, "taas_child_hotspots", None, 6, 5, {"out_of_range:latitude": 1}, 3),
    (gen.FREQUENTZONE_RELPATH, "taas_child_hotspots", None, 1, 1, {}, 1),
    (gen.PARKING_CSV_RELPATH, "parking_lots", "standard_csv", 17, 14, {"bad_value:spaces": 1, "duplicate_key": 1, "out_of_range:latitude": 1}, 11),
    (gen.PARKING_API_RELPATH, "parking_lots", "standard_api", 6, 6, {}, 6),
    (gen.ILLEGAL_PARKING_RELPATH, "illegal_parking_enforcement", None, 21, 21, {}, None),
]


@pytest.mark.parametrize(("relpath", "source_id", "layout", "rows", "loaded", "reasons", "gangseo"), SAMPLE_OUTCOMES,
                         ids=[Path(o[0]).name for o in SAMPLE_OUTCOMES])
def test_each_sample_format_parses_with_exact_accounting(tmp_path, relpath, source_id, layout, rows, loaded, reasons, gangseo):
    frame, checked, unmapped = load(source_id, SAMPLES / relpath, tmp_path)
    assert (frame.height, checked.loaded.height, checked.reasons) == (rows, loaded, reasons)
    if layout:
        assert set(checked.loaded["source_layout"]) == {layout}
    if gangseo is not None:
        assert checked.loaded["in_gangseo"].sum() == gangseo


def test_localdata_sample_tolerance_and_gangseo_flag(tmp_path):
    frame, checked, _ = load("cctv", LOCALDATA, tmp_path)
    rows = checked.loaded
    unknown = rows.filter(pl.col("purpose_unknown"))
    assert unknown.select("purpose", "purpose_source").rows() == [("기타", "방범용")]  # the count is visible: 1
    assert rows.filter(pl.col("purpose_source") == "생활 방범")["purpose"].to_list() == ["생활방범"]
    assert set(rows["purpose"]) <= set(cctv.PURPOSES)
    police = rows.filter(pl.col("managing_agency") == gen.POLICE)
    assert police.height >= 1 and police["in_gangseo"].all()  # a police camera in 강서구 counts, by its address
    busan = frame.filter(pl.col("소재지도로명주소").str.starts_with("부산광역시 강서구"))  # loaded or not, flagged
    assert busan.height >= 1 and set(busan["in_gangseo"]) == {"false"}  # the other 강서구 does not count
    assert rows.filter(pl.col("in_gangseo"))["local_gov_code"].unique().to_list() == ["3150000"]
    assert rows.filter(pl.col("road_address").str.contains(", 2층")).height >= 1  # quoted commas survive
    assert rows["installed_month"].dt.day().unique().to_list() == [1]


def test_duplicates_exact_and_conflicting_in_the_localdata_sample(tmp_path):
    frame, checked, _ = load("cctv", LOCALDATA, tmp_path)
    dups = checked.quarantined.filter(pl.col("reason_code") == "duplicate_key")
    assert dups.height == 2
    for row_number, record in zip(dups["_row_number"], dups["record"]):
        duplicate = json.loads(record)
        first = checked.loaded.filter(pl.col("camera_id") == duplicate["camera_id"])
        assert first.height == 1 and first["_row_number"][0] < row_number  # the first wins
    counts = {json.loads(r)["camera_count"] for r in dups["record"]}
    assert len(counts) == 2  # one identical copy, one with a conflicting 카메라대수 kept for review


def test_old_generation_files_key_on_content_so_only_exact_duplicates_are_caught(tmp_path):
    row = {**CAMERA, "설치년월": "2019-11", "위도": "37.55", "경도": "126.85", "제공기관코드": "3150000"}
    changed = {**row, "카메라대수": "3"}
    path = write(tmp_path, "old.csv", "\n".join([",".join(cctv.STANDARD_15_HEADER)] +
                                                [csv_line(r, cctv.STANDARD_15_HEADER) for r in (row, row, changed)]) + "\n", "cp949")
    _, checked, _ = load("cctv", path, tmp_path)
    assert checked.reasons == {"duplicate_key": 1} and checked.quarantined["_row_number"].to_list() == [2]
    ids = checked.loaded["camera_id"].to_list()
    assert len(set(ids)) == 2 and all(i.startswith("H") and len(i) == 17 for i in ids)


def test_fourteen_column_variant_aliases_and_sequence_column(tmp_path):
    _, checked, unmapped = load("cctv", SAMPLES / gen.CCTV_14_RELPATH, tmp_path)
    assert unmapped == ["번호"]
    assert checked.loaded["latitude"].null_count() == 0 and checked.loaded["installed_month"].null_count() > 0  # blank 설치연월


def test_fourteen_column_workbook_skips_its_title_row_and_reads_typed_cells(tmp_path):
    frame, checked, unmapped = load("cctv", SAMPLES / gen.CCTV_14_XLSX_RELPATH, tmp_path)
    assert frame["_row_number"].min() == 3 and unmapped == ["번호"]  # sheet rows: title, header, data
    assert set(checked.loaded["data_reference_date"].cast(pl.String)) == {"2020-04-30"}  # a date cell
    assert checked.loaded["camera_count"].dtype == pl.Int32 and checked.loaded["latitude"].min() > 33  # number cells
    assert json.loads(checked.quarantined["record"][0])["camera_count"] == "2대"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes((SAMPLES / gen.CCTV_14_XLSX_RELPATH).read_bytes()[:800])
    with pytest.raises(ParseError, match=r"broken\.xlsx: not a readable \.xlsx workbook"):
        cctv.parse(broken, broken.name)


def test_standard_api_null_strings_and_values_as_strings(tmp_path):
    frame, checked, _ = load("cctv", SAMPLES / gen.CCTV_STANDARD_API.format(1), tmp_path)
    page = json.loads((SAMPLES / gen.CCTV_STANDARD_API.format(1)).read_text(encoding="utf-8"))
    assert all(isinstance(v, str) for item in page["response"]["body"]["items"] for v in item.values())
    assert checked.loaded.filter(pl.col("_row_number") == 1)["road_address"].to_list() == [None]  # "null"
    assert checked.quarantined["reason_code"].to_list() == ["missing_value:latitude"]
    assert json.loads(checked.quarantined["record"][0])["latitude"] == "null"  # the record keeps the text as sent


def test_cctv_info_api_unknown_purpose_is_counted(tmp_path):
    _, checked, _ = load("cctv", SAMPLES / gen.CCTV_INFO_API.format(1), tmp_path)
    assert checked.loaded.filter(pl.col("purpose_unknown")).select("purpose", "purpose_source").rows() == [("기타", "CCTV")]


# --- CCTV layouts and envelopes -------------------------------------------------------------------------


def test_unknown_csv_layout_is_refused_with_the_header(tmp_path):
    path = write(tmp_path, "cameras.csv", "카메라,위치\n1,강서구\n")
    with pytest.raises(ParseError, match=r"cameras\.csv: unknown CCTV CSV layout \(header: 카메라, 위치\)"):
        load("cctv", path, tmp_path)


def test_unknown_api_item_fields_are_refused(tmp_path):
    path = write(tmp_path, "page.json", json.dumps({"response": {"header": {"resultCode": "00"}, "body": {"items": [{"foo": "1"}]}}}))
    with pytest.raises(ParseError, match=r"page\.json: unknown CCTV API item fields \(foo\)"):
        load("cctv", path, tmp_path)


def test_api_error_result_is_a_parse_error(tmp_path):
    page = {"response": {"header": {"resultCode": "30", "resultMsg": "SERVICE KEY IS NOT REGISTERED ERROR."}}}
    with pytest.raises(ParseError, match="API result 30: SERVICE KEY IS NOT REGISTERED ERROR"):
        load("cctv", write(tmp_path, "err.json", json.dumps(page)), tmp_path)


@pytest.mark.parametrize("page", [
    {"response": {"header": {"resultCode": "03", "resultMsg": "NODATA_ERROR"}, "body": {}}},
    {"response": {"header": {"resultCode": "00"}, "body": {"items": "", "totalCount": "0"}}},
    {"response": {"header": {"resultCode": "0"}, "body": {"items": {"item": []}, "totalCount": 0}}},
    {"resultCode": "00", "resultMsg": "NORMAL_CODE", "items": None, "totalCount": 0},
], ids=["nodata", "empty-string", "empty-list", "koroad-null"])
def test_empty_pages_load_no_rows(tmp_path, page):
    _, checked, _ = load("cctv", write(tmp_path, "empty.json", json.dumps(page)), tmp_path)
    assert checked.loaded.height == checked.quarantined.height == 0


def test_a_list_of_pages_and_items_item_shapes_all_read():
    item = {"MNG_NO": "1", "WGS84_LAT": "37.5"}
    pages = [{"response": {"header": {"resultCode": "0"}, "body": {"items": {"item": [item, item]}}}},
             {"response": {"header": {"resultCode": "0"}, "body": {"items": {"item": item}}}}]
    assert len(api_items(pages, "p.json")) == 3
    assert api_items({"resultCode": "00", "items": {"item": {"afos_fid": 7, "x": 1.5, "g": {"type": "Polygon"}}}}, "k.json") == \
        [{"afos_fid": "7", "x": "1.5", "g": '{"type":"Polygon"}'}]


def test_header_bom_whitespace_null_tokens_and_codes_as_strings(tmp_path):
    header = ["\ufeff 개방자치단체코드 ", *cctv.LOCALDATA_HEADER[1:]]
    row = {**CAMERA, "소재지지번주소": "null", "촬영방면정보": "-", "관리번호": " 000000000000000042 ", "설치목적구분": " 다목적 "}
    path = write(tmp_path, "bom.csv", "\ufeff" + ",".join(header) + "\n" + csv_line(row, cctv.LOCALDATA_HEADER) + "\n")
    _, checked, _ = load("cctv", path, tmp_path)
    got = checked.loaded.select("local_gov_code", "camera_id", "lot_address", "view_direction", "purpose").row(0)
    assert got == ("3150000", "000000000000000042", None, None, "다목적")


def test_header_aliases_of_the_api_and_csv_generations_meet_on_one_contract(tmp_path):
    page = {"response": {"header": {"resultCode": "0"}, "body": {"items": {"item": [
        {"OPN_ATMY_GRP_CD": "3150000", "MNG_NO": "202631500000000009", "MNG_INST_NM": "서울특별시 강서구청",
         "INSTL_PRPS_SE_NM": "어린이보호", "CAM_CNTOM": "2", "KPNG_DAY_CNT": "30", "INSTL_YM": "2022-08",
         "WGS84_LAT": "37.55", "WGS84_LOT": "126.85", "DAT_CRTR_YMD": "2026-06-30", "DAT_UPDT_SE": ""}]}}}}
    _, from_api, _ = load("cctv", write(tmp_path, "api.json", json.dumps(page)), tmp_path)
    from_csv = load("cctv", localdata(tmp_path, {"관리번호": "202631500000000009", "설치목적구분": "어린이보호",
                                                 "설치연월": "202208", "데이터기준일자": "2026-06-30"}), tmp_path)[1]
    columns = ["camera_id", "local_gov_code", "purpose", "camera_count", "retention_days", "installed_month", "latitude", "in_gangseo"]
    assert from_api.loaded.select(columns).rows() == from_csv.loaded.select(columns).rows()


@pytest.mark.parametrize(("month", "expected"), [("202005", "2020-05-01"), ("2020-05", "2020-05-01"), ("2020.5", "2020-05-01"),
                                                  ("", None)])
def test_installation_month_spellings(tmp_path, month, expected):
    _, checked, _ = load("cctv", localdata(tmp_path, {"설치연월": month}), tmp_path)
    value = checked.loaded["installed_month"][0]
    assert (value.isoformat() if value else None) == expected


# --- bad files through ingest, with exact row accounting -------------------------------------------------


def lake_counts(settings, source_id: str) -> tuple[int, int]:
    with lake_session(settings, read_only=True) as con:
        return (con.execute(f"SELECT count(*) FROM lake.raw_identified.{source_id}").fetchone()[0],
                con.execute(f"SELECT count(*) FROM lake.quarantine.{source_id}").fetchone()[0])


def test_localdata_sample_ingests_through_the_lake_with_the_purpose_count(settings):
    result = ingest_file(settings, "cctv", LOCALDATA, "t1")
    assert (result.status, result.encoding, result.rows, result.loaded, result.quarantined) == ("loaded", "cp949", 37, 29, 8)
    assert lake_counts(settings, "cctv") == (29, 8)
    with lake_session(settings, read_only=True) as con:
        unknown, gangseo = con.execute("SELECT count(*) FILTER (purpose_unknown), count(*) FILTER (in_gangseo) FROM lake.raw_identified.cctv").fetchone()
    assert (unknown, gangseo) == (1, 19)


@pytest.mark.parametrize("relpath", [o[0] for o in SAMPLE_OUTCOMES if o[0] != gen.LOCALDATA_RELPATH],
                         ids=[Path(o[0]).name for o in SAMPLE_OUTCOMES if o[0] != gen.LOCALDATA_RELPATH])
def test_every_other_sample_ingests(settings, relpath):
    outcome = next(o for o in SAMPLE_OUTCOMES if o[0] == relpath)
    result = ingest_file(settings, outcome[1], SAMPLES / relpath, "t1")
    assert (result.status, result.rows, result.loaded, result.reasons) == ("loaded", outcome[3], outcome[4], outcome[5])


def assert_failed(settings, source_id: str, path: Path, problem: str) -> None:
    with pytest.raises(IngestFailed, match=f"{path.name}.*{problem}"):
        ingest_file(settings, source_id, path, "t1")
    assert list((settings.landing_dir / source_id).glob(f"*/{path.name}"))
    with lake_session(settings, read_only=True) as con:
        status, error = con.execute("SELECT status, error FROM lake.landing.files").fetchone()
    assert status == "failed" and problem in error


def test_truncated_csv_keeps_its_last_row_in_quarantine(settings, tmp_path):
    whole = localdata(tmp_path, *({"관리번호": str(i)} for i in range(1, 7))).read_bytes()
    path = tmp_path / "cut.csv"
    path.write_bytes(whole[:whole.rindex("서울특별시 강서구 화곡로".encode("cp949"))])  # the sixth row stops in its address
    result = ingest_file(settings, "cctv", path, "t1")
    assert (result.rows, result.loaded, result.quarantined) == (6, 5, 1)
    assert result.reasons == {"missing_value:camera_count": 1}
    with lake_session(settings, read_only=True) as con:
        assert con.execute("SELECT _row_number, reason_detail FROM lake.quarantine.cctv").fetchone() == (
            6, "missing_value:camera_count; missing_value:latitude; missing_value:longitude; missing_value:data_reference_date")


def test_truncated_json_page_fails(settings, tmp_path):
    path = tmp_path / "cut_page.json"
    path.write_bytes((SAMPLES / gen.CCTV_INFO_API.format(1)).read_bytes()[:500])
    assert_failed(settings, "cctv", path, "not valid JSON")


def test_mislabeled_encoding_bom_with_cp949_bytes_fails(settings, tmp_path):
    path = tmp_path / "bom_cp949.csv"
    path.write_bytes(b"\xef\xbb\xbf" + LOCALDATA.read_bytes())
    assert_failed(settings, "cctv", path, "unknown encoding")


def test_cp949_json_page_is_detected_and_loads(settings, tmp_path):
    path = tmp_path / "getRestFrequentzoneChild_cp949.json"
    path.write_bytes((SAMPLES / gen.FREQUENTZONE_RELPATH).read_text(encoding="utf-8").encode("cp949"))
    result = ingest_file(settings, "taas_child_hotspots", path, "t1")
    assert (result.encoding, result.rows, result.loaded) == ("cp949", 1, 1)


def test_missing_coordinate_column_fails_the_file(settings, tmp_path):
    header = tuple(h for h in cctv.LOCALDATA_HEADER if h != "WGS84위도")
    path = localdata(tmp_path, {}, name="no_lat.csv", header=header)
    assert_failed(settings, "cctv", path, r"missing required columns: latitude")


def test_bad_values_each_get_their_reason(settings, tmp_path):
    path = localdata(tmp_path,
                     {"관리번호": "1"},
                     {"관리번호": "2", "카메라대수": "두대"},            # non-numeric count
                     {"관리번호": "3", "보관일수": "-1"},               # negative retention
                     {"관리번호": "4", "설치연월": "209912"},            # future date
                     {"관리번호": "5", "WGS84위도": "0", "WGS84경도": "0"},  # 0/0
                     {"관리번호": "6", "WGS84위도": "126.85", "WGS84경도": "37.55"},  # swapped
                     {"관리번호": "7", "WGS84위도": ""},                # blank
                     {"관리번호": "8", "설치목적구분": "방범용"},         # unknown purpose: loaded as 기타
                     {"관리번호": "1"},                                 # exact duplicate
                     {"관리번호": "8", "카메라대수": "9"})              # conflicting duplicate
    result = ingest_file(settings, "cctv", path, "t1")
    assert (result.rows, result.loaded, result.quarantined) == (10, 2, 8)
    assert result.reasons == {"bad_value:camera_count": 1, "out_of_range:retention_days": 1, "rule:installed_not_in_future": 1,
                              "out_of_range:latitude": 2, "missing_value:latitude": 1, "duplicate_key": 2}
    with lake_session(settings, read_only=True) as con:
        moved = con.execute("SELECT count(*) FROM lake.raw_identified.cctv WHERE latitude NOT BETWEEN 33 AND 39").fetchone()[0]
        swapped = con.execute("SELECT record FROM lake.quarantine.cctv WHERE _row_number = 6").fetchone()[0]
    assert moved == 0 and json.loads(swapped)["latitude"] == "126.85"  # quarantined as published, never moved


# --- child protection zones ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "metres"), [("18", 18.0), ("12m", 12.0), ("8~10", 9.0), ("6-8", 7.0), ("6 - 8 m", 7.0),
                                              ("10 미터", 10.0), ("왕복2차로", None), ("", None)])
def test_road_width_text_to_metres(text, metres):
    value = pl.select(child_zones.road_width_m(pl.lit(text, pl.String).replace("", None))).item()
    assert (float(value) if value is not None else None) == metres


def test_zone_facility_types_are_canonical_with_the_original_kept(tmp_path):
    _, checked, _ = load("child_protection_zones", SAMPLES / gen.ZONES_CSV_RELPATH, tmp_path)
    rows = checked.loaded
    assert set(rows["facility_type"]) <= set(child_zones.TYPES)
    by_source = dict(zip(rows["facility_type_source"], rows["facility_type"]))
    assert by_source["초등학교+어린이집"] == "초등학교" and by_source["유치원"] == "유치원" and by_source["놀이시설"] == "기타"
    assert rows.filter(pl.col("facility_type_unknown"))["facility_type_source"].to_list() == ["놀이시설"]
    assert rows.filter(pl.col("cctv_installed").not_())["cctv_count"].null_count() == rows.filter(pl.col("cctv_installed").not_()).height
    assert rows["road_width_m"].drop_nulls().min() > 0


def test_zone_api_accepts_la_lo_and_refuses_other_items(tmp_path):
    item = dict(zip(child_zones.API_FIELDS, ["어린이집", "새싹어린이집", "서울특별시 강서구 화곡로 1", "", "", "", "서울특별시 강서구",
                                             "서울강서경찰서", "N", "", "8~10", "2025-09-30", "3150000", "서울특별시 강서구"]))
    del item["latitude"], item["longitude"]
    item |= {"la": "37.55", "lo": "126.85"}
    page = {"response": {"header": {"resultCode": "00"}, "body": {"items": [item]}}}
    _, checked, _ = load("child_protection_zones", write(tmp_path, "zones.json", json.dumps(page)), tmp_path)
    assert checked.loaded.select("latitude", "longitude", "road_width_m", "in_gangseo").row(0) == (37.55, 126.85, 9.0, True)
    with pytest.raises(ParseError, match="not the 어린이보호구역 standard CSV"):
        load("child_protection_zones", write(tmp_path, "x.csv", "a,b\n1,2\n"), tmp_path)


# --- TAAS hotspots --------------------------------------------------------------------------------------


def test_hotspots_single_item_polygon_strings_and_gangseo_by_dong_code(tmp_path):
    _, school, _ = load("taas_child_hotspots", SAMPLES / gen.SCHOOLZONE_RELPATH, tmp_path)
    _, one, _ = load("taas_child_hotspots", SAMPLES / gen.FREQUENTZONE_RELPATH, tmp_path)
    assert set(school.loaded["hotspot_kind"]) == {"schoolzone_child"} and one.loaded["hotspot_kind"].to_list() == ["frequentzone_child"]
    polygon = json.loads(one.loaded["geometry_geojson"][0])
    assert polygon["type"] == "Polygon" and len(polygon["coordinates"][0]) == 33
    assert school.loaded["geometry_geojson"].null_count() == 1  # geom_json may be missing
    gangseo = school.loaded.filter(pl.col("in_gangseo"))
    assert gangseo["legal_dong_code"].str.starts_with("11500").all()
    assert not school.loaded.filter(~pl.col("in_gangseo"))["legal_dong_code"].str.starts_with("11500").any()
    assert (school.loaded["casualty_count"] >= school.loaded["death_count"]).all()


def test_hotspot_bad_counts_leading_zeros_and_service_from_the_name(tmp_path):
    item = {"afos_fid": 1, "afos_id": "01", "bjd_cd": "1150010300", "spot_cd": "01150001", "occrrnc_cnt": "다수",
            "caslt_cnt": 3, "dth_dnv_cnt": 5, "la_crd": "37.55", "lo_crd": "126.85"}
    good = {**item, "afos_fid": 2, "occrrnc_cnt": 4, "dth_dnv_cnt": 0}
    page = {"resultCode": "00", "resultMsg": "NORMAL_CODE", "items": {"item": [item, {**item, "afos_fid": 3, "occrrnc_cnt": 4}, good]}}
    _, checked, _ = load("taas_child_hotspots", write(tmp_path, "getRestSchoolzoneChild_x.json", json.dumps(page)), tmp_path)
    assert checked.reasons == {"bad_value:accident_count": 1, "rule:casualties_at_least_deaths": 1}
    assert checked.loaded.select("dataset_code", "spot_code", "in_gangseo").row(0) == ("01", "01150001", True)
    with pytest.raises(ParseError, match=r"hotspots\.json: cannot tell the KOROAD service"):
        taas.parse(write(tmp_path, "hotspots.json", json.dumps(page)), "hotspots.json")


# --- parking ---------------------------------------------------------------------------------------------


def test_parking_api_typo_fields_and_blank_disabled_flag(tmp_path):
    _, checked, unmapped = load("parking_lots", SAMPLES / gen.PARKING_API_RELPATH, tmp_path)
    assert unmapped == []  # weekdayOperColseHhmm, satOperOperOpenHhmm, holidayCloseOpenHhmm all map
    assert checked.loaded["weekday_close"].null_count() == 0 and checked.loaded["holiday_close"].null_count() == 0
    _, csv, _ = load("parking_lots", SAMPLES / gen.PARKING_CSV_RELPATH, tmp_path)
    assert csv.loaded["has_disabled_spaces"].null_count() > 0 and csv.loaded["has_disabled_spaces"].sum() > 0
    assert csv.loaded["latitude"].null_count() == 1  # blank coordinates load as null for lots
    conflicting = json.loads(csv.quarantined.filter(pl.col("reason_code") == "duplicate_key")["record"][0])
    assert conflicting["spaces"] == "999"
    assert len(parking_lots.CSV_HEADER) == len(parking_lots.API_FIELDS) == 34


# --- illegal parking enforcement ---------------------------------------------------------------------------


def test_illegal_parking_header_spaces_dong_codes_and_total(tmp_path):
    raw = (SAMPLES / gen.ILLEGAL_PARKING_RELPATH).read_bytes().decode("cp949")
    assert raw.startswith("연번,행정동명, 단속건수 \r\n")
    _, checked, _ = load("illegal_parking_enforcement", SAMPLES / gen.ILLEGAL_PARKING_RELPATH, tmp_path)
    rows = checked.loaded
    assert set(rows["reference_date"].cast(pl.String)) == {"2025-12-31"}
    dongs = rows.filter(~pl.col("is_total"))
    assert dongs.height == 20 and dongs["adong_code"].n_unique() == 20
    assert dongs.filter(pl.col("dong_name_source") == "등촌제1동").select("dong_name", "adong_code").row(0) == ("등촌1동", "1150052000")
    total = rows.filter(pl.col("is_total"))
    assert total["enforcement_count"].to_list() == [dongs["enforcement_count"].sum()] and total["enforcement_count"][0] > 999


def test_illegal_parking_date_from_a_column_or_refused(tmp_path):
    body = "행정동명, 단속건수 ,데이터기준일자\n화곡제5동,12,2024-12-31\n방화제1동,\"1,001\",2024-12-31\n공항동,많음,2024-12-31\n"
    _, checked, _ = load("illegal_parking_enforcement", write(tmp_path, "gangseo.csv", body, "cp949"), tmp_path)
    assert checked.loaded.select("dong_name", "adong_code", "enforcement_count").rows() == [("화곡5동", None, 12), ("방화1동", "1150063000", 1001)]
    assert checked.reasons == {"bad_value:enforcement_count": 1}
    with pytest.raises(ParseError, match=r"nodate\.csv: no reference date"):
        illegal_parking.parse(write(tmp_path, "nodate.csv", "행정동명, 단속건수 \n공항동,1\n"), "nodate.csv")
    with pytest.raises(ParseError, match=r"other\.csv: expected 행정동명 and 단속건수"):
        illegal_parking.parse(write(tmp_path, "other.csv", "동명,부과건수\n공항동,1\n"), "other.csv")


def test_sources_register_the_five_ids_with_their_suffixes():
    assert get_source("cctv").accepts(Path("a.csv")) and get_source("cctv").accepts(Path("a.json"))
    assert not get_source("taas_child_hotspots").accepts(Path("a.csv"))
    assert get_source("illegal_parking_enforcement").suffixes == (".csv",)
    with pytest.raises(SchemaMismatch):
        map_to_contract(pl.DataFrame({"_row_number": [1]}, schema={"_row_number": pl.Int64}), get_contract("cctv").table, "x")
