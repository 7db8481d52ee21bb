"""Welfare operational sources (synthetic): generator, loaders and contracts, on generated files and the sample."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from catalog.contracts import get_contract
from transforms.records import ParseError
from transforms.encoding import decode_to_utf8
from conftest import check_file_rows
from synthetic.welfare_ops import (
    CALL_HEADER, CALLS_RELPATH, CASE_HEADER, CASES_RELPATH, DONGS, SAMPLE_DAYS, SAMPLE_SCALE,
    generate_welfare_ops,
)
from transforms.welfare import call_logs, cases, iot

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
PARSERS = {"welfare_cases": cases.parse, "welfare_call_logs": call_logs.parse, "welfare_iot_readings": iot.parse}
SAMPLE_FILES = sorted(p for source in PARSERS for p in (SAMPLES / source).iterdir() if p.is_file())

# The dirty kinds of the generator and the reason code each must get in quarantine.
EXPECTED_REASONS = {
    "welfare_cases": {"bad_format:rrn", "bad_format:phone", "unknown_code:adong_code", "unknown_code:entitlement",
                      "out_of_range:birth_year", "missing_value:person_id", "bad_format:crisis_codes", "duplicate_key"},
    "welfare_call_logs": {"out_of_range:attempt", "unknown_code:caller", "unknown_code:result",
                          "out_of_range:risk_score", "bad_value:duration_s", "bad_format:called_at",
                          "missing_value:person_id", "duplicate_key"},
    "welfare_iot_readings": {"missing_value:device_id", "out_of_range:power_wh", "out_of_range:motion_events",
                             "bad_format:measured_at", "bad_value:device_online", "duplicate_key"},
}


def digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def load(path: Path, source: str, tmp_path: Path):
    """As ingest does it, short of the lake: (encoding, rows read and unmapped fields, the checked rows)."""
    encoding = decode_to_utf8(path, tmp_path / f"{path.name}.utf8")[0]
    rows, checked, unmapped = check_file_rows(source, path, tmp_path)
    return encoding, SimpleNamespace(rows=rows, unmapped_fields=unmapped), checked


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """A generation without dirty rows: every rule of the generator must hold on every row."""
    root = tmp_path_factory.mktemp("welfare_clean")
    return root, generate_welfare_ops(root, scale=0.01, days=21, dirty_rate=0.0)


@pytest.fixture(scope="module")
def sample_calls(tmp_path_factory) -> pl.DataFrame:
    _, _, checked = load(SAMPLES / CALLS_RELPATH, "welfare_call_logs", tmp_path_factory.mktemp("calls"))
    return checked.loaded


def read_cp949_csv(path: Path) -> pl.DataFrame:
    return pl.read_csv(path.read_bytes().decode("cp949").encode("utf-8"), infer_schema=False)


# --- generator ------------------------------------------------------------------------

def test_same_arguments_give_byte_identical_files_in_real_formats(tmp_path):
    counts = generate_welfare_ops(tmp_path / "a", scale=0.004, days=10)
    generate_welfare_ops(tmp_path / "b", scale=0.004, days=10)
    root = tmp_path / "a"
    assert digest(root) == digest(tmp_path / "b")
    assert set(counts) == set(digest(root))
    for relpath, header in ((CASES_RELPATH, CASE_HEADER), (CALLS_RELPATH, CALL_HEADER)):
        text = (root / relpath).read_bytes().decode("cp949")  # strict: the extracts are CP949
        assert text.startswith(",".join(header) + "\r\n")
        assert len(read_cp949_csv(root / relpath)) == counts[relpath]
    jsonl = [p for p in counts if p.endswith(".jsonl")]
    assert [Path(p).name for p in jsonl] == ["iot_readings_2026-W02_SYNTHETIC.jsonl", "iot_readings_2026-W03_SYNTHETIC.jsonl"]
    for relpath in jsonl:
        lines = (root / relpath).read_text(encoding="utf-8").splitlines()
        assert len(lines) == counts[relpath]
        parsed = []
        for line in lines:
            try:
                parsed.append(json.loads(line))
            except json.JSONDecodeError:
                pass  # a truncated record: a dirty row
        assert len(parsed) >= len(lines) - 2 and all(isinstance(o, dict) for o in parsed)
        assert list(parsed[0]) == ["device_id", "household_id", "measured_at", "motion_events", "power_wh",
                                   "door_openings", "device_online"]
        assert parsed[0]["measured_at"] == "2026-01-05T00:00:00+09:00" or "W03" in relpath


def test_a_different_seed_gives_different_people(tmp_path):
    generate_welfare_ops(tmp_path / "a", scale=0.004, days=7, seed=1)
    generate_welfare_ops(tmp_path / "b", scale=0.004, days=7, seed=2)
    assert digest(tmp_path / "a")[CASES_RELPATH] != digest(tmp_path / "b")[CASES_RELPATH]


def test_the_committed_sample_is_the_generator_output(tmp_path):
    counts = generate_welfare_ops(tmp_path, scale=SAMPLE_SCALE, days=SAMPLE_DAYS)
    committed = {f"{p.parent.name}/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in SAMPLE_FILES}
    assert digest(tmp_path) == committed
    assert all(p.stat().st_size < 500_000 for p in SAMPLE_FILES)
    assert counts[CASES_RELPATH] == 97


def test_identifiers_are_well_formed_and_fictitious(clean):
    root, _ = clean
    frame = read_cp949_csv(root / CASES_RELPATH)
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    for rrn, year, sex in zip(frame["주민등록번호"], frame["출생연도"], frame["성별"]):
        digits = [int(c) for c in rrn.replace("-", "")]
        assert rrn[:2] == year[2:] and digits[6] == (2 if sex == "여" else 1)
        assert (11 - sum(d * w for d, w in zip(digits, weights)) % 11) % 10 != digits[12]  # fails the checksum
    age = 2026 - frame["출생연도"].cast(pl.Int32)
    assert age.min() >= 50 and age.max() <= 100 and (age >= 65).mean() > 0.8
    assert frame["연락처"].str.contains(r"^010-[2-9][0-9]{3}-[0-9]{4}$").all()
    roads = {road for _, _, rs in DONGS.values() for road in rs}
    street = frame["주소"].str.extract(r"^서울특별시 강서구 ([가-힣]+?)(?:[0-9]+길)? [0-9]+", 1)
    assert street.is_in(list(roads)).all()
    assert set(frame["행정동코드"]) <= set(DONGS) and frame["성명"].str.contains(r"^[가-힣]{3}$").all()
    minors = frame.filter(pl.col("출생연도").cast(pl.Int32) > 1960)
    assert (minors["수급자격"] != "기초연금").all()  # 기초연금 starts at 65


# --- loaders, contracts and quarantine -------------------------------------------------

@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_file_is_loaded_or_quarantined_with_the_expected_reasons(path, tmp_path):
    source = path.parent.name
    encoding, mapped, checked = load(path, source, tmp_path)
    assert encoding == ("cp949" if path.suffix == ".csv" else "utf-8")
    assert mapped.unmapped_fields == []
    assert mapped.rows == checked.loaded.height + checked.quarantined.height
    assert checked.loaded.height > 0.9 * mapped.rows
    assert set(checked.reasons) <= EXPECTED_REASONS[source]
    if source != "welfare_iot_readings":  # one file each: exactly one row of every dirty kind
        assert checked.reasons == {reason: 1 for reason in EXPECTED_REASONS[source]}


def test_every_iot_dirty_kind_is_quarantined_somewhere_in_the_sample(tmp_path):
    reasons: set[str] = set()
    for path in (p for p in SAMPLE_FILES if p.suffix == ".jsonl"):
        reasons |= set(load(path, "welfare_iot_readings", tmp_path)[2].reasons)
    assert reasons == EXPECTED_REASONS["welfare_iot_readings"]


def test_clean_generation_loads_every_row(clean, tmp_path):
    root, counts = clean
    for relpath, rows in counts.items():
        source = relpath.split("/")[0]
        _, mapped, checked = load(root / relpath, source, tmp_path)
        assert (checked.loaded.height, checked.quarantined.height) == (rows, 0), relpath


GOOD = {"device_id": "IOT-0000ABCD", "household_id": "P00000001", "measured_at": "2026-01-05T13:00:00+09:00",
        "motion_events": 3, "power_wh": 40.5, "door_openings": 0, "device_online": True}


def test_a_malformed_jsonl_line_is_quarantined_not_fatal(tmp_path):
    path = tmp_path / "readings.jsonl"
    lines = [json.dumps(GOOD), '{"device_id":"IOT-0000ABCD","household_id":"P000', "[1, 2]", "",
             json.dumps({**GOOD, "measured_at": "2026-01-05T14:00:00+09:00", "power_wh": None, "extra": {"a": 1}})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame = pl.concat(list(iot.parse(path, path.name)))
    assert frame["_row_number"].to_list() == [1, 2, 3, 5]  # line numbers; the blank line is no record
    assert frame.row(0, named=True) == {
        "_row_number": 1, "device_id": "IOT-0000ABCD", "household_id": "P00000001",
        "measured_at": "2026-01-05T13:00:00+09:00", "motion_events": "3", "power_wh": "40.5",
        "door_openings": "0", "device_online": "true", "extra": None}
    assert frame["extra"].to_list() == [None, None, None, '{"a":1}']
    _, checked, unmapped = check_file_rows("welfare_iot_readings", path, tmp_path)
    assert unmapped == ["extra"]
    assert checked.loaded.height == 2 and checked.reasons == {"missing_value:device_id": 2}
    assert checked.quarantined["_row_number"].to_list() == [2, 3]


def test_a_line_that_is_not_strict_json_is_quarantined(tmp_path):
    # NaN is not JSON; a lone surrogate cannot be stored as text (it made the whole file fail before orjson)
    path = tmp_path / "readings.jsonl"
    lines = [json.dumps(GOOD), '{"device_id": "IOT-0000ABCD", "power_wh": NaN}', '{"device_id": "\\ud800"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, checked, _ = check_file_rows("welfare_iot_readings", path, tmp_path)
    assert checked.loaded.height == 1 and checked.quarantined["_row_number"].to_list() == [2, 3]


@pytest.mark.parametrize("text", ["device_id,household_id\nIOT-0000ABCD,P00000001\n",
                                  '[\n{"device_id": "IOT-0000ABCD"}\n]\n', '{"device_id": "IOT-00', "\n\n"])
def test_a_file_that_is_not_json_lines_is_refused_by_name(tmp_path, text):
    path = tmp_path / "export.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError, match="export.jsonl"):
        list(iot.parse(path, path.name))


def test_loaders_refuse_other_file_types(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("a\n", encoding="utf-8")
    for parse in PARSERS.values():
        with pytest.raises(ParseError, match="x.txt"):
            parse(path, path.name)


def test_contract_rules_catch_impossible_timestamps():
    table = get_contract("welfare_call_logs").table
    pattern = table.column("called_at").pattern
    good = ["2026-01-05 10:03:27", "2028-02-29 23:59:59", "2026-12-31T00:00:00"]
    bad = ["2026-02-30 10:00:00", "2026-02-29 10:00:00", "2026-04-31 10:00:00", "2026-01-05 24:00:00", "2026-01-05"]
    assert pl.Series(good).str.contains(pattern).all() and not pl.Series(bad).str.contains(pattern).any()
    hourly = get_contract("welfare_iot_readings").table.column("measured_at").pattern
    assert pl.Series(["2026-01-05T13:00:00+09:00"]).str.contains(hourly).all()
    assert not pl.Series(["2026-01-05T13:30:00+09:00", "2026-01-05T13:00:00Z", "2026-02-30T13:00:00+09:00"]) \
        .str.contains(hourly).any()


# --- call-log rules ---------------------------------------------------------------------

def test_call_log_rules_hold_on_the_clean_rows(sample_calls):
    calls = sample_calls
    assert calls["attempt"].is_between(1, 7).all()
    assert (calls.filter(pl.col("caller") == "관제")["attempt"] >= 5).all()
    assert (calls.filter(pl.col("caller") == "AI")["attempt"] <= 4).all()
    answered = pl.col("result") == "응답"
    assert calls.filter(~answered)["duration_s"].eq(0).all() and calls.filter(~answered)["keywords"].is_null().all()
    assert calls.filter(answered)["duration_s"].gt(0).all()
    assert calls["risk_score"].is_between(0, 100).all()
    seventh = calls.filter((pl.col("attempt") == 7) & ~answered)
    assert (seventh["follow_up"] == "동주민센터통보").all()
    assert (calls.filter((pl.col("attempt") == 4) & ~answered)["follow_up"] == "관제이관").all()
    assert calls.filter(answered & (pl.col("risk_score") < 70))["follow_up"].eq("없음").all()


def test_the_sample_has_an_escalation_after_seven_unanswered_attempts(sample_calls):
    sessions = (
        sample_calls.with_columns(day=pl.col("called_at").str.slice(0, 10))
        .group_by("person_id", "day")
        .agg(pl.col("attempt").sort(), pl.col("result"), pl.col("follow_up").sort_by("attempt").last(),
             pl.col("risk_score").sort_by("attempt").last())
    )
    escalated = sessions.filter(
        (pl.col("attempt") == list(range(1, 8))) & ~pl.col("result").list.contains("응답"))
    assert escalated.height >= 1
    assert (escalated["follow_up"] == "동주민센터통보").all() and (escalated["risk_score"] >= 85).all()


def test_every_session_follows_the_retry_ladder(clean, tmp_path):
    """Without dirty rows: attempts 1..n, one answer at most and only as the last attempt, 7 when none."""
    root, _ = clean
    calls = load(root / CALLS_RELPATH, "welfare_call_logs", tmp_path)[2].loaded
    sessions = (
        calls.sort("called_at").with_columns(day=pl.col("called_at").str.slice(0, 10))
        .group_by("person_id", "day", maintain_order=True)
        .agg(pl.col("attempt"), pl.col("result"))
        .with_columns(n=pl.col("attempt").list.len(), answers=pl.col("result").list.eval(pl.element() == "응답").list.sum())
    )
    assert sessions.height > 500
    assert all(a == list(range(1, len(a) + 1)) for a in sessions["attempt"].to_list())
    assert all(r[-1] == "응답" or len(r) == 7 for r in sessions["result"].to_list())
    assert sessions["answers"].le(1).all()
    assert sessions.filter(pl.col("answers") == 0)["n"].eq(7).all()


def test_the_case_extract_agrees_with_the_call_log(clean, tmp_path):
    root, _ = clean
    calls = load(root / CALLS_RELPATH, "welfare_call_logs", tmp_path)[2].loaded
    people = load(root / CASES_RELPATH, "welfare_cases", tmp_path)[2].loaded
    last = calls.sort("called_at").group_by("person_id").agg(pl.col("called_at").last(), pl.col("result").last(),
                                                               pl.col("follow_up").last())
    joined = people.join(last, on="person_id", how="left")
    called = joined.filter(pl.col("called_at").is_not_null())
    assert (called["last_call_at"] == called["called_at"]).all() and (called["last_call_result"] == called["result"]).all()
    open_escalations = called.filter((pl.col("follow_up") == "동주민센터통보") & (pl.col("case_status") != "종결"))
    assert open_escalations.height >= 1 and open_escalations["case_status"].is_in(["방문요청", "긴급출동"]).all()
    missed = called.filter(pl.col("result") != "응답")
    assert (missed["consecutive_no_answer"] >= 7).all()
    assert called.filter(pl.col("result") == "응답")["consecutive_no_answer"].eq(0).all()


# --- IoT --------------------------------------------------------------------------------

def test_iot_households_are_monitored_people_read_every_hour(clean, tmp_path):
    root, counts = clean
    people = set(load(root / CASES_RELPATH, "welfare_cases", tmp_path)[2].loaded["person_id"])
    readings = pl.concat([load(root / p, "welfare_iot_readings", tmp_path)[2].loaded
                          for p in counts if p.endswith(".jsonl")])
    households = readings["household_id"].unique()
    assert len(households) == 20 and set(households) <= people
    assert readings.group_by("device_id").len()["len"].eq(21 * 24).all()
    assert readings.select(pl.struct("device_id", "household_id").n_unique()).item() == 20
    offline = readings.filter(~pl.col("device_online"))
    assert offline.height > 0 and offline.select(pl.all_horizontal(
        pl.col("motion_events", "power_wh", "door_openings").is_null())).to_series().all()
    online = readings.filter(pl.col("device_online"))
    night = online.filter(pl.col("measured_at").str.slice(11, 2).is_in(["01", "02", "03"]))
    evening = online.filter(pl.col("measured_at").str.slice(11, 2).is_in(["18", "19", "20"]))
    assert evening["motion_events"].mean() > 5 * night["motion_events"].mean()  # a daily rhythm
    power = (evening.group_by("device_id").agg(pl.col("power_wh").mean().alias("evening"))
             .join(night.group_by("device_id").agg(pl.col("power_wh").mean().alias("night")), on="device_id"))
    assert (power["evening"] > 1.2 * power["night"]).mean() >= 0.9  # cooking and TV; heating runs all night


def test_the_sample_shows_an_inactivity_episode(tmp_path):
    readings = pl.concat([load(p, "welfare_iot_readings", tmp_path)[2].loaded for p in SAMPLE_FILES if p.suffix == ".jsonl"])
    daytime = readings.filter(pl.col("device_online") & pl.col("measured_at").str.slice(11, 2).is_in(
        [f"{h:02d}" for h in range(9, 21)]))
    still = (daytime.group_by("household_id", pl.col("measured_at").str.slice(0, 10).alias("day"))
             .agg((pl.col("motion_events") == 0).sum().alias("still"), pl.len().alias("hours")))
    assert still.filter((pl.col("still") >= 10) & (pl.col("hours") >= 10)).height >= 1


def test_scale_sets_the_volumes(tmp_path):
    counts = generate_welfare_ops(tmp_path, scale=0.005, days=3, start=date(2026, 3, 2), dirty_rate=0.0)
    assert counts[CASES_RELPATH] == 60
    jsonl = {p: n for p, n in counts.items() if p.endswith(".jsonl")}
    assert list(jsonl) == ["welfare_iot_readings/iot_readings_2026-W10_SYNTHETIC.jsonl"]
    assert sum(jsonl.values()) == 10 * 3 * 24
