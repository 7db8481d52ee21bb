"""The lake's files on S3-compatible object storage (`LAKEHOUSE_DATA_URL=s3://BUCKET/PREFIX/`).

DuckLake's Parquet files go under `<url>lake/` and the landing copies under `<url>landing/`. Credentials
come from the standard AWS variables (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_REGION) at the moment of use and are never kept in Settings, so Settings can be printed, shown in the
Dagster UI and written into manifests. Every text that may quote them goes through `redact`.

DuckDB reaches the store through its httpfs extension and a temporary S3 secret per connection; Python
code (landing copies, listings, Iceberg file clean-up) through pyarrow's S3 filesystem (pyarrow is
already a dependency; no other S3 client is needed).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import duckdb

from lake.settings import MASK

SCHEME = "s3://"
DEFAULT_REGION = "us-east-1"
CHUNK = 1 << 20


class ObjectStoreError(RuntimeError):
    """The data URL or the AWS variables are unusable; the message never holds the secret key."""


def normalized(url: str) -> str:
    """`s3://bucket/prefix/` with exactly one trailing slash; refuses anything but an s3:// URL with a bucket."""
    if not url.startswith(SCHEME) or not urlsplit(url).netloc:
        raise ObjectStoreError(f"LAKEHOUSE_DATA_URL={url!r}: expected s3://BUCKET/PREFIX/")
    return url.rstrip("/") + "/"


@dataclass(frozen=True)
class ObjectStore:
    url: str  # s3://bucket/prefix/
    endpoint: str  # http://127.0.0.1:8333 or https://…; "" = AWS itself
    key_id: str
    secret: str = field(repr=False)
    region: str = DEFAULT_REGION

    @classmethod
    def from_env(cls, url: str) -> "ObjectStore":
        missing = [n for n in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") if not os.environ.get(n)]
        if missing:
            raise ObjectStoreError(f"{url} is on object storage, but {' and '.join(missing)} is not set")
        return cls(normalized(url), os.environ.get("AWS_ENDPOINT_URL", ""), os.environ["AWS_ACCESS_KEY_ID"],
                   os.environ["AWS_SECRET_ACCESS_KEY"], os.environ.get("AWS_REGION") or DEFAULT_REGION)

    @property
    def bucket(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def use_ssl(self) -> bool:
        return not self.endpoint.startswith("http://")

    @property
    def host(self) -> str:
        """host:port of the endpoint, as DuckDB's secret takes it (no scheme)."""
        return urlsplit(self.endpoint).netloc if "://" in self.endpoint else self.endpoint

    def path(self, url: str) -> str:
        """`bucket/key` of an s3:// URL, as pyarrow's filesystem names objects."""
        return url[len(SCHEME):]

    def redact(self, text: str) -> str:
        """`text` with the secret key (and the key id, also a credential) replaced."""
        for value in (self.secret, self.key_id):
            text = text.replace(value, MASK) if value else text
        return text

    def create_secret(self, con: duckdb.DuckDBPyConnection) -> None:
        """A temporary (in-memory) S3 secret on `con`, scoped to the bucket; httpfs must be loaded."""
        options = {"KEY_ID": self.key_id, "SECRET": self.secret, "REGION": self.region,
                   "SCOPE": f"{SCHEME}{self.bucket}/"}
        if self.endpoint:  # an S3-compatible server: path-style URLs, as SeaweedFS and MinIO serve them
            options |= {"ENDPOINT": self.host, "URL_STYLE": "path"}
        params = ", ".join(f"{k} ${i}" for i, k in enumerate(options, start=1))
        ssl = "true" if self.use_ssl else "false"
        try:
            # Values as parameters, not SQL text: no quoting to get wrong, and a query log never shows them.
            con.execute(f"CREATE OR REPLACE TEMPORARY SECRET lakehouse_s3 (TYPE s3, {params}, USE_SSL {ssl})",
                        list(options.values()))
        except duckdb.Error as exc:
            raise ObjectStoreError(f"cannot configure object storage for {self.url}: {self.redact(str(exc))}") from None

    def filesystem(self):
        """pyarrow's S3 filesystem for this store (imported here: only S3 mode needs it)."""
        from pyarrow import fs

        scheme = "https" if self.use_ssl else "http"
        return fs.S3FileSystem(access_key=self.key_id, secret_key=self.secret, region=self.region, scheme=scheme,
                               endpoint_override=self.host or None, force_virtual_addressing=False)

    def pyiceberg_properties(self) -> dict[str, str]:
        """The FileIO properties pyiceberg needs to write an s3:// warehouse on this store."""
        properties = {"s3.access-key-id": self.key_id, "s3.secret-access-key": self.secret, "s3.region": self.region}
        if self.endpoint:
            properties |= {"s3.endpoint": self.endpoint, "s3.force-virtual-addressing": "false"}
        return properties

    def put_verified(self, local: Path, url: str, sha256: str) -> str:
        """Upload `local` to `url`, then read the stored object back and check its sha256; returns `url`.

        An S3 PUT is all or nothing, so a killed upload leaves no object; uploading the same bytes again
        replaces the object with the same bytes (idempotent). Reading it back is what proves the stored
        copy whole (a proxy or gateway could truncate it), at the cost of a second transfer."""
        store = self.filesystem()
        try:
            with local.open("rb") as f, store.open_output_stream(self.path(url), metadata={"sha256": sha256}) as out:
                while chunk := f.read(CHUNK):
                    out.write(chunk)
            digest = hashlib.sha256()
            with store.open_input_stream(self.path(url)) as stored:
                while chunk := stored.read(CHUNK):
                    digest.update(chunk)
        except OSError as exc:
            raise ObjectStoreError(f"cannot write {url}: {self.redact(str(exc))}") from None
        if digest.hexdigest() != sha256:
            raise ObjectStoreError(f"{url} does not hold the bytes uploaded (sha256 differs)")
        return url

    def list(self, url: str) -> list[str]:
        """Every object under `url` (a prefix), as s3:// URLs, in name order; none if there is no such prefix."""
        from pyarrow import fs

        selector = fs.FileSelector(self.path(url).rstrip("/"), recursive=True, allow_not_found=True)
        infos = self.filesystem().get_file_info(selector)
        return sorted(SCHEME + i.path for i in infos if i.type == fs.FileType.File)


def store_for(data_url: str) -> ObjectStore | None:
    """The object store of a data URL, or None for local disk (an empty URL)."""
    return ObjectStore.from_env(data_url) if data_url else None


def extensions(data_url: str) -> tuple[str, ...]:
    """The DuckDB extensions a connection needs for the data URL (loaded from their packages by the caller)."""
    return ("httpfs",) if data_url else ()


def configure(con: duckdb.DuckDBPyConnection, data_url: str) -> None:
    """On object storage, the S3 secret of this process's AWS variables (httpfs already loaded)."""
    if store := store_for(data_url):
        store.create_secret(con)
