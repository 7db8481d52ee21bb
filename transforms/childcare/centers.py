"""Daycare centres: 보육통합정보 cpmsapi030 XML and Seoul Open API ChildCareInfo JSON (reference §7.1-7.2).

Both become one frame of strings keyed by the lower-cased source field name; the contract's synonyms
map `sigunname`/`sigunguname`, `STCODE`/`stcode` … onto its columns.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from transforms.records import ParseError, read_json, string_frame
from transforms.source import Source

SOURCE_ID = "childcare_centers"


def _frame(rows: list[dict[str, str]]) -> pl.DataFrame:
    """Items in document order: row number = item number."""
    return string_frame(rows, sorted({k for row in rows for k in row}), range(1, len(rows) + 1))


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_cpmsapi030_xml(path: Path, name: str) -> pl.DataFrame:
    """`<response><item>…</item></response>`; tags matched case-insensitively."""
    # The text is already UTF-8; drop the declaration, which may still name the original encoding.
    text = _XML_DECLARATION.sub("", path.read_text(encoding="utf-8"), count=1)
    try:
        root = SafeET.fromstring(text)  # entity declarations and external references are refused (XXE, bombs)
    except SafeET.ParseError as exc:
        raise ParseError(f"{name}: not well-formed XML ({exc})") from exc
    except DefusedXmlException as exc:
        raise ParseError(f"{name}: refused XML ({exc}): entity declarations and external references are not accepted") from exc
    if root.tag.lower() != "response":
        raise ParseError(f"{name}: expected a <response> root, found <{root.tag}>")
    rows = [
        {child.tag.lower(): (child.text or "") for child in item}
        for item in root
        if item.tag.lower() == "item"
    ]
    return _frame(rows)


def parse_childcareinfo_json(path: Path, name: str) -> pl.DataFrame:
    """`{"ChildCareInfo": {"list_total_count", "RESULT": {"CODE"}, "row": [...]}}`; INFO-200 = no rows."""
    document = read_json(path, name)
    envelope = document.get("ChildCareInfo") if isinstance(document, dict) else None
    if envelope is None:
        # The API answers errors without the service wrapper: {"RESULT": {"CODE": ..., "MESSAGE": ...}}
        result = (document or {}).get("RESULT", {}) if isinstance(document, dict) else {}
        if result.get("CODE") == "INFO-200":
            return _frame([])
        raise ParseError(f"{name}: no ChildCareInfo envelope (RESULT {result.get('CODE')}: {result.get('MESSAGE')})")
    code = envelope.get("RESULT", {}).get("CODE")
    if code == "INFO-200":
        return _frame([])
    if code != "INFO-000":
        raise ParseError(f"{name}: API result {code}: {envelope.get('RESULT', {}).get('MESSAGE')}")
    rows = [{k.lower(): ("" if v is None else str(v)) for k, v in row.items()} for row in envelope.get("row", [])]
    return _frame(rows)


def parse(path: Path, name: str) -> pl.DataFrame:
    """`path` is the UTF-8 text of the landed file `name`; the suffix of `name` picks the format."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xml":
        return parse_cpmsapi030_xml(path, name)
    if suffix == ".json":
        return parse_childcareinfo_json(path, name)
    raise ParseError(f"{name}: childcare_centers accepts .xml (cpmsapi030) or .json (ChildCareInfo)")


SOURCE = Source(
    SOURCE_ID,
    ("보육통합정보 cpmsapi030 XML (sigunname/sigunguname, any tag case)", "Seoul Open API ChildCareInfo JSON envelope"),
    (".xml", ".json"),
    parse,
)
