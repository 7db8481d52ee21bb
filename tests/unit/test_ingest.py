import json
import shutil

import pytest
from typer.testing import CliRunner

from cli import app
from transforms import ingest
from transforms.ingest import IngestFailed, ingest_file, ingest_files
from lake.session import lake_session

from conftest import SAMPLES

MEALS = SAMPLES / "childcare_meals" / "meal_scan_extract_SYNTHETIC.csv"
XML = SAMPLES / "childcare_centers" / "cpmsapi030_arcode11500_SYNTHETIC.xml"


def count(settings, relation: str) -> int:
    with lake_session(settings, read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]


def test_every_row_is_loaded_or_quarantined_and_reingest_is_a_noop(settings):
    first = ingest_file(settings, "childcare_meals", MEALS, "t1")
    assert first.rows == 6632 and first.rows == first.loaded + first.quarantined
    assert first.quarantined > 0 and set(first.reasons) >= {"duplicate_key", "unknown_code:meal_slot", "rule:leftover_not_above_served"}
    assert count(settings, "lake.raw_identified.childcare_meals") == first.loaded
    assert count(settings, "lake.quarantine.childcare_meals") == first.quarantined

    again = ingest_file(settings, "childcare_meals", MEALS, "t2")
    assert again.status == "already_loaded" and again.loaded == first.loaded
    assert count(settings, "lake.raw_identified.childcare_meals") == first.loaded


def test_ingest_files_reads_earlier_loads_once_and_judges_each_file(settings, tmp_path, monkeypatch):
    ingest_file(settings, "childcare_meals", MEALS, "t1")
    renamed = tmp_path / "meals_again.csv"  # the same bytes under another name: loaded once
    shutil.copy(MEALS, renamed)
    broken = tmp_path / "columns.csv"
    broken.write_bytes("어린이집코드,급식일자\n11500000001,2026-01-05\n".encode("cp949"))
    fresh, twin = tmp_path / "fresh.csv", tmp_path / "fresh_twin.csv"
    fresh.write_text(MEALS.read_text(encoding="cp949").replace("2026-", "2027-"), encoding="utf-8")
    shutil.copy(fresh, twin)
    sessions = []
    monkeypatch.setattr(ingest, "_zones_and_earlier_loads",
                        lambda *args, _real=ingest._zones_and_earlier_loads: sessions.append(args) or _real(*args))
    paths = [MEALS, renamed, tmp_path / "gone.csv", broken, fresh, twin]
    outcomes = dict(ingest_files(settings, "childcare_meals", paths, "t2"))
    assert len(sessions) == 1 and len(sessions[0][2]) == 5  # one lake session for the five files there
    assert outcomes[MEALS].status == outcomes[renamed].status == "already_loaded"
    assert isinstance(outcomes[tmp_path / "gone.csv"], IngestFailed) and "no such file" in str(outcomes[tmp_path / "gone.csv"])
    assert isinstance(outcomes[broken], IngestFailed) and "missing required columns" in str(outcomes[broken])
    assert outcomes[fresh].status == "loaded" and outcomes[twin].status == "already_loaded"
    assert outcomes[twin].loaded == outcomes[fresh].loaded
    with lake_session(settings, read_only=True) as con:
        assert con.execute("SELECT status, count(*) FROM lake.landing.files GROUP BY 1 ORDER BY 1").fetchall() == \
            [("failed", 1), ("loaded", 2)]
    assert count(settings, "lake.raw_identified.childcare_meals") == 2 * outcomes[fresh].loaded


def test_landing_copy_is_immutable_and_recorded(settings):
    result = ingest_file(settings, "childcare_centers", XML, "t1")
    landed = settings.landing_dir / "childcare_centers" / result.sha256 / XML.name
    assert landed.read_bytes() == XML.read_bytes()
    assert not landed.stat().st_mode & 0o222
    with lake_session(settings, read_only=True) as con:
        row = con.execute("SELECT original_name, encoding, status, rows FROM lake.landing.files").fetchone()
    assert row == (XML.name, "utf-8", "loaded", result.rows)


def test_broken_coordinates_are_quarantined_not_moved(settings):
    result = ingest_file(settings, "childcare_centers", XML, "t1")
    assert result.reasons == {"out_of_range:latitude": 1}
    with lake_session(settings, read_only=True) as con:
        record = con.execute("SELECT record FROM lake.quarantine.childcare_centers").fetchone()[0]
    assert json.loads(record)["latitude"] == "47.59"


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("cut.xml", XML.read_bytes()[:700], "not well-formed XML"),
    ("latin.csv", b"caf\xe9,\xff\xfe\n", "unknown encoding"),
    ("columns.csv", "어린이집코드,급식일자\n11500000001,2026-01-05\n".encode("cp949"), "missing required columns"),
])
def test_unparseable_file_fails_clearly_and_stays_in_landing(settings, tmp_path, name, content, problem):
    source = "childcare_centers" if name.endswith(".xml") else "childcare_meals"
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestFailed, match=f"{name}.*{problem}"):
        ingest_file(settings, source, path, "t1")
    assert list((settings.landing_dir / source).glob(f"*/{name}"))
    with lake_session(settings, read_only=True) as con:
        status, error = con.execute("SELECT status, error FROM lake.landing.files").fetchone()
    assert status == "failed" and problem in error


def test_cli_ingest_prints_row_accounting_as_json(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LAKEHOUSE_KEY_DIR", str(settings.key_dir))
    copy = tmp_path / MEALS.name
    shutil.copy(MEALS, copy)
    result = CliRunner().invoke(app, ["ingest", "childcare_meals", str(copy), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(payload) >= {"source", "file", "sha256", "rows", "loaded", "quarantined", "reasons"}
    assert payload["rows"] == payload["loaded"] + payload["quarantined"] == 6632
    assert sum(payload["reasons"].values()) == payload["quarantined"]


def test_cli_ingest_of_a_bad_file_exits_non_zero_with_the_file_name(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_DATA_DIR", str(settings.data_dir))
    path = tmp_path / "broken.xml"
    path.write_text("<response><item>", encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", "childcare_centers", str(path)])
    assert result.exit_code == 1
    assert "broken.xml" in result.output and "not well-formed" in result.output
