from pathlib import Path

import polars as pl
import pytest

from catalog.contracts import get_contract
from transforms.childcare import centers, meals
from transforms.records import ParseError
from transforms.encoding import EncodingError, decode_to_utf8
from transforms.records import SchemaMismatch, map_to_contract, validate

from conftest import SAMPLES, check_file_rows

HEADER = "어린이집코드,아동ID,반연령,급식일자,식사구분,메뉴명,알레르기번호,배식량(g),잔반량(g),열량(kcal),단백질(g)"


def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(("encoding", "expected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp949", "cp949")])
def test_detects_korean_encodings(tmp_path, encoding, expected):
    path = write(tmp_path / "f.csv", f"{HEADER}\n강서구,화곡동\n", encoding)
    detected, text = decode_to_utf8(path, tmp_path / "utf8.csv")
    assert detected == expected
    assert text.read_bytes() == f"{HEADER}\n강서구,화곡동\n".encode("utf-8")


def test_refuses_unknown_encoding_naming_the_file(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"caf\xe9 \xff\xfe\xff")
    with pytest.raises(EncodingError, match="latin.csv: unknown encoding"):
        decode_to_utf8(path, tmp_path / "out")


def test_sample_xml_and_json_hold_the_same_centres():
    xml = centers.parse(SAMPLES / "childcare_centers" / "cpmsapi030_arcode11500_SYNTHETIC.xml", "a.xml")
    js = centers.parse(SAMPLES / "childcare_centers" / "ChildCareInfo_SYNTHETIC.json", "a.json")
    assert sorted(xml["stcode"].to_list()) == sorted(js["stcode"].to_list())
    assert "sigunname" in xml.columns and "crrepname" in xml.columns


def test_xml_accepts_sigunguname_and_upper_case_tags(tmp_path):
    path = write(tmp_path / "spec.xml", (
        "<RESPONSE><ITEM><SIGUNGUNAME>강서구</SIGUNGUNAME><STCODE>11500000001</STCODE><CRNAME>가</CRNAME>"
        "<CRTYPENAME>가정</CRTYPENAME><CRSTATUSNAME>정상</CRSTATUSNAME><DATASTDRDT>2026-01-01</DATASTDRDT></ITEM></RESPONSE>"), "utf-8")
    mapped = map_to_contract(centers.parse(path, path.name), get_contract("childcare_centers").table, path.name)
    checked = validate(mapped.frame, get_contract("childcare_centers").table)
    assert checked.loaded["sigungu_name"].to_list() == ["강서구"]
    assert checked.loaded["center_code"].to_list() == ["11500000001"]


def test_truncated_xml_is_a_parse_error_naming_the_file(tmp_path):
    good = (SAMPLES / "childcare_centers" / "cpmsapi030_arcode11500_SYNTHETIC.xml").read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ParseError, match="cut.xml: not well-formed XML"):
        centers.parse(path, path.name)


def test_seoul_api_empty_result_is_no_rows_and_errors_are_refused(tmp_path):
    empty = write(tmp_path / "empty.json", '{"RESULT": {"CODE": "INFO-200", "MESSAGE": "해당하는 데이터가 없습니다."}}', "utf-8")
    assert centers.parse(empty, empty.name).height == 0
    denied = write(tmp_path / "denied.json", '{"RESULT": {"CODE": "ERROR-500", "MESSAGE": "서버 오류"}}', "utf-8")
    with pytest.raises(ParseError, match="denied.json.*ERROR-500"):
        centers.parse(denied, denied.name)


def test_missing_required_column_is_refused(tmp_path):
    path = write(tmp_path / "m.csv", "어린이집코드,반연령\n11500000001,3\n", "utf-8")
    with pytest.raises(SchemaMismatch, match="missing required columns: child_id"):
        check_file_rows("childcare_meals", path, tmp_path)


def test_bad_values_and_duplicates_are_quarantined_with_reasons(tmp_path):
    rows = [
        "11500000001,CH00000001,3,2026-01-05,점심,밥,5.6,250.0,30.0,380.0,14.0",   # good
        "11500000001,CH00000001,3,2026-01-05,점심,밥,5.6,250.0,30.0,380.0,14.0",   # duplicate key
        "11500000001,CH00000002,3,2026-01-05,야식,밥,,250.0,30.0,380.0,14.0",      # unknown slot
        "11500000001,CH00000003,3,2026-13-45,점심,밥,,250.0,30.0,380.0,14.0",      # impossible date
        "11500000001,,3,2026-01-05,점심,밥,,250.0,30.0,380.0,14.0",                # no child id
        "11500000001,CH00000004,3,2026-01-05,점심,밥,,abc,30.0,380.0,14.0",        # not a number
        "11500000001,CH00000005,3,2026-01-05,점심,밥,,100.0,130.0,380.0,14.0",     # leftover > served
        "11500000001,CH00000006,9,2026-01-05,점심,밥,21,100.0,10.0,380.0,14.0",    # age and allergen out of range
    ]
    path = write(tmp_path / "m.csv", "\r\n".join([HEADER, *rows]) + "\r\n", "cp949")
    for batch_rows in (1, 2, 3, 100):  # the duplicate's first copy in another batch, or in the same one
        read, checked, _ = check_file_rows("childcare_meals", path, tmp_path, batch_rows=batch_rows)
        assert read == checked.loaded.height + checked.quarantined.height == len(rows)
        assert checked.loaded["child_id"].to_list() == ["CH00000001"]
        assert checked.reasons == {
            "duplicate_key": 1,
            "unknown_code:meal_slot": 1,
            "bad_value:meal_date": 1,
            "missing_value:child_id": 1,
            "bad_value:served_g": 1,
            "rule:leftover_not_above_served": 1,
            "out_of_range:class_age": 1,
        }
        assert checked.loaded.schema["meal_date"] == pl.Date and checked.loaded.schema["served_g"] == pl.Float64


def test_sample_meal_file_parses_every_row(tmp_path):
    encoding, text = decode_to_utf8(SAMPLES / "childcare_meals" / "meal_scan_extract_SYNTHETIC.csv", tmp_path / "u")
    assert encoding == "cp949"
    frame = pl.concat(list(meals.parse(text, "meal_scan_extract_SYNTHETIC.csv")))
    assert frame.height == 6632
    assert frame.columns[1:4] == ["어린이집코드", "아동ID", "반연령"]
