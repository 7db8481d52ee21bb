"""The plan of the next run: everything at first and after a code change, then only sources with new files or
left over from a run that did not succeed; nothing when nothing is new."""

import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from lake.session import ensure_zones
from transforms import run_plan
from orchestration.defs.resources import LakeResource
from orchestration.defs.sources import raw_asset
from transforms.ingest import ingest_file
from transforms.landing import sha256_of
from transforms.sources import get_source
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


def test_a_raw_step_is_handed_only_files_not_known_loaded(settings, inbox):
    """The raw asset's step ingests `files_to_ingest`: without a hash cache (after a complete build) every file;
    once a plan saw them loaded, none; a new file, and a loaded one changed in place, again."""
    record_complete_build(settings)
    every = sorted((inbox / "childcare_centers").iterdir())
    assert len(every) > 1 and sorted(run_plan.files_to_ingest(settings, "childcare_centers")) == every
    for path in every:
        ingest_file(settings, "childcare_centers", path, "test")
    assert plan_run(settings).nothing_to_do  # the plan marks them loaded in the cache
    assert run_plan.files_to_ingest(settings, "childcare_centers") == []
    added = inbox / "childcare_centers" / "again.json"
    shutil.copy2(every[0], added)
    changed = every[1]
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 1_000_000_000))
    assert sorted(run_plan.files_to_ingest(settings, "childcare_centers")) == sorted([added, changed])


def test_what_a_raw_step_loaded_is_judged_by_the_next_plan_without_hashing(settings, inbox, monkeypatch):
    """A complete build plans without scanning the inbox; its raw steps remember each file's sha256, so the
    next plan hashes none of them, and a file changed since is hashed again."""
    record_complete_build(settings)
    done = dg.materialize([raw_asset(get_source("childcare_centers"))],
                          resources={"lake": LakeResource.from_settings(settings)})
    assert done.success
    hashed = []
    monkeypatch.setattr(run_plan, "sha256_of", lambda path: hashed.append(path) or sha256_of(path))
    assert plan_run(settings).nothing_to_do and hashed == []
    changed = sorted((inbox / "childcare_centers").iterdir())[0]
    changed.write_bytes(changed.read_bytes() + b"\n")
    os.utime(changed, ns=(changed.stat().st_atime_ns, changed.stat().st_mtime_ns + 1_000_000_000))
    assert plan_run(settings).sources == ("childcare_centers",) and hashed == [changed]


@pytest.fixture
def two_domain_inbox(inbox):
    (inbox / "stores").mkdir()
    for path in (SAMPLES / "stores").iterdir():
        shutil.copy2(path, inbox / "stores" / path.name)
    return inbox


def test_a_domain_run_builds_its_domain_and_leaves_the_others_pending(settings, two_domain_inbox):
    ensure_zones(settings)
    childcare = plan_run(settings, domains=["childcare"])
    assert childcare.full and childcare.complete == ("childcare",) and childcare.domains == ("childcare",)
    assert set(childcare.sources) == set(run_plan.source_ids(["childcare"])) and "stores" not in childcare.sources
    record_start(settings, childcare)
    record_success(settings, childcare)
    # The first complete build of commerce is still to come, whichever run reaches it; childcare is done.
    later = plan_run(settings)
    assert later.full and "childcare" not in later.complete and "commerce" in later.complete
    assert "first run" in later.reason and "childcare_meals" not in later.sources
    assert not plan_run(settings, domains=["childcare"]).full  # its files are not loaded here: only they are pending


def test_new_files_of_another_domain_wait_for_its_run(settings, two_domain_inbox):
    record_complete_build(settings)
    assert plan_run(settings, domains=["childcare"]).sources == ("childcare_centers",)
    assert plan_run(settings, domains=["commerce"]).sources == ("stores",)
    assert plan_run(settings).sources == ("childcare_centers", "stores")


def test_a_changed_code_version_rebuilds_each_domain_once(settings, inbox, monkeypatch):
    record_complete_build(settings)
    monkeypatch.setattr(run_plan, "code_version", lambda: "something else")
    welfare = plan_run(settings, domains=["welfare"])
    assert welfare.complete == ("welfare",) and "changed" in welfare.reason
    record_start(settings, welfare)
    record_success(settings, welfare)
    assert "welfare" not in plan_run(settings).complete and plan_run(settings).full


def test_an_unknown_domain_is_refused(settings):
    with pytest.raises(ValueError, match="unknown domain nowhere; domains: childcare, commerce, safety, welfare"):
        plan_run(settings, domains=["nowhere"])


def _record_many(data_dir: str, source: str) -> None:
    from lake.settings import Settings

    settings = Settings(Path(data_dir), Path(data_dir) / "keys")
    for i in range(40):
        record_start(settings, run_plan.RunPlan(False, "", (f"{source}_{i}",)))


def test_two_processes_recording_at_once_lose_nothing(settings):
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_record_many, args=(str(settings.data_dir), name)) for name in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    state = run_plan._read_json(run_plan._state_file(settings))
    assert len(state["pending"]) == 80
