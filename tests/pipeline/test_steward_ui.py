"""Stewards in the Dagster UI: a real read-only webserver on 127.0.0.1, driven by headless Chromium.

Needs Debian's chromium (installed by .ci/run). Without it the test is skipped locally, but fails in CI.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import free_port, wait_for_dagster_webserver
from lake.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("chromium is missing: .ci/run must install it (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def webserver(materialized):
    settings, _ = materialized
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home), "LAKEHOUSE_DATA_DIR": str(settings.data_dir),
           "LAKEHOUSE_KEY_DIR": str(settings.key_dir)}
    web = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-webserver")), "-m", "orchestration.definitions",
         "-h", "127.0.0.1", "-p", str(port), "--read-only"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_dagster_webserver(url)
        yield url
    finally:
        web.terminate()
        web.wait(timeout=30)


@pytest.fixture(scope="module")
def page(webserver):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser.new_page(viewport={"width": 1600, "height": 1000})
        browser.close()


def open_view(page, url: str) -> str:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(url, wait_until="networkidle")
    # A fresh browser profile first gets a "Join the Dagster community" dialog over the page; it can
    # appear after the network settles, so wait for it briefly and dismiss it.
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.first.wait_for(state="visible", timeout=5000)
        skip.first.click()
        skip.first.wait_for(state="hidden", timeout=5000)
    except PlaywrightTimeout:
        pass  # already dismissed in this profile
    page.wait_for_timeout(1500)
    return page.inner_text("body")


def test_mart_page_shows_owner_tier_description_and_columns(page, webserver):
    text = open_view(page, f"{webserver}/assets/curated_marts/daycare_meal_nutrition")
    for expected in ("childcare-data", "tier: internal", "purpose: DAYCARE_FOOD_SCANNER_STATS",
                     "어린이집 주간 급식 영양·잔반", "Daycare weekly meal nutrition", "children_served", "lakehouse_main"):
        assert expected in text
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "steward_mart_overview.png"))


def test_lineage_reads_from_staging_to_release(page, webserver):
    text = open_view(page, f"{webserver}/assets/curated_marts/daycare_meal_nutrition?view=lineage")
    for node in ("stg_childcare__meals", "stg_childcare__centers", "meal_nutrition_reference", "daycare_food_scanner", "analyst_db"):
        assert node in text
    page.screenshot(path=str(ARTIFACTS / "steward_mart_lineage.png"))


def test_checks_show_privacy_gates_and_dbt_tests_passed(page, webserver):
    text = open_view(page, f"{webserver}/assets/curated_marts/daycare_meal_nutrition?view=checks")
    for check in ("no_direct_identifiers", "small_cells_suppressed", "k_anonymity", "unique_key_daycare_meal_nutrition"):
        assert check in text
    assert "Succeeded" in text and "Failed" not in text
    page.screenshot(path=str(ARTIFACTS / "steward_mart_checks.png"))
