"""Free text from public files (상호명, 지점명, 건물명) made safe before it reaches the lake.

Two hazards, handled in the loader so that no table, mart or export downstream can carry them:

* Spreadsheet formulas (CSV injection, OWASP): a cell that starts with `=`, `+`, `-` or `@` — after
  leading tabs, CRs and spaces, which spreadsheets skip and our validation strips — runs as a formula when
  an export is opened in Excel. Such a value is *neutralised*: prefixed with `'`, which spreadsheets show as
  text. Embedded tabs, CRs and line feeds become one space. The row is kept (the store is real; dropping
  it would fake a closure in the store history) and flagged `name_formula_neutralised`.
* Personal identifiers typed into a name: a resident registration number (YYMMDD-Gnnnnnn, with or without
  the hyphen) or a phone number (mobile 01x, Seoul 02 and area codes 031-064). They are *masked* in place
  (every digit → `*`, separators kept) and the row is flagged `name_identifier_masked`, so the value never
  lands in the lake; the landed original file stays in the read-only landing zone for the steward. The
  patterns are a superset of the privacy gates' (quality/privacy_gates.py), and use digit boundaries
  rather than `\\b`, which Python treats as Unicode-aware (`치킨010-…` has no `\\b` before 0).
"""

from __future__ import annotations

import re

import polars as pl

FORMULA_LEAD = r"^([=+@]|-.)"  # a lone "-" is a null token, not a formula
CONTROL = r"[\t\r\n]+"
_D = r"(?<![0-9])", r"(?![0-9])"
IDENTIFIERS = {
    "resident_registration_number": r"[0-9]{6}[- ]?[1-8][0-9]{6}",
    "mobile_phone": r"01[016789][-. )]?[0-9]{3,4}[-. ]?[0-9]{4}",
    "landline_phone": r"0(?:2|[3-6][1-5])[-. )]?[0-9]{3,4}[-. ]?[0-9]{4}",
}
# Rust regex (polars) has no look-around: the screen uses explicit digit boundaries, the masking Python's re.
_SCREEN = "|".join(f"(?:^|[^0-9])(?:{p})(?:$|[^0-9])" for p in IDENTIFIERS.values())
_MASK = re.compile("|".join(f"{_D[0]}(?:{p}){_D[1]}" for p in IDENTIFIERS.values()))
FORMULA_FLAG = "name_formula_neutralised"
IDENTIFIER_FLAG = "name_identifier_masked"


def mask_identifiers(value: str) -> str:
    """Every digit of an RRN or phone number → `*` (separators kept: `010-****-****` stays readable)."""
    return _MASK.sub(lambda m: re.sub(r"[0-9]", "*", m.group()), value)


def has_identifier(text: pl.Expr) -> pl.Expr:
    return text.str.contains(_SCREEN).fill_null(False)


def screen(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """`frame` with the free-text `columns` neutralised and masked, plus the two flag columns ('true'/'false')."""
    frame = frame.with_columns(pl.col(c).str.replace_all(CONTROL, " ").str.strip_chars() for c in columns)
    frame = frame.with_columns(
        pl.any_horizontal([pl.col(c).str.contains(FORMULA_LEAD).fill_null(False) for c in columns]).alias(FORMULA_FLAG),
        pl.any_horizontal([has_identifier(pl.col(c)) for c in columns]).alias(IDENTIFIER_FLAG),
        *[pl.col(c).str.replace(FORMULA_LEAD, "'$0") for c in columns],
    )
    # Identifiers are rare: mask only the flagged rows, in Python (look-around), and put them back.
    flagged = frame.with_row_index("__i").filter(IDENTIFIER_FLAG)
    if flagged.height:
        rows = flagged["__i"].to_list()
        masked = {c: [None if v is None else mask_identifiers(v) for v in flagged[c]] for c in columns}
        index = pl.int_range(pl.len(), dtype=pl.UInt32)
        frame = frame.with_columns(
            pl.when(IDENTIFIER_FLAG).then(index.replace_strict(rows, masked[c], default=None, return_dtype=pl.String))
            .otherwise(pl.col(c)).alias(c)
            for c in columns)
    return frame.with_columns(pl.col(FORMULA_FLAG, IDENTIFIER_FLAG).cast(pl.String).str.to_lowercase())
