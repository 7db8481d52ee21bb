"""One de-duplication rule, by value: the same files landed in two orders give identical staging and marts.

A correction file re-delivers some meal scans with other values under the same keys, and a second centre
register repeats the first with one centre changed on the same reference date. Under a "last loaded wins"
rule the two lakes would differ; under `latest_per_key` (the record's values, then its content) they
cannot. Every staging model uses the macro (the last test), so the rule holds for each source.
"""

import csv
import io
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from catalog.contracts import get_contract
from lake.session import lake_session, writer_lock
from lake.settings import DBT_PROJECT_DIR, Settings
from transforms.ingest import ingest_file
from transforms.pseudonymize import ensure_key

from conftest import SAMPLES, comparable_rows

MEALS = SAMPLES / "childcare_meals" / "meal_scan_extract_SYNTHETIC.csv"
CENTRES = sorted((SAMPLES / "childcare_centers").iterdir())
TABLES = ("staging_pseudonymized.stg_childcare__meals", "staging_pseudonymized.stg_childcare__centers",
          "curated_marts.daycare_meal_nutrition", "curated_marts.daycare_allergen_exposure")


def correction_of_meals(folder: Path) -> Path:
    """Every tenth meal scan again, same keys, other served and leftover grams."""
    lines = MEALS.read_bytes().decode("cp949").splitlines()
    corrected = []
    for line in lines[1::10]:
        cells = line.split(",")
        cells[7], cells[8] = f"{float(cells[7]) + 10:.1f}", "0.0"
        corrected.append(",".join(cells))
    path = folder / "meal_scan_correction.csv"
    path.write_bytes(("\r\n".join([lines[0], *corrected]) + "\r\n").encode("cp949"))
    return path


def changed_register(folder: Path) -> Path:
    """The XML centre register again, one centre's capacity changed, same reference date."""
    original = next(p for p in CENTRES if p.suffix == ".xml")
    text = original.read_text(encoding="utf-8")
    changed, count = re.subn(r"<crcapat>(\d+)</crcapat>", lambda m: f"<crcapat>{int(m.group(1)) + 7}</crcapat>", text, count=1)
    assert count == 1, "the sample register has no <crcapat>"
    path = folder / "register_again.xml"
    path.write_text(changed, encoding="utf-8")
    return path


def build(root: Path, keys: Path, files: list[tuple[str, Path]], tables: tuple[str, ...] = TABLES) -> dict[str, list]:
    """A lake holding `files`, landed in this order, built by dbt up to `tables` (default: the daycare marts)."""
    settings = Settings(root / "data", keys)
    for source, path in files:
        assert ingest_file(settings, source, path, "test").status == "loaded"
    return dbt_build(root, settings, tables)


def dbt_build(root: Path, settings: Settings, tables: tuple[str, ...]) -> dict[str, list]:
    ensure_key(settings.key_dir, get_contract("stg_childcare__meals").custom["purpose_code"])  # as the dbt asset does
    target = root / "dbt_target"
    with writer_lock(settings):
        done = subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), "build", "--select", *(f"+{t.split('.')[-1]}" for t in tables),
             "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
             "--target-path", str(target), "--log-path", str(target / "logs")],
            env={**os.environ, **settings.env()}, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:]
    with lake_session(settings, read_only=True) as con:
        return {t: comparable_rows(con, f"lake.{t}") for t in tables}


@pytest.fixture(scope="module")
def two_orders(tmp_path_factory):
    root = tmp_path_factory.mktemp("arrival_order")
    extra = root / "extra"
    extra.mkdir()
    files = [*(("childcare_centers", p) for p in CENTRES), ("childcare_centers", changed_register(extra)),
             ("childcare_meals", MEALS), ("childcare_meals", correction_of_meals(extra))]
    keys = root / "keys"  # one key vault: pseudonyms compare
    return build(root / "in_order", keys, files), build(root / "reversed", keys, files[::-1])


def test_the_same_files_in_two_orders_give_identical_staging_and_marts(two_orders):
    forward, backward = two_orders
    assert all(forward[t] for t in TABLES)
    for table in TABLES:
        assert forward[table] == backward[table], table


def recounted_cameras(folder: Path) -> Path:
    """The LOCALDATA camera register again, every camera's count one higher: same 관리번호, same reference date."""
    original = SAMPLES / "cctv" / "cctv_info_localdata_SYNTHETIC.csv"
    header, *rows = csv.reader(io.StringIO(original.read_bytes().decode("cp949")))
    count = header.index("카메라대수")
    for row in rows:
        row[count] = str(int(row[count]) + 1) if row[count].isdigit() else row[count]  # "2대" stays as delivered
    path = folder / "cctv_recount.csv"
    with path.open("w", encoding="cp949", newline="") as out:
        csv.writer(out).writerows([header, *rows])
    return path


def test_the_day_a_file_was_read_does_not_choose_between_records(tmp_path, time_machine):
    """The CCTV loader stamps each row with the day it read the file (`read_on`, the bound of its no-future
    rule). Two records of one camera on one reference date are a tie broken by content, and that content
    must not include the reading day, or the winner would depend on when a file happened to be loaded."""
    register = SAMPLES / "cctv" / "cctv_info_localdata_SYNTHETIC.csv"
    recount = recounted_cameras(tmp_path)
    tables = ("staging_pseudonymized.stg_safety__cctv",)
    same_day = build(tmp_path / "same_day", tmp_path / "keys", [("cctv", register), ("cctv", recount)], tables)
    next_day = Settings(tmp_path / "next_day" / "data", tmp_path / "keys")
    assert ingest_file(next_day, "cctv", register, "test").status == "loaded"
    time_machine.move_to(datetime(2026, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Seoul")))
    assert ingest_file(next_day, "cctv", recount, "test").status == "loaded"
    with lake_session(next_day, read_only=True) as con:
        assert con.sql("select count(distinct read_on) from lake.raw_identified.cctv").fetchone() == (2,)
    assert same_day[tables[0]]
    assert dbt_build(tmp_path / "next_day", next_day, tables) == same_day


def test_every_staging_model_deduplicates_with_the_one_macro():
    models = sorted((DBT_PROJECT_DIR / "models" / "staging").rglob("*.sql"))
    assert models
    for model in models:
        sql = model.read_text(encoding="utf-8").lower()
        assert "latest_per_key(" in sql, f"{model.name} does not use latest_per_key"
        assert "row_number()" not in sql and "distinct on" not in sql.split("nearest_area")[0], model.name
        assert "_loaded_at" not in sql and "_row_number" not in sql, f"{model.name} orders by load order"
