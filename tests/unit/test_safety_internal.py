"""Internal safety sources (synthetic): generator, loaders and contracts, on generated files and the sample."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from catalog.contracts import get_contract
from quality.privacy_gates import identifier_patterns
from transforms.encoding import decode_to_utf8
from transforms.records import ParseError, map_to_contract, validate
from transforms.safety import disabled_parking, smart_poles, wildfire_weather
from transforms.sources import get_source
from conftest import check_file_rows
from synthetic.safety_internal import (
    GRACE_MIN, PARKING_HEADER, POLE_HEADER, SAMPLE_DAYS, SAMPLE_SCALE, SAMPLE_START, WEATHER_HEADER, WEATHER_RELPATH,
    generate_safety_internal, is_school_day,
)

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
PARSERS = {"smart_pole_counts": smart_poles.parse, "disabled_parking_events": disabled_parking.parse,
           "wildfire_weather": wildfire_weather.parse}
HEADERS = {"smart_pole_counts": POLE_HEADER, "disabled_parking_events": PARKING_HEADER, "wildfire_weather": WEATHER_HEADER}
SAMPLE_FILES = sorted(p for source in PARSERS for p in (SAMPLES / source).iterdir() if p.is_file())

# Every dirty kind of the generator and the reason code it must get in quarantine.
EXPECTED_REASONS = {
    "smart_pole_counts": {"rule:speeding_not_above_vehicles", "out_of_range:latitude", "bad_format:interval_start",
                          "out_of_range:children_detected", "unknown_code:device_status", "missing_value:pole_id",
                          "bad_value:vehicles", "duplicate_key"},
    "disabled_parking_events": {"bad_format:plate_number", "unknown_code:event_type", "unknown_code:permit_check",
                                "bad_format:event_at", "out_of_range:latitude", "missing_value:space_id",
                                "bad_value:parked_minutes", "duplicate_key"},
    "wildfire_weather": {"out_of_range:humidity_pct", "unknown_code:wind_direction_deg", "out_of_range:wind_speed_ms",
                         "bad_value:temperature_c", "bad_format:observed_at", "unknown_code:station_id", "duplicate_key"},
}


def digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def load(path: Path, tmp_path: Path):
    """As ingest does it, short of the lake: (encoding, rows read, the checked rows, unmapped fields)."""
    encoding = decode_to_utf8(path, tmp_path / f"{path.name}.utf8")[0]
    return encoding, *check_file_rows(path.parent.name, path, tmp_path)


def loaded(root: Path, source: str, tmp_path: Path) -> pl.DataFrame:
    return pl.concat([load(p, tmp_path)[2].loaded for p in sorted((root / source).glob("*.csv"))])


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    """A clean year at a small scale: every rule of the generator must hold on every row."""
    root = tmp_path_factory.mktemp("safety_year")
    return root, generate_safety_internal(root, scale=0.05, days=365, dirty_rate=0.0)


# --- generator ------------------------------------------------------------------------

def test_same_arguments_give_byte_identical_cp949_files_split_by_month(tmp_path):
    counts = generate_safety_internal(tmp_path / "a", scale=0.05, days=10, start=date(2026, 5, 27))
    generate_safety_internal(tmp_path / "b", scale=0.05, days=10, start=date(2026, 5, 27))
    root = tmp_path / "a"
    assert digest(root) == digest(tmp_path / "b") and set(counts) == set(digest(root))
    assert sorted(counts) == [
        "disabled_parking_events/disabled_parking_events_2026-05_SYNTHETIC.csv",
        "disabled_parking_events/disabled_parking_events_2026-06_SYNTHETIC.csv",
        "smart_pole_counts/smart_pole_counts_2026-05_SYNTHETIC.csv",
        "smart_pole_counts/smart_pole_counts_2026-06_SYNTHETIC.csv",
        WEATHER_RELPATH,
    ]
    for relpath, rows in counts.items():
        text = (root / relpath).read_bytes().decode("cp949")  # strict: these exports are CP949
        assert "SYNTHETIC" in relpath and text.startswith(",".join(HEADERS[relpath.split("/")[0]]) + "\r\n")
        assert len(pl.read_csv(text.encode("utf-8"), infer_schema=False)) == rows


def test_a_different_seed_gives_different_files(tmp_path):
    generate_safety_internal(tmp_path / "a", scale=0.05, days=3, seed=1)
    generate_safety_internal(tmp_path / "b", scale=0.05, days=3, seed=2)
    a, b = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert all(a[p] != b[p] for p in a)


def test_the_committed_sample_is_the_generator_output(tmp_path):
    generate_safety_internal(tmp_path, scale=SAMPLE_SCALE, days=SAMPLE_DAYS, start=SAMPLE_START)
    committed = {f"{p.parent.name}/{p.name}": hashlib.sha256(p.read_bytes()).hexdigest() for p in SAMPLE_FILES}
    assert digest(tmp_path) == committed
    assert all(p.stat().st_size < 500_000 for p in SAMPLE_FILES)


def test_scale_sets_poles_and_lots_and_weather_has_four_stations_at_any_scale(tmp_path):
    small = generate_safety_internal(tmp_path / "s", scale=0.05, days=1, dirty_rate=0.0)
    large = generate_safety_internal(tmp_path / "l", scale=0.5, days=1, dirty_rate=0.0)
    pole_file = "smart_pole_counts/smart_pole_counts_2026-01_SYNTHETIC.csv"
    assert (small[pole_file], large[pole_file]) == (3 * 96, 30 * 96)
    assert small[WEATHER_RELPATH] == large[WEATHER_RELPATH] == 4 * 24
    lots = lambda root: loaded(root, "disabled_parking_events", tmp_path)["lot_id"].n_unique()  # noqa: E731
    assert lots(tmp_path / "s") <= 2 < lots(tmp_path / "l") <= 20


# --- loaders, contracts and quarantine ---------------------------------------------------

@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_file_is_loaded_or_quarantined_with_one_row_per_dirty_kind(path, tmp_path):
    source = path.parent.name
    encoding, rows, checked, unmapped = load(path, tmp_path)
    assert encoding == "cp949" and unmapped == []
    assert rows == checked.loaded.height + checked.quarantined.height
    assert checked.reasons == {reason: 1 for reason in EXPECTED_REASONS[source]}
    assert get_source(source).accepts(path)


def test_a_clean_year_loads_every_row(year, tmp_path):
    root, counts = year
    for relpath, rows in counts.items():
        _, _, checked, _ = load(root / relpath, tmp_path)
        assert (checked.loaded.height, checked.quarantined.height) == (rows, 0), relpath


def test_loaders_refuse_other_file_types_by_name(tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_text("a\n", encoding="utf-8")
    for parse in PARSERS.values():
        with pytest.raises(ParseError, match="export.xlsx"):
            parse(path, path.name)


def test_an_aws_style_download_with_extra_elements_still_maps(tmp_path):
    """KMA downloads carry whatever elements were ticked: known ones map, the rest are reported, not fatal."""
    path = tmp_path / "aws.csv"
    path.write_text("지점,지점명,일시,기온(°C),풍속(m/s),풍향(16방위),습도(%),현지기압(hPa)\n"
                    "951,개화산,2026-04-01 13:00,18.2,3.1,270,28,1012.3\n"
                    "952,궁산,2026-04-01 24:00,18.0,2.0,250,30,1012.0\n", encoding="utf-8")
    _, checked, unmapped = check_file_rows("wildfire_weather", path, tmp_path)
    assert unmapped == ["현지기압(hPa)"]
    assert checked.loaded.row(0, named=True)["humidity_pct"] == 28.0 and checked.loaded["precipitation_mm"].is_null().all()
    assert checked.reasons == {"bad_format:observed_at": 1}  # KMA writes 00:00 of the next day, never 24:00


def test_the_plate_is_a_direct_identifier_the_privacy_gate_scans_for():
    column = get_contract("disabled_parking_events").table.column("plate_number")
    assert column.direct_identifier and column.tier == "identified-sensitive"
    pattern = identifier_patterns()["disabled_parking_events.plate_number"]
    hits = pl.Series(["차량 12가3456 주차", "123가4567", "12가345", "1234가5678"]).str.contains(pattern)
    assert hits.to_list() == [True, True, False, True]  # unanchored scan: a 4-digit head still contains a plate
    assert get_contract("disabled_parking_events").tier == "identified-sensitive"
    assert get_contract("smart_pole_counts").tier == get_contract("wildfire_weather").tier == "internal"


# --- smart poles ------------------------------------------------------------------------

def test_pole_counts_follow_traffic_and_the_school_day(year, tmp_path):
    root, _ = year
    poles = loaded(root, "smart_pole_counts", tmp_path)
    assert poles.group_by("pole_id").len()["len"].eq(365 * 96).all()
    measuring = poles.filter(pl.col("device_status") == "정상")
    down = poles.filter(pl.col("device_status") != "정상")
    assert down.height > 0 and down.select(pl.col("vehicles", "speeding_vehicles", "children_detected").is_null().all()).row(0) == (True,) * 3
    assert (measuring["speeding_vehicles"] <= measuring["vehicles"]).all()
    assert measuring.filter(pl.col("vehicles") == 0)["mean_speed_kmh"].is_null().all()
    measuring = measuring.with_columns(day=pl.col("interval_start").str.slice(0, 10).str.to_date(),
                                       hour=pl.col("interval_start").str.slice(11, 2).cast(pl.Int32))
    school = measuring.filter(pl.col("day").map_elements(is_school_day, return_dtype=pl.Boolean))
    other = measuring.filter(~pl.col("day").map_elements(is_school_day, return_dtype=pl.Boolean))
    at = lambda frame, hours: frame.filter(pl.col("hour").is_in(hours))["children_detected"].mean()  # noqa: E731
    assert at(school, [8]) > 10 * at(other, [8]) and at(school, [1, 2, 3]) == 0
    summer_break = other.filter((pl.col("day").dt.month() == 8) & (pl.col("day").dt.weekday() <= 5))
    assert summer_break.height > 0 and at(summer_break, [8]) < at(school, [8]) / 10
    night = measuring.filter(pl.col("hour").is_in([0, 1, 2, 3]))
    day = measuring.filter(pl.col("hour").is_in([8, 9, 17, 18]))
    assert day["vehicles"].mean() > 4 * night["vehicles"].mean()
    share = lambda f: f["speeding_vehicles"].sum() / f["vehicles"].sum()  # noqa: E731
    assert share(night) > 1.3 * share(day)


# --- disabled parking -------------------------------------------------------------------

def test_parking_events_alternate_per_space_and_fines_follow_violations(year, tmp_path):
    root, _ = year
    events = loaded(root, "disabled_parking_events", tmp_path).sort("event_at", "event_id")
    arrivals, departures = events.filter(pl.col("event_type") == "입차"), events.filter(pl.col("event_type") == "출차")
    assert arrivals["permit_check"].is_not_null().all() and arrivals["parked_minutes"].is_null().all()
    assert departures["permit_check"].is_null().all() and departures["parked_minutes"].is_not_null().all()
    sequences = events.group_by("lot_id", "space_id").agg(pl.col("event_type"), pl.col("plate_number"))
    for kinds, plates in zip(sequences["event_type"].to_list(), sequences["plate_number"].to_list()):
        assert kinds[::2] == ["입차"] * len(kinds[::2]) and kinds[1::2] == ["출차"] * len(kinds[1::2])
        assert plates[1::2] == plates[0::2][: len(plates[1::2])]  # the same vehicle leaves
    # the arrival's permit check decides the departure's action
    session = (events.with_columns(permit=pl.col("permit_check").forward_fill().over("lot_id", "space_id"))
               .filter(pl.col("event_type") == "출차"))
    fined = session.filter(pl.col("action") == "단속대상")
    assert fined.height > 0 and fined["permit"].is_in(["표지없음", "표지불일치"]).all()
    assert (fined["parked_minutes"] >= GRACE_MIN).all()
    warned = arrivals.filter(pl.col("permit_check").is_in(["표지없음", "표지불일치"]))
    assert (warned["action"] == "안내방송").all()
    assert (arrivals.filter(pl.col("permit_check") == "판독불가")["plate_number"].is_null()).all()
    repeat = fined.group_by("plate_number").len()
    assert repeat["len"].max() >= 3  # repeat violators exist
    valid_plates = set(arrivals.filter(pl.col("permit_check") == "정상")["plate_number"])
    assert valid_plates.isdisjoint(set(warned["plate_number"]))
    ids = events["event_id"]
    assert ids.is_unique().all() and (ids.str.slice(2, 8) == events["event_at"].str.replace_all("-", "").str.slice(0, 8)).all()


# --- weather ----------------------------------------------------------------------------

def test_weather_has_a_seasonal_cycle_and_kma_conventions(year, tmp_path):
    root, _ = year
    weather = loaded(root, "wildfire_weather", tmp_path).with_columns(
        month=pl.col("observed_at").str.slice(5, 2).cast(pl.Int32), hour=pl.col("observed_at").str.slice(11, 2).cast(pl.Int32))
    assert weather.group_by("station_id").len()["len"].eq(365 * 24).all()
    assert weather.select(pl.struct("station_id", "station_name").n_unique()).item() == 4
    by_month = weather.group_by("month").agg(pl.col("temperature_c").mean(), pl.col("humidity_pct").mean(),
                                             (pl.col("precipitation_mm").sum() / 4).alias("rain")).sort("month")
    temp, humid, rain = (by_month[c].to_list() for c in ("temperature_c", "humidity_pct", "rain"))
    assert temp[0] < 2 and temp[7] > 22  # January cold, August hot
    assert humid[3] < humid[6] - 10  # the dry spring (wildfire season) against the monsoon
    assert rain[6] > 4 * rain[0] and sum(rain) > 600
    afternoon, dawn = (weather.filter(pl.col("hour").is_in(h))["temperature_c"].mean() for h in ([14, 15], [4, 5]))
    assert afternoon > dawn + 4
    calm = weather.filter(pl.col("wind_direction_deg") == 0)
    assert calm.height > 0 and (calm["wind_speed_ms"] <= 0.3).all()
    missing = weather.filter(pl.col("temperature_qc") == "9")
    assert missing.height > 0 and missing["temperature_c"].is_null().all() and missing["precipitation_qc"].eq("9").all()
    assert weather.filter(pl.col("temperature_qc").is_null())["temperature_c"].is_not_null().all()
    assert weather["precipitation_mm"].drop_nulls().gt(0).all()  # no rain is an empty field, never 0.0
