"""Files only their owner can read (0600 in 0700 folders) whatever the umask; exposed keys are refused."""

import os
import stat

import pytest

from governance import analyst
from governance.export import export_operational, export_release
from lake.files import FileExposed, make_private, private_dir, require_private, write_private
from transforms.pseudonymize import Pseudonymizer, ensure_key, key_path

from test_export import ME, OFFICER, ON, build_release, build_welfare_raw

PURPOSE = "DAYCARE_FOOD_SCANNER_STATS"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o022, 0o000], ids=["umask022", "umask000"])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def test_the_helpers_set_modes_explicitly(umask, tmp_path):
    (tmp_path / "shared").mkdir(mode=0o755)
    folder = private_dir(tmp_path / "shared" / "a" / "b")
    assert mode(folder) == mode(folder.parent) == 0o700
    assert mode(tmp_path / "shared") == 0o755  # a folder that existed before is the caller's
    assert mode(write_private(folder / "manifest.json", "{}")) == 0o600
    (folder / "copied.parquet").write_bytes(b"x")
    assert mode(make_private(folder / "copied.parquet")) == 0o600
    assert mode(make_private(folder / "copied.parquet", read_only=True)) == 0o400
    assert sorted(p.name for p in folder.iterdir()) == ["copied.parquet", "manifest.json"]  # no partial left


def test_write_private_replaces_atomically_and_exclusive_never_overwrites(tmp_path):
    target = tmp_path / "f"
    target.write_text("old")
    target.chmod(0o644)
    write_private(target, "new")
    assert target.read_text() == "new" and mode(target) == 0o600
    with pytest.raises(FileExistsError):
        write_private(target, "other", exclusive=True)
    assert target.read_text() == "new" and [p.name for p in tmp_path.iterdir()] == ["f"]


def test_release_export_files_and_folders_are_private(umask, settings, tmp_path):
    build_release(settings)
    out = tmp_path / "exports" / "2026-w22"
    export_release(settings, "daycare_food_scanner", PURPOSE, "weekly review", out, ME, on=ON)
    assert mode(out) == mode(out.parent) == 0o700
    files = sorted(out.iterdir())
    assert [p.name for p in files] == ["daycare_allergen_exposure.parquet", "daycare_meal_nutrition.parquet", "manifest.json"]
    assert {mode(p) for p in files} == {0o600}


def test_operational_export_files_are_private(umask, settings, tmp_path):
    build_welfare_raw(settings)
    export_operational(settings, "WELLBEING_CALL_OPERATIONS", "welfare_officer", "visit", tmp_path / "ops", OFFICER, on=ON)
    assert mode(tmp_path / "ops") == 0o700
    assert {mode(p) for p in (tmp_path / "ops").iterdir()} == {0o600}


def test_analyst_databases_are_private(umask, settings, monkeypatch):
    from lake.session import ensure_zones

    ensure_zones(settings)
    monkeypatch.setattr(analyst, "analyst_tables", lambda audience: [])
    analyst.publish_analyst_dbs(settings)
    assert mode(analyst.analyst_dir(settings)) == 0o700
    assert {mode(p) for p in analyst.analyst_dir(settings).iterdir()} == {0o600}


def test_keys_are_private_and_an_exposed_key_is_refused_saying_how_to_fix_it(umask, tmp_path):
    vault = tmp_path / "vault"
    path, created = ensure_key(vault, PURPOSE)
    assert created and mode(path) == 0o600 and mode(vault) == 0o700
    assert Pseudonymizer(vault).pseudonym(PURPOSE, "CH00000001")
    for exposed in (0o644, 0o640, 0o604):
        path.chmod(exposed)
        with pytest.raises(FileExposed) as refused:
            Pseudonymizer(vault).pseudonym(PURPOSE, "CH00000001")
        assert f"chmod 600 {path}" in str(refused.value) and f"{exposed:04o}" in str(refused.value)
    path.chmod(0o600)
    assert Pseudonymizer(vault).pseudonym(PURPOSE, "CH00000001")


def test_a_key_created_by_another_process_meanwhile_is_kept(tmp_path, monkeypatch):
    import transforms.pseudonymize as pseudonymize

    real = pseudonymize.write_private

    def racing(path, data, exclusive=False):
        real(path, "ab" * 32)  # another process creates the key between the check and the write
        return real(path, data, exclusive=exclusive)

    monkeypatch.setattr(pseudonymize, "write_private", racing)
    vault = tmp_path / "vault"
    assert ensure_key(vault, PURPOSE) == (key_path(vault, PURPOSE), False)
    assert key_path(vault, PURPOSE).read_text() == "ab" * 32


def test_require_private_accepts_owner_only_files(tmp_path):
    path = write_private(tmp_path / "k", "x")
    assert require_private(path, "key") == path
    path.chmod(0o400)
    assert require_private(path, "key") == path


def test_restricted_zones_are_the_owners_alone_whatever_the_umask(umask, settings, tmp_path):
    """Landing copies, raw and quarantine files: 0600 (0400 for landing copies) in 0700 folders."""
    from lake.settings import PROJECT_ROOT
    from transforms.ingest import ingest_file

    for sample in sorted((PROJECT_ROOT / "data" / "samples" / "childcare_centers").iterdir()):
        ingest_file(settings, "childcare_centers", sample, "run-modes")  # one centre has broken coordinates
    zones = [settings.landing_dir, *(settings.lake_dir / z for z in ("raw_identified", "quarantine", "landing"))]
    for zone in zones:
        for folder in [zone, *(p for p in zone.rglob("*") if p.is_dir())]:
            assert mode(folder) == 0o700, folder
        for file in (p for p in zone.rglob("*") if p.is_file()):
            assert mode(file) in (0o600, 0o400), file
    assert any(p.is_file() for p in settings.landing_dir.rglob("*"))
    assert any((settings.lake_dir / "quarantine").rglob("*.parquet"))
    assert any((settings.lake_dir / "raw_identified").rglob("*.parquet"))
