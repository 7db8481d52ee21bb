"""Commerce sources: every format and variant from the committed samples, the CP949 ZIP, header variants,
free-text safety (formulas, RRNs, phones), the category crosswalk's coverage and exact row accounting."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest

from catalog.contracts import get_contract
from transforms.ingest import IngestFailed, check_rows, ingest_file
from lake.session import lake_session
from lake.settings import Limits
from quality.privacy_gates import GENERIC_PATTERNS
from transforms.commerce import crosswalk, free_text, stores
from transforms.encoding import decode_to_utf8
from transforms.records import ROW_NUMBER, ParseError, Validated, map_to_contract, validate
from transforms.sources import get_source
from synthetic import commerce as gen
from synthetic.registry import generate
from synthetic.writers import write_cp949_zip

from conftest import SAMPLES, check_file_rows

STORES = SAMPLES / "stores"
ZIPS = sorted(STORES.glob("*.zip"))
PIPE = STORES / "소상공인시장진흥공단_상가업소정보_서울_202012_SYNTHETIC.csv"
STORE_API = next(STORES.glob("storeListInDong_*.json"))
SALES = SAMPLES / "commerce_sales"
SALES_KO = SALES / "seoul_trade_area_sales_ko_SYNTHETIC.csv"
SALES_EN = SALES / "seoul_trade_area_sales_en_SYNTHETIC.csv"
SALES_JSON = next(SALES.glob("VwsmTrdarSelngQq_*.json"))
COMMERCE_SOURCES = ("stores", "commerce_sales", "commerce_store_stats", "commerce_floating_population", "commerce_areas")
SAMPLE_FILES = [p for s in COMMERCE_SOURCES for p in sorted((SAMPLES / s).iterdir())]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def load(source_id: str, path: Path, name: str | None = None) -> tuple[int, Validated]:
    """What ingest does short of the lake: (rows read, the checked rows)."""
    with tempfile.TemporaryDirectory() as tmp:
        rows, checked, _ = check_file_rows(source_id, path, Path(tmp), name)
    return rows, checked


def source_of(path: Path) -> str:
    return path.parent.name


# ---------------------------------------------------------------------------------------------- all samples

@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_sample_parses_and_every_row_is_loaded_or_quarantined(path):
    rows, checked = load(source_of(path), path)
    assert rows > 0
    assert checked.loaded.height + checked.quarantined.height == rows
    assert checked.loaded.height >= 0.6 * rows  # small files: a few dirty rows each


EXPECTED_REASONS = {
    "stores/*.zip": {"bad_format:pnu", "duplicate_key", "missing_value:store_id", "out_of_range:longitude"},
    "commerce_sales/seoul_trade_area_sales_ko_SYNTHETIC.csv":
        {"bad_format:service_code", "bad_value:sales_count", "duplicate_key", "out_of_range:sales_amount"},
    "commerce_store_stats/*.csv": {"duplicate_key", "out_of_range:open_rate"},
    "commerce_floating_population/*.csv": {"duplicate_key", "missing_value:area_code"},
    "commerce_areas/*.csv": {"duplicate_key", "out_of_range:x_5181", "out_of_range:y_5181"},
}


@pytest.mark.parametrize(("pattern", "reasons"), EXPECTED_REASONS.items())
def test_each_dirty_case_is_quarantined_with_its_reason(pattern, reasons):
    for path in SAMPLES.glob(pattern):
        _, checked = load(source_of(path), path)
        assert set(checked.reasons) == reasons, path.name


# ---------------------------------------------------------------------------------------------- stores

def test_zip_member_names_are_cp949_bytes_and_the_seoul_member_is_read():
    with zipfile.ZipFile(ZIPS[0]) as archive:
        infos = archive.infolist()
    assert all(not info.flag_bits & 0x800 for info in infos)  # no UTF-8 flag: names are raw CP949
    raw_names = [info.filename.encode("cp437").decode("cp949") for info in infos]
    assert any("_서울_" in n for n in raw_names) and any("_부산_" in n for n in raw_names)
    rows, checked = load("stores", ZIPS[0])
    assert set(checked.loaded["sido_code"]) == {"11"}  # the 부산 member is not read
    assert set(checked.loaded["reference_month"]) == {"202512"}  # from the member name


def test_zip_parse_equals_its_bom_csv_parsed_alone(tmp_path):
    with zipfile.ZipFile(ZIPS[-1], metadata_encoding="cp949") as archive:
        member = next(n for n in archive.namelist() if "서울" in n)
        data = archive.read(member)
    assert data.startswith(b"\xef\xbb\xbf")
    csv_path = tmp_path / Path(member).name
    csv_path.write_bytes(data)
    from_zip, from_csv = load("stores", ZIPS[-1])[1], load("stores", csv_path)[1]
    assert from_zip.loaded.equals(from_csv.loaded) and from_zip.quarantined.equals(from_csv.quarantined)


@pytest.mark.parametrize("encoding", ["utf-8", "cp949"])
def test_a_zip_member_without_a_bom_parses_like_the_delivered_one(tmp_path, encoding):
    # the delivered member has a UTF-8 BOM (read as unpacked); one without it, or in CP949, gives the same rows
    with zipfile.ZipFile(ZIPS[-1], metadata_encoding="cp949") as archive:
        member = next(n for n in archive.namelist() if "서울" in n)
        text = archive.read(member).decode("utf-8-sig")
    other = tmp_path / ZIPS[-1].name
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr(member, text.encode(encoding))
    delivered, rewritten = load("stores", ZIPS[-1])[1], load("stores", other)[1]
    assert rewritten.loaded.height > 0
    assert delivered.loaded.equals(rewritten.loaded) and delivered.quarantined.equals(rewritten.quarantined)


def test_a_zip_member_is_unpacked_in_the_ingest_scratch_folder_and_removed(tmp_path, monkeypatch):
    folders = []
    real_extract = stores.extract_member
    monkeypatch.setattr(stores, "extract_member",
                        lambda path, name, folder: folders.append(folder) or real_extract(path, name, folder))
    work = tmp_path / "work"
    work.mkdir()
    _, checked = check_rows("stores", ZIPS[-1], work, Limits.from_env())
    assert checked.loaded > 0
    [folder] = folders
    assert folder.parent == work and not folder.exists()  # never the system's temp folder; gone after the last batch


@pytest.mark.parametrize(("members", "problem"), [
    ({"readme.txt": b"x"}, "found no CSV"),
    ({"a_서울_202606.csv": b"x", "b_서울_202606.csv": b"y"}, "expected one 서울 CSV"),
])
def test_zip_without_one_seoul_csv_is_refused(tmp_path, members, problem):
    path = tmp_path / "소상공인시장진흥공단_상가(상권)정보_20260630.zip"
    write_cp949_zip(path, members, gen.FIXED_ZIP_TIME)
    with pytest.raises(ParseError, match=problem):
        get_source("stores").parse(path, path.name)


def test_pipe_delimited_release_keeps_codes_as_strings_and_marks_the_old_scheme():
    rows, checked = load("stores", PIPE)
    loaded = checked.loaded
    assert checked.quarantined.height == 0
    assert set(loaded["category_scheme"]) == {"pre2023"}
    assert loaded["store_id"].str.contains(r"^[0-9]{8}$").all()  # the old integer ids, kept as text
    assert loaded["adong_code"].str.contains(r"^11500[0-9]{3}00$").all()  # published with 10 digits


def test_codes_stay_strings_and_adong_codes_are_normalised_to_ten_digits():
    with zipfile.ZipFile(ZIPS[0], metadata_encoding="cp949") as archive:
        raw = pl.read_csv(archive.read(next(n for n in archive.namelist() if "서울" in n)), infer_schema=False)
    assert raw["행정동코드"].str.len_chars().max() == 8  # the file publishes the 8-digit form
    _, checked = load("stores", ZIPS[0])
    loaded = checked.loaded
    for column, width in (("store_id", 20), ("pnu", 19), ("building_id", 25), ("adong_code", 10)):
        assert loaded.schema[column] == pl.String
        assert (loaded[column].str.len_chars() == width).all(), column
    assert set(loaded["adong_code"].str.slice(0, 8)) <= set(raw["행정동코드"])


def test_store_api_json_parses_into_the_same_contract_as_the_zip():
    _, from_api = load("stores", STORE_API)
    _, from_zip = load("stores", ZIPS[-1])
    api, zipped = from_api.loaded.drop(ROW_NUMBER), from_zip.loaded.drop(ROW_NUMBER)
    assert set(api["reference_month"]) == {"202606"}  # header stdrYm
    clean = zipped.filter(~pl.col("name_formula_neutralised") & ~pl.col("name_identifier_masked"))
    common = api.join(clean.select("store_id"), on="store_id").sort("store_id")
    same = clean.join(common.select("store_id"), on="store_id").sort("store_id")
    assert common.height >= 30
    assert common.drop("road_name").equals(same.drop("road_name"))
    assert (common["road_name"] == "서울특별시 강서구 " + same["road_name"]).all()  # the API prefixes the region


def test_store_api_no_data_loads_nothing_and_an_error_is_refused(tmp_path):
    empty = tmp_path / "storeListInDong_empty.json"
    empty.write_text(json.dumps({"header": {"resultCode": "03", "resultMsg": "NODATA_ERROR", "stdrYm": "202606"}}))
    rows, checked = load("stores", empty)
    assert rows == 0 and checked.loaded.height == 0
    bad = tmp_path / "storeListInDong_key.json"
    bad.write_text(json.dumps({"header": {"resultCode": "30", "resultMsg": "SERVICE_KEY_IS_NOT_REGISTERED_ERROR"}}))
    with pytest.raises(ParseError, match="30: SERVICE_KEY_IS_NOT_REGISTERED_ERROR"):
        load("stores", bad)


def test_store_file_without_a_reference_month_is_refused(tmp_path):
    path = tmp_path / "stores.csv"
    path.write_bytes(PIPE.read_bytes())
    with pytest.raises(ParseError, match="no reference month"):
        load("stores", path)


def test_samples_carry_quarter_to_quarter_churn():
    snapshots = [load("stores", z)[1].loaded for z in ZIPS]
    assert len(snapshots) == 3
    for before, after in zip(snapshots, snapshots[1:]):
        ids_before, ids_after = set(before["store_id"]), set(after["store_id"])
        assert ids_before - ids_after and ids_after - ids_before  # closes and opens
        both = before.join(after, on="store_id", suffix="_next")
        assert (both["category_small_code"] != both["category_small_code_next"]).any()
        clean = both.filter(~pl.col("name_formula_neutralised") & ~pl.col("name_formula_neutralised_next")
                            & ~pl.col("name_identifier_masked") & ~pl.col("name_identifier_masked_next"))
        assert (clean["store_name"] != clean["store_name_next"]).any()


# ---------------------------------------------------------------------------------------------- free text

@pytest.mark.parametrize("payload", [*gen.FORMULA_PAYLOADS, "\r@cmd", " -1", "+82 가게"])
def test_formula_payloads_are_neutralised(payload):
    frame = pl.DataFrame({"상호명": [payload]}, schema={"상호명": pl.String})
    screened = free_text.screen(frame, ["상호명"])
    value = screened["상호명"][0]
    assert not value.startswith(FORMULA_START) and not any(c in value for c in "\t\r\n")
    leads_with_formula = payload.strip().startswith(("=", "+", "-", "@"))
    assert screened[free_text.FORMULA_FLAG][0] == str(leads_with_formula).lower()
    assert value == ("'" if leads_with_formula else "") + payload.replace("\r", " ").replace("\t", " ").strip()


def test_no_loaded_store_text_can_start_a_formula():
    for path in [*ZIPS, PIPE, STORE_API]:
        loaded = load("stores", path)[1].loaded
        for column in ("store_name", "branch_name", "building_name"):
            values = loaded[column].drop_nulls()
            assert not values.str.contains(r"^[=+\-@\t\r]|[\t\r\n]").any(), (path.name, column)
    flagged = pl.concat([load("stores", z)[1].loaded for z in ZIPS]).filter("name_formula_neutralised")
    assert flagged.height >= 5 * len(ZIPS) and flagged["store_name"].str.starts_with("'").all()


@pytest.mark.parametrize(("name", "masked"), [
    ("행복분식 900101-1234567", "행복분식 ******-*******"),
    ("행복분식9001012234567", "행복분식*************"),
    ("새봄샵010-1234-5678", "새봄샵***-****-****"),
    ("새봄샵 01012345678", "새봄샵 ***********"),
    ("열쇠 02-2600-1234", "열쇠 **-****-****"),
    ("강서 031)123-4567 수리", "강서 ***)***-**** 수리"),
    ("마곡1번가 2층", "마곡1번가 2층"),
    ("7080 노래방", "7080 노래방"),
])
def test_identifiers_in_store_names_are_masked(name, masked):
    screened = free_text.screen(pl.DataFrame({"상호명": [name]}), ["상호명"])
    assert screened["상호명"][0] == masked
    assert screened[free_text.IDENTIFIER_FLAG][0] == str(name != masked).lower()


def test_the_privacy_gate_patterns_find_nothing_in_loaded_store_text():
    """The same RE2 patterns the no_direct_identifiers gate runs on every mart and export."""
    loaded = pl.concat([load("stores", p)[1].loaded for p in [*ZIPS, STORE_API]])
    assert loaded["name_identifier_masked"].sum() >= 3 * len(ZIPS)
    text = loaded.select([c for c, t in loaded.schema.items() if t == pl.String])
    con = duckdb.connect()
    con.register("stores", text.to_arrow())
    for label, pattern in GENERIC_PATTERNS.items():
        if label == "korean_name_in_context":
            continue
        hits = con.execute(
            "SELECT count(*) FROM stores WHERE " + " OR ".join(f'regexp_matches("{c}", ?)' for c in text.columns),
            [pattern] * len(text.columns)).fetchone()[0]
        assert hits == 0, label


# ---------------------------------------------------------------------------------------------- Seoul 상권분석

def test_sales_korean_typo_headers_lower_case_english_and_json_map_to_equal_frames(tmp_path):
    _, from_json = load("commerce_sales", SALES_JSON)
    expected = from_json.loaded.drop(ROW_NUMBER)
    data = expected.with_columns(pl.all().cast(pl.String))
    ko = tmp_path / "sales_ko.csv"
    en = tmp_path / "sales_en.csv"
    gen.write_seoul_csv(data, "commerce_sales", ko, "ko", "cp949")
    gen.write_seoul_csv(data, "commerce_sales", en, "en", "utf-8-sig")
    header_ko = ko.read_bytes().decode("cp949").splitlines()[0].split(",")
    assert header_ko[0] == "기준_년분기_코드" and "시간대_건수~06_매출_건수" in header_ko and "시간대_건수~24_매출_건수" in header_ko
    assert en.read_bytes().decode("utf-8-sig").startswith("stdr_yyqu_cd,trdar_se_cd,")
    for path in (ko, en):
        rows, checked = load("commerce_sales", path)
        assert checked.loaded.drop(ROW_NUMBER).equals(expected), path.name


def test_committed_sales_variants_have_the_published_headers():
    header_ko = SALES_KO.read_bytes().decode("cp949").splitlines()[0]
    assert header_ko.startswith("기준_년분기_코드,상권_구분_코드,") and "시간대_건수~06_매출_건수" in header_ko
    assert SALES_EN.read_bytes().startswith(b"\xef\xbb\xbfstdr_yyqu_cd,")
    assert "VwsmTrdarSelngQq" in json.loads(SALES_JSON.read_text(encoding="utf-8"))
    quarters = {p.name: set(load("commerce_sales", p)[1].loaded["quarter"]) for p in (SALES_KO, SALES_EN, SALES_JSON)}
    assert len(set.union(*quarters.values())) == 3 and all(len(q) == 1 for q in quarters.values())


def test_old_2019_2021_sales_layout_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "서울시 우리마을가게 상권분석서비스(상권-추정매출)_2019년.csv"
    path.write_bytes("기준_년_코드,기준_분기_코드,상권_구분_코드,상권_코드,서비스_업종_코드,분기당_매출_금액,주중_매출_비율,점포수\n"
                     "2019,1,A,3110001,CS100001,123456789,70,12\n".encode("cp949"))
    with pytest.raises(ParseError, match=r"2019-2021 추정매출 layout .*기준_년_코드.*current layout"):
        load("commerce_sales", path)


@pytest.mark.parametrize(("document", "outcome"), [
    ({"VwsmTrdarSelngQq": {"list_total_count": 0, "RESULT": {"CODE": "INFO-200", "MESSAGE": "해당하는 데이터가 없습니다."}}}, 0),
    ({"RESULT": {"CODE": "INFO-200", "MESSAGE": "해당하는 데이터가 없습니다."}}, 0),
    ({"RESULT": {"CODE": "INFO-100", "MESSAGE": "인증키가 유효하지 않습니다."}}, "INFO-100"),
    ({"VwsmTrdarSelngQq": {"RESULT": {"CODE": "ERROR-336", "MESSAGE": "데이터요청은 한번에 최대 1000건"}}}, "ERROR-336"),
    ({"VwsmTrdarStorQq": {"RESULT": {"CODE": "INFO-000"}, "row": []}}, "no VwsmTrdarSelngQq envelope"),
])
def test_seoul_api_result_codes(tmp_path, document, outcome):
    path = tmp_path / "VwsmTrdarSelngQq_20262.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    if isinstance(outcome, int):
        rows, checked = load("commerce_sales", path)
        assert rows == checked.loaded.height == outcome
    else:
        with pytest.raises(ParseError, match=outcome):
            load("commerce_sales", path)


def test_store_stats_rates_are_read_under_their_published_spellings(tmp_path):
    header = (SAMPLES / "commerce_store_stats/seoul_trade_area_stores_ko_SYNTHETIC.csv").read_bytes().decode("cp949").splitlines()[0]
    assert "개업_율" in header and "폐업_률" in header
    rows, checked = load("commerce_store_stats", SAMPLES / "commerce_store_stats/seoul_trade_area_stores_ko_SYNTHETIC.csv")
    assert checked.loaded["open_rate"].is_not_null().all() and checked.loaded["close_rate"].is_not_null().all()
    swapped = tmp_path / "stores_swapped_spelling.csv"
    swapped.write_bytes(header.replace("개업_율", "개업_률").replace("폐업_률", "폐업_율").encode("cp949") + b"\r\n"
                        + (SAMPLES / "commerce_store_stats/seoul_trade_area_stores_ko_SYNTHETIC.csv").read_bytes().split(b"\r\n", 1)[1])
    assert load("commerce_store_stats", swapped)[1].loaded.drop(ROW_NUMBER).equals(checked.loaded.drop(ROW_NUMBER))


def test_floating_population_json_and_csv_share_the_schema():
    csv_loaded = load("commerce_floating_population", next((SAMPLES / "commerce_floating_population").glob("*.csv")))[1].loaded
    json_loaded = load("commerce_floating_population", next((SAMPLES / "commerce_floating_population").glob("*.json")))[1].loaded
    assert csv_loaded.schema == json_loaded.schema
    parts = json_loaded.select(pl.sum_horizontal(pl.col(r"^tb_.*_population$")) == pl.col("total_population"))
    assert parts.to_series().all()  # time bands add up to the total, as Seoul's do


def test_area_xy_stay_in_epsg_5181_and_dong_codes_are_ten_digits():
    for path in sorted((SAMPLES / "commerce_areas").iterdir()):
        loaded = load("commerce_areas", path)[1].loaded
        assert loaded["x_5181"].is_between(170_000, 230_000).all() and loaded["y_5181"].is_between(420_000, 480_000).all()
        assert loaded["adong_code"].str.contains(r"^11500[0-9]{3}00$").all()
    raw = (SAMPLES / "commerce_areas/seoul_trade_areas_ko_SYNTHETIC.csv").read_bytes().decode("cp949")
    assert raw.startswith("상권_구분_코드,상권_구분_코드_명,상권_코드,상권_코드_명,엑스좌표_값,와이좌표_값,")


# ---------------------------------------------------------------------------------------------- crosswalk

def test_crosswalk_seed_follows_its_contract():
    seed = crosswalk.crosswalk()
    table = get_contract("category_crosswalk").table
    assert seed.columns == [c.name for c in table.columns]
    for column in table.columns:
        values = seed[column.name]
        if column.required:
            assert values.null_count() == 0, column.name
        if column.pattern:
            assert values.drop_nulls().str.contains(column.pattern).all(), column.name
        if column.valid_values:
            assert set(values.drop_nulls()) <= set(column.valid_values), column.name
    assert seed.select(table.primary_key).is_unique().all()
    many_to_many = seed.group_by("store_category_code").len().filter(pl.col("len") > 1)
    assert many_to_many.height >= 1 and (seed.filter(pl.col("store_category_code").is_in(many_to_many["store_category_code"].to_list()))
                                         ["relation"] != "exact").all()


def test_crosswalk_coverage_of_the_sample_stores_and_sales():
    stores = pl.concat([load("stores", z)[1].loaded for z in ZIPS])
    cover = crosswalk.store_coverage(stores)
    assert cover.rows == stores.height and 0.85 < cover.share < 1.0
    assert set(cover.unmapped_codes) == {"Q10201", "Q10205"}  # 의원: no Seoul service code in the reference
    assert {"exact", "broader"} <= set(cover.by_relation)  # 네일숍 maps only through S207 (broader)
    assert sum(cover.by_relation.values()) == cover.mapped
    assert crosswalk.store_coverage(load("stores", PIPE)[1].loaded).share == 0.0  # pre-2023 codes never map

    sales = pl.concat([load("commerce_sales", p)[1].loaded for p in (SALES_KO, SALES_EN, SALES_JSON)])
    sales_cover = crosswalk.sales_coverage(sales)
    unmapped_services = {code for code, _ in gen.SERVICES} - set(crosswalk.crosswalk()["service_code"])
    assert set(sales_cover.unmapped_codes) == unmapped_services & set(sales["service_code"])
    assert sales_cover.mapped + sum(sales_cover.unmapped_codes.values()) == sales.height


def test_store_services_uses_the_most_specific_code():
    stores = load("stores", ZIPS[0])[1].loaded
    pairs = crosswalk.store_services(stores)
    cafes = pairs.filter(pl.col("category_small_code") == "I21201")
    assert set(cafes["service_code"]) == {"CS100010"} and set(cafes["matched_on"]) == {"소분류"}
    nails = pairs.filter(pl.col("category_small_code") == "S20702")
    assert set(nails["matched_on"]) <= {"중분류"} and set(nails["relation"]) <= {"broader"}


# ---------------------------------------------------------------------------------------------- generator

def test_samples_are_what_the_generator_writes(tmp_path):
    counts = generate(tmp_path, COMMERCE_SOURCES)
    for relative in counts:
        assert (tmp_path / relative).read_bytes() == (SAMPLES / relative).read_bytes(), relative
        assert (SAMPLES / relative).stat().st_size < 1_000_000
    assert {p.relative_to(SAMPLES).as_posix() for p in SAMPLE_FILES} == set(counts)


def test_generator_scales_and_is_deterministic(tmp_path):
    first = gen.generate_stores(tmp_path / "a", scale=0.002, quarters=2, seed=7, dirty_rate=0.01)
    second = gen.generate_stores(tmp_path / "b", scale=0.002, quarters=2, seed=7, dirty_rate=0.01)
    assert first == second
    assert all((tmp_path / "a" / r).read_bytes() == (tmp_path / "b" / r).read_bytes() for r in first)
    zips = sorted(k for k in first if k.endswith(".zip"))
    assert len(zips) == 2 and 1100 <= first[zips[0]] <= 1120  # 550,000 × 0.002 plus the duplicate rows
    loaded = load("stores", tmp_path / "a" / zips[0])[1].loaded
    assert 1 < (loaded["sigungu_code"] != "11500").sum() and set(loaded["sido_code"]) == {"11"}


# ---------------------------------------------------------------------------------------------- ingest

def _data_rows(path: Path) -> int:
    """Rows counted independently of the loaders."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path, metadata_encoding="cp949") as archive:
            text = archive.read(next(n for n in archive.namelist() if "서울" in n)).decode("utf-8-sig")
        return sum(1 for _ in csv.reader(io.StringIO(text))) - 1
    if path.suffix == ".json":
        document = json.loads(path.read_text(encoding="utf-8"))
        if "body" in document:
            return len(document["body"]["items"])
        return len(next(iter(document.values()))["row"])
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("cp949")
    return len(text.splitlines()) - 1


@pytest.mark.parametrize("path", [ZIPS[0], PIPE, STORE_API, SALES_KO, SALES_EN, SALES_JSON,
                                  *(next((SAMPLES / s).glob("*.csv")) for s in COMMERCE_SOURCES[2:])],
                         ids=lambda p: p.name)
def test_ingest_accounts_for_every_row(settings, path):
    source = source_of(path)
    result = ingest_file(settings, source, path, "t1")
    assert result.status == "loaded" and result.rows == _data_rows(path)
    assert result.rows == result.loaded + result.quarantined and sum(result.reasons.values()) == result.quarantined
    assert result.unmapped_fields == []
    with lake_session(settings, read_only=True) as con:
        assert con.execute(f"SELECT count(*) FROM lake.raw_identified.{source}").fetchone()[0] == result.loaded
        assert con.execute(f"SELECT count(*) FROM lake.quarantine.{source}").fetchone()[0] == result.quarantined
    assert ingest_file(settings, source, path, "t2").status == "already_loaded"


def test_ingest_of_an_old_layout_sales_file_fails_and_stays_in_landing(settings, tmp_path):
    path = tmp_path / "sales_2019.csv"
    path.write_bytes("기준_년_코드,기준_분기_코드,분기당_매출_금액\n2019,1,1\n".encode("cp949"))
    with pytest.raises(IngestFailed, match="sales_2019.csv.*2019-2021"):
        ingest_file(settings, "commerce_sales", path, "t1")
    with lake_session(settings, read_only=True) as con:
        assert con.execute("SELECT status FROM lake.landing.files").fetchone()[0] == "failed"
