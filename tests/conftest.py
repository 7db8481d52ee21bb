"""Shared fixtures: throwaway lakes under pytest's tmp dirs, and one full materialization per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.settings import PROJECT_ROOT, Settings

SAMPLES = PROJECT_ROOT / "data" / "samples"


def make_settings(root: Path) -> Settings:
    return Settings(data_dir=root / "data", key_dir=root / "keys")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def materialized(tmp_path_factory: pytest.TempPathFactory):
    """The main job run once on the committed sample into a temporary lake: (settings, summary)."""
    from orchestration.runner import run_main

    settings = make_settings(tmp_path_factory.mktemp("lakehouse"))
    summary = run_main(settings)
    return settings, summary


@pytest.fixture(scope="session")
def child_ids() -> set[str]:
    """Every child identifier in the committed sample: the values that must never leave the raw zone."""
    import polars as pl

    frame = pl.read_csv(SAMPLES / "childcare_meals" / "meal_scan_extract_SYNTHETIC.csv",
                        encoding="cp949", infer_schema=False)
    return {v for v in frame["아동ID"].to_list() if v}


def string_cells(con, relation: str) -> set[str]:
    """Every distinct text value of a relation (VARCHAR and VARCHAR[] columns)."""
    columns = [n for n, t, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall() if t in ("VARCHAR", "VARCHAR[]")]
    found: set[str] = set()
    for column in columns:
        found |= {str(v) for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM {relation}').fetchall()}
    return found


def cells_containing(cells: set[str], identifiers: set[str]) -> set[str]:
    """The cells that contain any of the identifiers (substring match, so embedded values count)."""
    return {c for c in cells for i in identifiers if i in c}
