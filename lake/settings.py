"""Where everything lives. One frozen object, built from the environment, passed around explicitly.

Defaults give the embedded lake: a DuckLake whose catalog is a DuckDB file under `data/` and whose
Parquet files are under `data/lake/`. `LAKEHOUSE_CATALOG` points the catalog elsewhere (for example
`postgres:dbname=lake host=127.0.0.1 user=lake`, the scale-out path).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    key_dir: Path
    catalog: str = ""

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = Path(os.environ.get("LAKEHOUSE_DATA_DIR", PROJECT_ROOT / "data")).resolve()
        return cls(
            data_dir=data_dir,
            # The key vault is outside the lake and outside git (governance.md §1).
            key_dir=Path(os.environ.get("LAKEHOUSE_KEY_DIR", PROJECT_ROOT / ".keys")).resolve(),
            catalog=os.environ.get("LAKEHOUSE_CATALOG", ""),
        )

    @property
    def catalog_uri(self) -> str:
        """What follows `ducklake:` in ATTACH."""
        return self.catalog or str(self.data_dir / "catalog.ducklake")

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def quality_dir(self) -> Path:
        return self.data_dir / "quality"

    @property
    def analyst_db(self) -> Path:
        return self.data_dir / "analyst" / "analyst.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / ".lake.lock"

    @property
    def inbox_dir(self) -> Path:
        """The inbox the main job ingests: one folder per source id."""
        return Path(os.environ.get("LAKEHOUSE_INBOX", PROJECT_ROOT / "data" / "samples")).resolve()

    @property
    def extension_dir(self) -> Path:
        return PROJECT_ROOT / ".duckdb_extensions"

    def env(self) -> dict[str, str]:
        """The variables the dbt profile and its plugin read."""
        return {
            "LAKEHOUSE_DATA_DIR": str(self.data_dir),
            "LAKEHOUSE_KEY_DIR": str(self.key_dir),
            "LAKEHOUSE_CATALOG_URI": f"ducklake:{self.catalog_uri}",
            "LAKEHOUSE_DATA_PATH": f"{self.lake_dir}/",
            "LAKEHOUSE_EXTENSION_DIR": str(self.extension_dir),
        }
