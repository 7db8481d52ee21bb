"""The file writers every synthetic generator uses: the encodings, delimiters and envelopes of the real
sources (CP949 or UTF-8/BOM CSV, XML, JSON API answers, JSON Lines, XLSX, ZIP), byte for byte reproducible."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import polars as pl

CP949 = "cp949"
UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"  # Python's codec writes the BOM, as Excel and newer Seoul downloads do
CRLF = "\r\n"

Stamp = tuple[int, int, int, int, int, int]  # a fixed zip/document time: same arguments, same bytes


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_text(path: Path, text: str, encoding: str = UTF8) -> None:
    write_bytes(path, text.encode(encoding))


# --- CSV --------------------------------------------------------------------------------------------

def csv_text(frame: pl.DataFrame, header: bool | Sequence[str] = True, separator: str = ",",
             line_terminator: str = CRLF, quote_style: str = "necessary") -> str:
    """`frame` as CSV text, nulls as empty fields. A header given as names is joined as typed, unquoted;
    `True` lets polars write the column names."""
    body = frame.write_csv(include_header=header is True, separator=separator, line_terminator=line_terminator,
                           quote_style=quote_style, null_value="")
    return body if isinstance(header, bool) else separator.join(header) + line_terminator + body


def csv_bytes(frame: pl.DataFrame, encoding: str = CP949, **layout: Any) -> bytes:
    """`frame` as CSV bytes (polars writes UTF-8 only, so other encodings are transcoded in memory)."""
    return csv_text(frame, **layout).encode(encoding)


def write_csv(path: Path, frame: pl.DataFrame, encoding: str = CP949, **layout: Any) -> int:
    """`frame` as a CSV file (CP949, CRLF unless told); returns its data rows."""
    write_bytes(path, csv_bytes(frame, encoding, **layout))
    return frame.height


def write_csv_chunks(path: Path, header: Sequence[str], chunks: Iterable[pl.DataFrame], encoding: str = CP949) -> int:
    """The header, then each chunk's rows as it is produced, so memory stays at one chunk; returns the rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with open(path, "wb") as out:
        out.write((",".join(header) + CRLF).encode(encoding))
        for chunk in chunks:
            out.write(csv_bytes(chunk, encoding, header=False))
            rows += chunk.height
    return rows


def write_rows(path: Path, rows: Iterable[Sequence[str]], encoding: str = CP949, quoting: int = csv.QUOTE_ALL) -> None:
    """Rows of text through the csv module (KOSIS downloads quote every field), CRLF."""
    buffer = io.StringIO()
    csv.writer(buffer, quoting=quoting, lineterminator=CRLF).writerows(rows)
    write_text(path, buffer.getvalue(), encoding)


def write_lines(path: Path, lines: Iterable[str], encoding: str = CP949) -> None:
    """Delimited lines exactly as given, each ending CRLF: for layouts whose quoting is part of the file."""
    write_text(path, "".join(line + CRLF for line in lines), encoding)


# --- XML and JSON -----------------------------------------------------------------------------------

def write_xml_items(path: Path, records: Iterable[Mapping[str, str]], tags: Sequence[str]) -> int:
    """`<response>` with one `<item>` a line, its children in `tags` order (UTF-8, no header or paging)."""
    items = ["<item>" + "".join(f"<{tag}>{escape(record[tag])}</{tag}>" for tag in tags) + "</item>" for record in records]
    write_text(path, '<?xml version="1.0" encoding="UTF-8"?>\n<response>\n' + "\n".join(items) + "\n</response>\n")
    return len(items)


def write_json(path: Path, document: Any, indent: int | None = None) -> None:
    write_text(path, json.dumps(document, ensure_ascii=False, indent=indent))


def seoul_open_api(service: str, rows: list[dict]) -> dict:
    """One 서울 열린데이터광장 Open API answer: `{service: {list_total_count, RESULT, row}}`."""
    return {service: {"list_total_count": len(rows), "RESULT": {"CODE": "INFO-000", "MESSAGE": "정상 처리되었습니다"},
                      "row": rows}}


def data_go_kr_page(items: list[dict], page: int, total: int, rows_per_page: int) -> dict:
    """A data.go.kr standard-data API page: `response.header`, then `response.body.items` (a list), every
    count as text."""
    return {"response": {"header": {"resultCode": "00", "resultMsg": "NORMAL_SERVICE", "type": "json"},
                         "body": {"items": items, "totalCount": str(total), "numOfRows": str(rows_per_page),
                                  "pageNo": str(page)}}}


def data_go_kr_item_page(items: list[dict], page: int, total: int, rows_per_page: int) -> dict:
    """A data.go.kr page of the newer services (행정안전부 1741000): `response.body.items.item`, counts as
    numbers, the body before the header."""
    return {"response": {"body": {"dataType": "JSON", "items": {"item": items}, "numOfRows": rows_per_page,
                                  "pageNo": page, "totalCount": total},
                         "header": {"resultCode": "0", "resultMsg": "정상"}}}


def jsonl_bytes(frame: pl.DataFrame) -> bytes:
    """`frame` as JSON Lines (UTF-8), one object a row."""
    buffer = io.BytesIO()
    frame.write_ndjson(buffer)
    return buffer.getvalue()


# --- XLSX and ZIP -----------------------------------------------------------------------------------

def write_xlsx(path: Path, workbook: Any, stamp: Stamp) -> None:
    """An openpyxl workbook with fixed zip and document times (openpyxl stamps the time of writing into both)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    write_bytes(path, _fixed_time_xlsx(buffer.getvalue(), stamp))


def _fixed_time_xlsx(data: bytes, stamp: Stamp) -> bytes:
    iso = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*stamp).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + iso, content)
            info = zipfile.ZipInfo(item.filename, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, content)
    return out.getvalue()


class _Cp949Name(zipfile.ZipInfo):
    """A member whose name is stored as CP949 bytes without the UTF-8 flag, as Korean downloads do."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's own name)
        return self.filename.encode(CP949), self.flag_bits & ~0x800


def write_cp949_zip(path: Path, members: dict[str, bytes], stamp: Stamp) -> None:
    """A ZIP of `members` (name → bytes) with CP949 member names and a fixed time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = _Cp949Name(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
