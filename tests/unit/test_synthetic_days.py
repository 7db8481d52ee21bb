"""One more day after a history (`python -m synthetic --start-day N --days 1`, what the bench adds to an
SF 1 lake): every row on the day after the history, in files beside the history's (new names, new bytes),
with the history's people, children, devices, poles and spaces; the history itself unchanged."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from synthetic.registry import REGISTRY, NoCalendar, Options, generate

DAILY = ("childcare_meals", "welfare_cases", "welfare_call_logs", "welfare_iot_readings", "smart_pole_counts",
         "disabled_parking_events", "wildfire_weather")
HISTORY = Options(scale=0.01, days=10, dirty_rate=0)  # clean rows: no deliberately impossible date
NEXT_DAY = replace(HISTORY, days=1, start_day=10)
# The column holding each row's day (its first ten characters), per source.
DAY_COLUMN = {"childcare_meals": "급식일자", "welfare_call_logs": "발신일시", "welfare_iot_readings": "measured_at",
              "smart_pole_counts": "집계시작일시", "disabled_parking_events": "이벤트일시", "wildfire_weather": "일시"}


def digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def rows(path: Path) -> list[dict]:
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    with path.open(encoding="cp949", newline="") as f:
        return list(csv.DictReader(f))


def rows_of(root: Path, source: str, day_files: bool) -> list[dict]:
    return [r for p in sorted((root / source).iterdir()) if ("_from-" in p.name) == day_files for r in rows(p)]


@pytest.fixture(scope="module")
def inboxes(tmp_path_factory):
    """The history alone, and an inbox holding the history and then the day after it."""
    root = tmp_path_factory.mktemp("days")
    generate(root / "history", DAILY, HISTORY)
    generate(root / "inbox", DAILY, HISTORY)
    day_counts = generate(root / "inbox", DAILY, NEXT_DAY)
    return root / "history", root / "inbox", day_counts


def test_the_day_lands_beside_the_history_whose_files_stay_the_same(inboxes):
    history, inbox, day_counts = inboxes
    before, after = digests(history), digests(inbox)
    assert {k: v for k, v in after.items() if k in before} == before  # every history file, byte for byte
    day_files = after.keys() - before.keys()
    assert day_files == set(day_counts) and all("_from-2026-01-15" in f for f in day_files)
    assert {f.split("/")[0] for f in day_files} == set(DAILY)
    assert not set(after[f] for f in day_files) & set(before.values())  # new bytes: new sha256, so new to the lake
    generate(history.parent / "again", DAILY, HISTORY)
    assert digests(history.parent / "again") == before  # the option changes nothing when not given


def test_every_row_of_the_day_is_on_the_day_after_the_history(inboxes):
    _, inbox, _ = inboxes
    day_after = REGISTRY["childcare_meals"].first_day(NEXT_DAY)
    assert day_after.isoformat() == "2026-01-15"
    assert {REGISTRY[s].first_day(NEXT_DAY) for s in DAILY} == {day_after}
    for source, column in DAY_COLUMN.items():
        history_days = {r[column][:10] for r in rows_of(inbox, source, day_files=False)}
        day = rows_of(inbox, source, day_files=True)
        assert day and {r[column][:10] for r in day} == {day_after.isoformat()}, source
        assert max(history_days) < day_after.isoformat(), source
    # the case extract is a snapshot taken the morning after its period: the history's on the day, the day's after it
    assert {r["기준일자"] for r in rows_of(inbox, "welfare_cases", day_files=False)} == {day_after.isoformat()}
    assert {r["기준일자"] for r in rows_of(inbox, "welfare_cases", day_files=True)} == {(day_after + timedelta(1)).isoformat()}


def test_the_day_has_the_history_people_children_devices_and_poles(inboxes):
    _, inbox, _ = inboxes

    def values(source: str, *columns: str, day_files: bool) -> set[tuple]:
        return {tuple(r[c] for c in columns) for r in rows_of(inbox, source, day_files)}

    person = ("대상자ID", "성명", "주민등록번호", "출생연도", "주소")
    assert values("welfare_cases", *person, day_files=True) == values("welfare_cases", *person, day_files=False)
    people = {p for (p,) in values("welfare_cases", "대상자ID", day_files=False)}
    assert {p for (p,) in values("welfare_call_logs", "대상자ID", day_files=True)} <= people
    for source, columns in (("childcare_meals", ("어린이집코드", "아동ID", "반연령")),
                            ("welfare_iot_readings", ("device_id", "household_id")),
                            ("smart_pole_counts", ("스마트폴ID", "설치장소")),
                            ("disabled_parking_events", ("주차장관리번호", "주차면번호", "센서ID"))):
        assert values(source, *columns, day_files=True) <= values(source, *columns, day_files=False), source


def test_a_source_without_days_has_no_later_start_day(tmp_path):
    with pytest.raises(NoCalendar, match="cctv"):
        generate(tmp_path, ["cctv", "childcare_meals"], Options(scale=0.01, start_day=1))
    assert not any(tmp_path.iterdir())  # refused before anything is written
