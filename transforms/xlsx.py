"""Spreadsheet downloads (.xlsx): the first sheet's non-blank rows as cell texts, for any loader."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

from transforms.records import ParseError
from transforms.text import clean


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return clean(value)


def read_xlsx_rows(path: Path, name: str) -> list[tuple[int, list[str]]]:
    """(sheet row number, cell texts) for every non-blank row of the first sheet."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ParseError(f"{name}: not a readable .xlsx workbook ({exc})") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
        return rows
    finally:
        workbook.close()
