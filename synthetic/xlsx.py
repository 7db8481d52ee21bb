"""Byte-identical .xlsx files: openpyxl stamps the time of writing into the zip and the document."""

from __future__ import annotations

import io
import re
import zipfile


def _iso(stamp: tuple[int, int, int, int, int, int]) -> str:
    return "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*stamp)


def deterministic_xlsx(data: bytes, stamp: tuple[int, int, int, int, int, int]) -> bytes:
    """Rewrite an openpyxl workbook with fixed zip timestamps and document dates."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + _iso(stamp).encode(), content)
            info = zipfile.ZipInfo(item.filename, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, content)
    return out.getvalue()
