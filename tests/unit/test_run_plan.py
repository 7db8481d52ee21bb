"""The plan of the next run: everything at first and after a code change, then only sources with new files or
left over from a run that did not succeed; nothing when nothing is new."""

import os
import shutil
from pathlib import Path

import pytest

from lake.session import ensure_zones
from transforms import run_plan
from transforms.ingest import ingest_file
from transforms.run_plan import plan_run, record_start, record_success

from conftest import SAMPLES, record_complete_build


@pytest.fixture
def inbox(tmp_path, monkeypatch):
    folder = tmp_path / "inbox"
    (folder / "childcare_centers").mkdir(parents=True)
    for path in (SAMPLES / "childcare_centers").iterdir():
        shutil.copy2(path, folder / "childcare_centers" / path.name)
    monkeypatch.setenv("LAKEHOUSE_INBOX", str(folder))
    return folder


def test_the_first_run_and_all_build_everything(settings, inbox):
    first = plan_run(settings)
    assert first.full and "first run" in first.reason and "childcare_meals" in first.sources
    record_complete_build(settings)
    assert plan_run(settings, full=True).full


def test_new_files_make_their_source_pending_until_loaded(settings, inbox):
    record_complete_build(settings)
    plan = plan_run(settings)
    assert plan.sources == ("childcare_centers",) and plan.new_files == len(list((inbox / "childcare_centers").iterdir()))
    for path in sorted((inbox / "childcare_centers").iterdir()):
        ingest_file(settings, "childcare_centers", path, "test")
    nothing = plan_run(settings)
    assert nothing.nothing_to_do and nothing.reason == "nothing new in the inbox"


def test_a_run_that_did_not_succeed_leaves_its_sources_pending(settings, inbox):
    record_complete_build(settings)
    for path in sorted((inbox / "childcare_centers").iterdir()):
        ingest_file(settings, "childcare_centers", path, "test")
    failed = run_plan.RunPlan(False, "a run that failed", ("childcare_meals",), 1)
    record_start(settings, failed)  # and no record_success
    again = plan_run(settings)
    assert again.sources == ("childcare_meals",) and again.new_files == 0 and "did not succeed" in again.reason
    record_success(settings, again)
    assert plan_run(settings).nothing_to_do


def test_a_changed_contract_or_dbt_project_rebuilds_everything(settings, inbox, monkeypatch):
    record_complete_build(settings)
    monkeypatch.setattr(run_plan, "code_version", lambda: "something else")
    plan = plan_run(settings)
    assert plan.full and "changed" in plan.reason


def test_a_lake_whose_catalog_is_gone_is_built_again(settings, inbox):
    record_complete_build(settings)
    Path(settings.catalog_uri).unlink()
    plan = plan_run(settings)
    assert plan.full and "first run" in plan.reason


def test_files_seen_loaded_are_judged_without_opening_the_lake(settings, inbox, monkeypatch):
    record_complete_build(settings)
    for path in sorted((inbox / "childcare_centers").iterdir()):
        ingest_file(settings, "childcare_centers", path, "test")
    assert plan_run(settings).nothing_to_do  # asks the lake once, and remembers
    monkeypatch.setattr(run_plan, "loaded_digests", lambda _: pytest.fail("opened the lake"))
    assert plan_run(settings).nothing_to_do


def test_a_file_changed_in_place_is_hashed_again(settings, inbox):
    record_complete_build(settings)
    path = next((inbox / "childcare_centers").iterdir())
    ingest_file(settings, "childcare_centers", path, "test")
    before = run_plan.inbox_digests(settings)["childcare_centers"][path]
    path.write_bytes(path.read_bytes() + b"\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000_000))
    after = run_plan.inbox_digests(settings)["childcare_centers"][path]
    assert after != before and path in run_plan.new_files(settings)["childcare_centers"]
