"""Welfare statistics sources: KOSIS multi-row-header CSVs, the 수급자 XLSX, long and wide 장애인 현황.

Every parser is exercised on the committed samples (which the generator must reproduce byte for byte) and
on bad variants: a broken header fails naming the file, a missing column is a SchemaMismatch, an unknown
dong gets no 행정동 code, `-` is null and `1,234` is 1234, and rows read = loaded + quarantined."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from catalog.contracts import get_contract
from transforms.encoding import decode_to_utf8
from transforms.records import SchemaMismatch, map_to_contract, validate
from synthetic import welfare_stats
from synthetic.registry import generate
from transforms.welfare import disability, elderly_alone, recipients
from transforms.welfare.kosis import ParseError, period_of

from conftest import SAMPLES

ELDERLY = SAMPLES / welfare_stats.ELDERLY_RELPATH
RECIPIENTS = SAMPLES / welfare_stats.RECIPIENTS_RELPATH
DISABILITY_LONG = SAMPLES / welfare_stats.DISABILITY_LONG_RELPATH
DISABILITY_WIDE = SAMPLES / welfare_stats.DISABILITY_WIDE_RELPATH
PARSERS = {"welfare_elderly_alone_stats": elderly_alone.parse, "welfare_recipients_stats": recipients.parse,
           "welfare_disability_stats": disability.parse}
KOSIS_HEAD = ('"동별(1)","동별(2)","동별(3)","2024","2024","2024"\n'
              '"동별(1)","동별(2)","동별(3)","합계","저소득","저소득"\n'
              '"동별(1)","동별(2)","동별(3)","소계","65~79세","80세이상"\n')


def parse(source_id: str, path: Path, tmp_path: Path) -> pl.DataFrame:
    """What ingest does before parsing: CSVs are decoded (CP949 / BOM) to UTF-8; the XLSX is read as is."""
    if path.suffix == ".xlsx":
        return PARSERS[source_id](path, path.name)
    _, text = decode_to_utf8(path, tmp_path / f"{path.name}.utf8")
    return PARSERS[source_id](text, path.name)


def load(source_id: str, path: Path, tmp_path: Path):
    table = get_contract(source_id).table
    frame = parse(source_id, path, tmp_path)
    checked = validate(map_to_contract(frame, table, path.name).frame, table)
    assert frame.height == checked.loaded.height + checked.quarantined.height  # rows read = loaded + quarantined
    return frame, checked


def kosis_file(tmp_path: Path, body: str, name: str = "kosis.csv", head: str = KOSIS_HEAD) -> Path:
    path = tmp_path / name
    path.write_bytes((head + body).encode("cp949"))
    return path


# --- the committed samples ----------------------------------------------------------------------------


def test_committed_samples_are_the_generator_output_and_small(tmp_path):
    counts = generate(tmp_path, list(PARSERS))
    assert set(counts) == {welfare_stats.ELDERLY_RELPATH, welfare_stats.RECIPIENTS_RELPATH,
                           welfare_stats.DISABILITY_LONG_RELPATH, welfare_stats.DISABILITY_WIDE_RELPATH}
    for relpath in counts:
        assert (tmp_path / relpath).read_bytes() == (SAMPLES / relpath).read_bytes(), f"{relpath}: regenerate the samples"
        assert "SYNTHETIC" in relpath and (SAMPLES / relpath).stat().st_size < 200_000


def test_sample_encodings_are_the_real_ones(tmp_path):
    assert decode_to_utf8(ELDERLY, tmp_path / "a")[0] == "cp949"
    assert decode_to_utf8(DISABILITY_LONG, tmp_path / "b")[0] == "cp949"
    assert decode_to_utf8(DISABILITY_WIDE, tmp_path / "c")[0] == "utf-8-sig"
    assert RECIPIENTS.read_bytes()[:4] == b"PK\x03\x04"


@pytest.mark.parametrize(("source_id", "path", "rows", "nulls"), [
    ("welfare_elderly_alone_stats", ELDERLY, 42 * 12, 4),
    ("welfare_recipients_stats", RECIPIENTS, 42 * 4 * 3 * 2, 42 * 2 * 2),
    ("welfare_disability_stats", DISABILITY_LONG, 42 * 16 * 3, None),
    ("welfare_disability_stats", DISABILITY_WIDE, 42 * 16, None),
], ids=["elderly", "recipients", "disability-long", "disability-wide"])
def test_samples_load_completely_with_gangseo_dongs_coded(tmp_path, source_id, path, rows, nulls):
    frame, checked = load(source_id, path, tmp_path)
    assert frame.height == rows and checked.quarantined.height == 0
    loaded = checked.loaded
    assert set(loaded["sigungu_name"]) == {"합계", "강서구", "노원구"}
    gangseo = loaded.filter((pl.col("sigungu_name") == "강서구") & (pl.col("area_level") == "dong"))
    assert gangseo["adong_code"].n_unique() == 20 and gangseo["adong_code"].null_count() == 0
    assert loaded.filter(pl.col("sigungu_name") != "강서구")["adong_code"].null_count() == loaded.filter(pl.col("sigungu_name") != "강서구").height
    assert loaded.filter(pl.col("area_level") != "dong")["is_subtotal"].all()
    if nulls is not None:
        assert loaded["value"].null_count() == nulls  # every '-' in the file
    assert loaded["value"].min() >= 0 and loaded["value"].max() > 999  # '1,234' read as a number


def test_elderly_sample_totals_add_up(tmp_path):
    _, checked = load("welfare_elderly_alone_stats", ELDERLY, tmp_path)
    gangseo = checked.loaded.filter(pl.col("sigungu_name") == "강서구").with_columns(pl.col("value").fill_null(0))
    dongs = gangseo.filter(pl.col("area_level") == "dong").group_by("qualification", "age_group").agg(pl.col("value").sum())
    total = gangseo.filter(pl.col("area_level") == "sigungu").select("qualification", "age_group", "value")
    assert dongs.sort("qualification", "age_group").equals(total.sort("qualification", "age_group"))
    assert set(gangseo["qualification"]) == {"합계", "국민기초생활수급권자", "저소득", "일반"}
    assert set(gangseo["age_group"]) == {"소계", "65~79세", "80세이상"}
    assert checked.loaded.filter(pl.col("dong_name_source") == "상계3.4동")["dong_name"].unique().to_list() == ["상계3·4동"]


def test_recipients_xlsx_forward_fills_areas_and_normalises_je_names(tmp_path):
    frame, checked = load("welfare_recipients_stats", RECIPIENTS, tmp_path)
    assert set(frame["period"]) == {"2024-05"}
    dong = checked.loaded.filter(pl.col("dong_name_source") == "등촌제1동")
    assert set(dong["dong_name"]) == {"등촌1동"} and set(dong["adong_code"]) == {"1150052000"}
    assert dong.height == 4 * 3 * 2 and set(dong["qualification"]) == set(welfare_stats.RECIPIENT_QUALIFICATIONS)
    first = frame.filter(pl.col("dong_name_source") == "등촌제1동")["_row_number"].min()
    assert frame.filter(pl.col("_row_number") == first + 11)["qualification"].to_list() == ["교육급여"] * 2  # merged cell
    assert set(checked.loaded["measure"]) == {"가구수", "수급자수"}
    seoul = checked.loaded.filter(pl.col("area_level") == "sido")
    assert seoul["value"].min() > 0 and seoul.height == 24  # text '2,203' in the 서울시 rows


def test_disability_long_and_wide_meet_on_the_same_labels(tmp_path):
    _, long = load("welfare_disability_stats", DISABILITY_LONG, tmp_path)
    _, wide = load("welfare_disability_stats", DISABILITY_WIDE, tmp_path)
    assert set(long.loaded["source_layout"]) == {"long"} and set(wide.loaded["source_layout"]) == {"wide"}
    assert set(long.loaded["disability_type"]) == set(wide.loaded["disability_type"]) == set(disability.TYPES)
    assert set(long.loaded["sex"]) == {"계", "남", "여"} and set(wide.loaded["sex"]) == {"계"}
    # 성별 계 is a default in the wide file, not a printed total: its 동 × 유형 rows are detail.
    assert not wide.loaded.filter((pl.col("area_level") == "dong") & (pl.col("disability_type") != "합계"))["is_subtotal"].any()
    assert set(long.loaded["period"]) == {"2025"} and set(wide.loaded["period"]) == {"2024"}
    # the long file's single 동별 column: 자치구 rows give the context of the 동 rows below them
    assert long.loaded.filter(pl.col("dong_name") == "상계10동")["sigungu_name"].unique().to_list() == ["노원구"]


# --- bad variants --------------------------------------------------------------------------------------


def test_kosis_without_the_period_row_fails_naming_the_file(tmp_path):
    head = "\n".join(KOSIS_HEAD.splitlines()[1:]) + "\n"
    path = kosis_file(tmp_path, '"서울시","강서구","염창동","100","60","40"\n', "독거노인_broken.csv", head)
    with pytest.raises(ParseError, match=r"독거노인_broken\.csv: header row 1 has no period column"):
        parse("welfare_elderly_alone_stats", path, tmp_path)


def test_kosis_without_item_rows_fails_instead_of_mixing_columns(tmp_path):
    head = KOSIS_HEAD.splitlines()[0] + "\n"
    path = kosis_file(tmp_path, '"서울시","강서구","염창동","100","60","40"\n', "no_items.csv", head)
    with pytest.raises(ParseError, match=r"no_items\.csv: value columns 4 and 5 are both period 2024"):
        parse("welfare_elderly_alone_stats", path, tmp_path)


def test_pandas_renamed_period_columns_are_refused(tmp_path):
    head = '"동별(1)","동별(2)","동별(3)","2024","2024.1","2024.2"\n' + "\n".join(KOSIS_HEAD.splitlines()[1:]) + "\n"
    path = kosis_file(tmp_path, '"서울시","강서구","염창동","1","2","3"\n', "pandas.csv", head)
    with pytest.raises(ParseError, match=r"pandas\.csv: header row 1: '2024\.1', '2024\.2'"):
        parse("welfare_elderly_alone_stats", path, tmp_path)


def test_dash_is_null_separators_are_removed_and_bad_values_quarantined(tmp_path):
    path = kosis_file(tmp_path, '"서울시","강서구","소계","1,234","1,200","34"\n'
                                '"서울시","강서구","염창동","1,234","-","X"\n')
    frame, checked = load("welfare_elderly_alone_stats", path, tmp_path)
    assert frame.height == 6
    values = dict(zip(zip(checked.loaded["dong_name"], checked.loaded["age_group"]), checked.loaded["value"]))
    assert values[("염창동", "소계")] == 1234 and values[("소계", "65~79세")] == 1200
    assert values[("염창동", "65~79세")] is None  # '-'
    assert checked.reasons == {"bad_value:value": 1}  # 'X' (KOSIS: confidential) is kept in quarantine
    assert checked.quarantined["_row_number"].to_list() == [5]


def test_unknown_and_foreign_dong_names_get_no_code(tmp_path):
    path = kosis_file(tmp_path, '"서울시","강서구","화곡제5동","1","1","-"\n'   # abolished 2008
                                '"서울시","강서구","없는동","1","1","-"\n'
                                '"서울시","강서구","화곡 제8동","1","1","-"\n'
                                '"서울시","양천구","공항동","1","1","-"\n')     # a 강서구 name under another 자치구
    _, checked = load("welfare_elderly_alone_stats", path, tmp_path)
    codes = dict(zip(checked.loaded["dong_name"] + "@" + checked.loaded["sigungu_name"], checked.loaded["adong_code"]))
    assert codes["화곡5동@강서구"] is None and codes["없는동@강서구"] is None and codes["공항동@양천구"] is None
    assert codes["화곡8동@강서구"] == "1150059300"


def test_district_total_rows_in_any_spelling_are_subtotals(tmp_path):
    path = kosis_file(tmp_path, '"합계","소계","소계","9","5","4"\n"서울시","강서구","강서구","3","2","1"\n'
                                '"서울시","강서구","계","3","2","1"\n"서울특별시","","","9","5","4"\n')
    frame = parse("welfare_elderly_alone_stats", path, tmp_path)
    levels = frame.group_by("_row_number").agg(pl.col("area_level").first(), pl.col("dong_name").first()).sort("_row_number")
    assert levels.rows() == [(4, "sido", "합계"), (5, "sigungu", "소계"), (6, "sigungu", "소계"), (7, "sido", "합계")]


def test_kosis_long_layout_and_multiple_periods(tmp_path):
    head = '"동별","자격별","연령별","2023 년","2024 년"\n'
    body = ('"합계","합계","소계","10","11"\n"강서구","합계","소계","10","11"\n'
            '"등촌제2동","저소득","80세이상","3","-"\n')
    frame, checked = load("welfare_elderly_alone_stats", kosis_file(tmp_path, body, head=head), tmp_path)
    assert frame.height == 6 and checked.quarantined.height == 0
    row = checked.loaded.filter((pl.col("dong_name") == "등촌2동") & (pl.col("period") == "2023"))
    assert row.select("sigungu_name", "adong_code", "qualification", "age_group", "value", "is_subtotal").row(0) == \
        ("강서구", "1150053000", "저소득", "80세이상", 3, False)


def test_dong_rows_without_a_district_are_quarantined_not_guessed(tmp_path):
    head = '"동별","자격별","연령별","2024 년"\n'
    frame, checked = load("welfare_elderly_alone_stats", kosis_file(tmp_path, '"염창동","합계","소계","5"\n', head=head), tmp_path)
    assert checked.reasons == {"missing_value:sigungu_name": 1}


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def test_recipients_without_the_recipient_column_is_a_schema_mismatch(tmp_path):
    path = write_xlsx(tmp_path / "수급자(202405).xlsx", [
        ["지역", "자격구분", "연령", "가구수"], [None, None, None, "(가구)"], [None, None, None, None],
        ["강서구", "기초생계급여", "18세미만", 10],
    ])
    with pytest.raises(SchemaMismatch, match=r"수급자\(202405\)\.xlsx: missing required columns: 수급자수"):
        recipients.parse(path, path.name)


def test_recipients_title_row_heading_rows_and_period_from_the_header(tmp_path):
    path = write_xlsx(tmp_path / "recipients.xlsx", [
        ["서울시 국민기초생활 수급자 동별 현황 (2024. 5월말 기준)"],
        ["지 역", "자격 구분", "연령(세)", "수급 가구수", "수급자수(명)", "비고"],
        ["강서구"],                                     # a heading row: context only
        ["등촌제3동", "의료급여", "65세이상", "1,234", "2,001", None],
        [None, None, "18~64세", "-", 7, None],
        ["화곡제5동", "의료급여", "65세이상", 1, 1, "폐지"],
        ["※ 자료: 서울시 (합성)"],
    ])
    frame, checked = load("welfare_recipients_stats", path, tmp_path)
    assert set(frame["period"]) == {"2024-05"}
    assert checked.reasons == {"unknown_code:measure": 3}  # the unnamed 비고 column is kept, not dropped
    ok = checked.loaded.sort("_row_number", "measure")
    assert ok.select("dong_name", "adong_code", "age_group", "measure", "value").rows() == [
        ("등촌3동", "1150053500", "65세이상", "가구수", 1234), ("등촌3동", "1150053500", "65세이상", "수급자수", 2001),
        ("등촌3동", "1150053500", "18~64세", "가구수", None), ("등촌3동", "1150053500", "18~64세", "수급자수", 7),
        ("화곡5동", None, "65세이상", "가구수", 1), ("화곡5동", None, "65세이상", "수급자수", 1),
    ]


def test_recipients_without_a_month_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "recipients.xlsx", [["지역", "자격구분", "연령", "가구수", "수급자수"],
                                                     ["강서구", "의료급여", "65세이상", 1, 2]])
    with pytest.raises(ParseError, match=r"recipients\.xlsx: no reference month"):
        recipients.parse(path, path.name)


def test_recipients_refuses_a_file_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "broken(202405).xlsx"
    path.write_bytes(RECIPIENTS.read_bytes()[:900])
    with pytest.raises(ParseError, match=r"broken\(202405\)\.xlsx: not a readable \.xlsx workbook"):
        recipients.parse(path, path.name)


def test_recipients_csv_of_the_same_layout(tmp_path):
    path = tmp_path / "수급자_20210731.csv"
    path.write_bytes("지역,자격구분,연령,가구수,수급자수\n강서구,,,,\n공항동,주거급여,18세미만,\"1,001\",-\n".encode("cp949"))
    frame, checked = load("welfare_recipients_stats", path, tmp_path)
    assert checked.loaded.select("period", "sigungu_name", "adong_code", "measure", "value").rows() == [
        ("2021-07", "강서구", "1150062000", "가구수", 1001), ("2021-07", "강서구", "1150062000", "수급자수", None)]


def test_unknown_disability_type_is_quarantined_and_labels_canonicalised(tmp_path):
    head = '"동별","장애유형별","성별","2025 년"\n'
    body = ('"강서구","지체장애","남자","1,500"\n"강서구","장루.요루","여자","3"\n'
            '"강서구","간질장애","계","2"\n"강서구","기타","계","9"\n')
    path = kosis_file(tmp_path, body, head=head)
    frame, checked = load("welfare_disability_stats", path, tmp_path)
    assert checked.loaded.select("disability_type", "sex", "value").rows() == [("지체", "남", 1500), ("장루·요루", "여", 3), ("뇌전증", "계", 2)]
    assert checked.reasons == {"unknown_code:disability_type": 1}


@pytest.mark.parametrize(("label", "period"), [
    ("2024", "2024"), ("2025 년", "2025"), ("2024.05", "2024-05"), ("2024년 5월", "2024-05"), ("2024.1/4", "2024-Q1"),
    ("2024 p)", "2024"), ("2024.1", None), ("동별(1)", None), ("합계", None),
])
def test_period_labels(label, period):
    assert period_of(label) == period


def test_sources_register_the_three_ids_with_their_formats():
    from transforms.sources import get_source

    assert get_source("welfare_elderly_alone_stats").accepts(ELDERLY)
    assert get_source("welfare_recipients_stats").accepts(RECIPIENTS)
    assert get_source("welfare_recipients_stats").accepts(Path("x.csv"))
    assert get_source("welfare_disability_stats").accepts(DISABILITY_LONG)
    assert not get_source("welfare_disability_stats").accepts(RECIPIENTS)


def test_csv_sources_ingest_through_the_lake(settings):
    from transforms.ingest import ingest_file

    for source_id, path in (("welfare_elderly_alone_stats", ELDERLY), ("welfare_disability_stats", DISABILITY_LONG),
                            ("welfare_disability_stats", DISABILITY_WIDE)):
        result = ingest_file(settings, source_id, path, "t1")
        assert result.status == "loaded" and result.rows == result.loaded and result.quarantined == 0


def test_xlsx_ingests_as_a_binary_file(settings):
    from transforms.ingest import ingest_file
    from transforms.sources import get_source

    if ".xlsx" not in getattr(get_source("welfare_recipients_stats"), "binary_suffixes", ()):
        pytest.skip("ingest does not pass binary (.xlsx) files to parsers yet: Source.binary_suffixes")
    result = ingest_file(settings, "welfare_recipients_stats", RECIPIENTS, "t1")
    assert result.status == "loaded" and result.rows == result.loaded == 1008
