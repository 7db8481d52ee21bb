"""Where everything lives. One frozen object, built from the environment, passed around explicitly.

Defaults give the embedded lake: a DuckLake whose catalog is a DuckDB file under `data/` and whose
Parquet files are under `data/lake/`. `LAKEHOUSE_CATALOG` points the catalog elsewhere (for example
`postgres:dbname=lake host=127.0.0.1 user=lake`, the scale-out path). `LAKEHOUSE_DATA_URL=s3://BUCKET/PREFIX/`
puts the Parquet files and the landing copies in object storage (lake/object_store.py). The Iceberg tables published for other
engines have their own SQL catalog (`LAKEHOUSE_ICEBERG_CATALOG_URL`, a SQLAlchemy URL) and warehouse
(`LAKEHOUSE_ICEBERG_WAREHOUSE`, a folder or `s3://BUCKET/PREFIX`), by default both under `data/iceberg/`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import unquote, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


RUN_ID_ENV = "LAKEHOUSE_RUN_ID"  # the Dagster run a dbt process works for (its snapshots' commit messages)

MIB = 1 << 20
GIB = 1 << 30


def _limit(default: int, meaning: str):
    """A limit field: its default, and the sentence `describe_limits` shows. Env: LAKEHOUSE_<NAME>."""
    return field(default=default, metadata={"meaning": meaning})


@dataclass(frozen=True)
class Limits:
    """What ingest accepts from a file before it refuses it as hostile or broken (each a clear error)."""

    max_file_bytes: int = _limit(16 * GIB, "largest file ingest lands; a larger one is refused before it is copied")
    max_line_bytes: int = _limit(64 * MIB, "longest line of a text file, checked while streaming (never read whole)")
    max_zip_members: int = _limit(10_000, "most members a ZIP (or .xlsx) may list in its directory")
    max_zip_member_bytes: int = _limit(4 * GIB, "largest uncompressed size one ZIP member may declare")
    max_zip_total_bytes: int = _limit(16 * GIB, "largest uncompressed size all ZIP members together may declare")
    max_zip_ratio: int = _limit(200, "highest uncompressed/compressed ratio of a ZIP member over 1 MiB (zip bombs)")
    max_batch_rows: int = _limit(100_000, "rows of a file validated at a time (ingest's memory follows this, not the file)")

    @classmethod
    def from_env(cls) -> "Limits":
        """Defaults, each overridden by LAKEHOUSE_<FIELD NAME> (e.g. LAKEHOUSE_MAX_LINE_BYTES=1048576)."""
        return cls(**{f.name: _env_int(env_name(f.name)) for f in fields(cls) if env_name(f.name) in os.environ})


def env_name(limit: str) -> str:
    return f"LAKEHOUSE_{limit.upper()}"


def _env_int(name: str) -> int:
    value = os.environ[name]
    if not value.strip().isdigit() or int(value) <= 0:
        raise ValueError(f"{name}={value!r}: expected a positive whole number")
    return int(value)


def duckdb_memory_limit() -> str:
    """What one DuckDB connection of the project may hold before it spills to disk (DuckDB's own default
    is 80 % of the machine's memory, for every connection): LAKEHOUSE_DUCKDB_MEMORY_LIMIT, default 1GB."""
    return os.environ.get("LAKEHOUSE_DUCKDB_MEMORY_LIMIT", "1GB")


def describe_limits(limits: Limits) -> list[dict[str, object]]:
    """Every limit in force: name, value, environment variable and meaning (for `lakehouse sources`)."""
    return [
        {"limit": f.name, "value": getattr(limits, f.name), "env": env_name(f.name), "meaning": f.metadata["meaning"]}
        for f in fields(limits)
    ]


# A query parameter that holds a credential (`password=`, `sslkey=`, `token=`, `secret_access_key=`).
SECRET_PARAMETER = re.compile(r"((?:^|&)[^&=]*(?:pass|secret|token|key)[^&=]*)=([^&]*)", re.IGNORECASE)
MASK = "***"


def _secrets(url: str) -> list[str]:
    """The credentials a URL carries: `user:PASSWORD@` and query values such as `?password=…`."""
    parts = urlsplit(url)
    found = [parts.password] if parts.password else []
    return found + [m.group(2) for m in SECRET_PARAMETER.finditer(parts.query) if m.group(2)]


def masked_url(url: str) -> str:
    """`url` fit to print: every credential it carries is ***, the rest kept (user, host, database, path)."""
    parts = urlsplit(url)
    masked = url  # edited in place: rebuilding it would turn `sqlite:////abs` into `sqlite://abs`
    if parts.password:
        userinfo, _, host = parts.netloc.rpartition("@")
        masked = masked.replace(parts.netloc, f"{userinfo.split(':', 1)[0]}:{MASK}@{host}", 1)
    if parts.query:
        masked = masked.replace(f"?{parts.query}", "?" + SECRET_PARAMETER.sub(r"\1=" + MASK, parts.query), 1)
    return masked


def without_secrets(text: str, *urls: str) -> str:
    """`text` (an error message, say) with `urls` masked and any credential of theirs left elsewhere replaced."""
    for url in urls:
        text = text.replace(url, masked_url(url))
        for secret in _secrets(url):
            for form in {secret, unquote(secret)}:
                text = text.replace(form, MASK)
    return text


# `password=secret` or `password='se cret'` in a libpq keyword string.
KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def catalog_password_apart(uri: str) -> tuple[str, str]:
    """A PostgreSQL catalog (`postgres:<URL or keywords>`) without its password, and the password ("" when
    none): dbt gets it as PGPASSWORD (libpq reads it), so no dbt message or log can repeat it."""
    info = uri.removeprefix("postgres:")
    if info == uri:
        return uri, ""
    if "://" in info:
        parts = urlsplit(info)
        if parts.password is None:
            return uri, ""
        userinfo, _, host = parts.netloc.rpartition("@")
        return "postgres:" + info.replace(parts.netloc, f"{userinfo.split(':', 1)[0]}@{host}", 1), unquote(parts.password)
    found = KEYWORD_PASSWORD.search(info)
    if found is None:
        return uri, ""
    return "postgres:" + " ".join((info[:found.start()] + info[found.end():]).split()), found.group(2).strip("'")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    key_dir: Path
    catalog: str = ""
    iceberg_catalog: str = ""  # "" = the SQLite default under the data dir (`iceberg_catalog_url`)
    iceberg_warehouse: str = ""  # "" = a folder under the data dir (`iceberg_warehouse_url`)
    data_url: str = ""  # "" = the lake's files on local disk; s3://BUCKET/PREFIX/ = object storage (lake/object_store.py)
    # From the environment even when Settings is built field by field (the Dagster resource does).
    limits: Limits = field(default_factory=Limits.from_env)

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = Path(os.environ.get("LAKEHOUSE_DATA_DIR", PROJECT_ROOT / "data")).resolve()
        return cls(
            data_dir=data_dir,
            # The key vault is outside the lake and outside git (governance.md §1).
            key_dir=Path(os.environ.get("LAKEHOUSE_KEY_DIR", PROJECT_ROOT / ".keys")).resolve(),
            catalog=os.environ.get("LAKEHOUSE_CATALOG", ""),
            iceberg_catalog=os.environ.get("LAKEHOUSE_ICEBERG_CATALOG_URL", ""),
            iceberg_warehouse=os.environ.get("LAKEHOUSE_ICEBERG_WAREHOUSE", ""),
            data_url=os.environ.get("LAKEHOUSE_DATA_URL", ""),
        )

    @property
    def catalog_uri(self) -> str:
        """What follows `ducklake:` in ATTACH. A `postgresql://` URL becomes `postgres:<URL>` (libpq reads both
        forms; lake/catalog_backend.py handles the PostgreSQL catalog)."""
        if self.catalog.startswith(("postgresql://", "postgres://")):
            return "postgres:" + self.catalog
        return self.catalog or str(self.data_dir / "catalog.ducklake")

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def lake_data_path(self) -> str:
        """DuckLake's DATA_PATH: `<data_url>lake/` on object storage, else `<lake_dir>/`."""
        return f"{self.data_url.rstrip('/')}/lake/" if self.data_url else f"{self.lake_dir}/"

    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def quality_dir(self) -> Path:
        return self.data_dir / "quality"

    @property
    def analyst_dir(self) -> Path:
        """One analyst database per audience: `<audience>.duckdb`."""
        return self.data_dir / "analyst"

    @property
    def iceberg_catalog_url(self) -> str:
        """The SQLAlchemy URL of the Iceberg SQL catalog (SQLite by default; PostgreSQL when scaled out)."""
        return self.iceberg_catalog or f"sqlite:///{self.data_dir / 'iceberg' / 'catalog.db'}"

    @property
    def iceberg_warehouse_url(self) -> str:
        """Where the Iceberg tables' files go: an absolute folder, or an object-storage URL kept as given."""
        if "://" in self.iceberg_warehouse:
            return self.iceberg_warehouse
        return str(Path(self.iceberg_warehouse).resolve() if self.iceberg_warehouse else self.data_dir / "iceberg" / "warehouse")

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster_home"

    @property
    def reader_catalog(self) -> Path | None:
        """The last committed state of an embedded catalog, for readers (None for a PostgreSQL catalog)."""
        return None if self.catalog else self.data_dir / "catalog.reader.ducklake"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / ".lake.lock"

    @property
    def run_lock_file(self) -> Path:
        """Held by a main job for its whole run; `<name>.holder.json` beside it says who holds it."""
        return self.data_dir / ".run.lock"

    @property
    def inbox_dir(self) -> Path:
        """The inbox the main job ingests: one folder per source id."""
        return Path(os.environ.get("LAKEHOUSE_INBOX", PROJECT_ROOT / "data" / "samples")).resolve()

    @property
    def extension_dir(self) -> Path:
        return PROJECT_ROOT / ".duckdb_extensions"

    @property
    def duckdb_memory_limit(self) -> str:
        return duckdb_memory_limit()

    @property
    def spill_dir(self) -> Path:
        """Where DuckDB spills: under the data folder, since spilled pages may hold identified rows."""
        return self.data_dir / ".spill"

    def env(self) -> dict[str, str]:
        """The variables the dbt profile and its plugin read (a catalog's password as libpq's PGPASSWORD)."""
        catalog, password = catalog_password_apart(self.catalog_uri)
        return {
            **({"PGPASSWORD": password} if password else {}),
            "LAKEHOUSE_DATA_DIR": str(self.data_dir),
            "LAKEHOUSE_KEY_DIR": str(self.key_dir),
            "LAKEHOUSE_CATALOG_URI": f"ducklake:{catalog}",
            "LAKEHOUSE_DATA_PATH": self.lake_data_path,
            "LAKEHOUSE_DATA_URL": self.data_url,  # the dbt plugin configures object storage from it
            "LAKEHOUSE_EXTENSION_DIR": str(self.extension_dir),
            "LAKEHOUSE_DBT_MEMORY_LIMIT": os.environ.get("LAKEHOUSE_DBT_MEMORY_LIMIT", "2GB"),
            "LAKEHOUSE_SPILL_DIR": str(self.spill_dir),
        }
