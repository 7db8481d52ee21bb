"""서울시 상권분석서비스 files and API answers (korean-public-data.md §0.2, §6): one reader for every service.

* Open API JSON: `{"<SERVICE>": {"list_total_count", "RESULT": {"CODE", "MESSAGE"}, "row": [...]}}`.
  `INFO-000` = rows; `INFO-200` (no data) = an empty file that loads nothing; any other code, or an
  error answer without the service wrapper (`{"RESULT": {...}}`), is refused with its code and message.
  Numbers arrive as JSON numbers: `12.0` becomes `12` so integer columns type.
* CSV download: Korean headers (`기준_년분기_코드,…`, CP949 on older files, UTF-8 with BOM on newer),
  or the 2025 lower-case English headers (`stdr_yyqu_cd,…`); both map through the contract's synonyms
  (Korean header + API field name; matching ignores case), so the loader does not rename anything.

Output: a frame of strings keyed by the source's field names, `_row_number` = data row (1-based).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from catalog.contracts import get_contract
from transforms.records import ParseError, read_extract_csv, read_json, string_frame


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def empty_frame(contract_id: str) -> pl.DataFrame:
    """No rows, but every contract column, so an empty answer maps and loads 0 rows."""
    return string_frame([], [c.name for c in get_contract(contract_id).table.columns], [])


def parse_api_json(path: Path, name: str, service: str, contract_id: str) -> pl.DataFrame:
    document = read_json(path, name)
    if not isinstance(document, dict):
        raise ParseError(f"{name}: expected a JSON object with a {service} envelope")
    envelope = document.get(service)
    if not isinstance(envelope, dict):
        result = document.get("RESULT") or {}
        if result.get("CODE") == "INFO-200":
            return empty_frame(contract_id)
        others = [k for k in document if k != "RESULT"]
        found = f"found {', '.join(others)}" if others else f"RESULT {result.get('CODE')}: {result.get('MESSAGE')}"
        raise ParseError(f"{name}: no {service} envelope ({found})")
    result = envelope.get("RESULT") or {}
    code = result.get("CODE")
    if code == "INFO-200":
        return empty_frame(contract_id)
    if code != "INFO-000":
        raise ParseError(f"{name}: API result {code}: {result.get('MESSAGE')}")
    rows = envelope.get("row") or []
    records = [{k: _text(v) for k, v in row.items()} for row in rows]
    fields = list(dict.fromkeys(k for row in records for k in row))
    return string_frame(records, fields, range(1, len(records) + 1))


def parse(path: Path, name: str, service: str, contract_id: str) -> pl.DataFrame:
    """`path` is the UTF-8 text of the landed file `name`; its suffix picks the format."""
    suffix = Path(name).suffix.lower()
    if suffix == ".json":
        return parse_api_json(path, name, service, contract_id)
    if suffix == ".csv":
        return read_extract_csv(path, name, contract_id)
    raise ParseError(f"{name}: {contract_id} accepts the {service} API answer (.json) or the CSV download (.csv)")
