"""소상공인시장진흥공단 상가(상권)정보, korean-public-data.md §5: one row per store per quarterly snapshot.

Formats (the suffix of the landed name picks one):

* `.zip`, the download as delivered (`소상공인시장진흥공단_상가(상권)정보_YYYYMMDD.zip`), read as bytes: its
  member names are CP949 bytes without the UTF-8 flag, so the archive is opened with
  `metadata_encoding="cp949"`. It holds one CSV per 시도; the 서울 member is read (or the only CSV).
  The member text goes through the same strict encoding detection as any landed file.
* `.csv`: the 39-column file, UTF-8 with BOM, comma-separated and quoted (2022+); or an older release,
  pipe-delimited without quoting (around 2020, CP949 or UTF-8, pre-2023 업종 codes such as `Q01A01`).
* `.json`: the data.go.kr sdsc2 answer (`storeListInDong`): `{header: {stdrYm, resultCode, …}, body:
  {items, numOfRows, pageNo, totalCount}}`, optionally under `response`, items as a list or `{item: …}`.
  `resultCode` 03 (no data) loads nothing; any other code but 00 is refused with its message.

What the loader adds or changes (the contract describes each column):

* `reference_month` (기준년월, YYYYMM): the file carries no date column, so it comes from the name
  (`…_서울_202606.csv`, or the ZIP's `…_20260630.zip`) or the API header `stdrYm`; without one the file
  is refused, since a snapshot without its quarter is useless to the store history.
* `adong_code` in the 10-digit form (an 8-digit `11500510` becomes `1150051000`; see codes.py).
* `category_scheme`: `2023` for the 2023 업종 codes (I2 / I201 / I20101), `pre2023` for the old letter
  codes (Q / Q01 / Q01A01); the two are never mixed in a crosswalk.
* 상호명, 지점명 and 건물명 are screened (free_text.py): formula payloads neutralised, RRNs and phone
  numbers masked, each row flagged.

Codes stay strings throughout: 20-character 상가업소번호, 19-digit PNU, 25-digit 건물관리번호.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import polars as pl

from catalog.contracts import get_contract
from transforms.archives import unsafe_name
from transforms.commerce import free_text
from transforms.commerce.codes import adong_code10, field_for
from transforms.encoding import EncodingError, decode_to_utf8
from transforms.records import ParseError, csv_batches, read_json, string_frame
from transforms.source import Source, reference_period

SOURCE_ID = "stores"
FREE_TEXT = ("store_name", "branch_name", "building_name")
_MONTH = re.compile(r"(?<!\d)(20\d{2})(0[1-9]|1[0-2])(?:[0-3]\d)?(?!\d)")
_SCHEME_2023 = r"^[A-Z][0-9]([0-9]{2}([0-9]{2})?)?$"
_SCHEME_OLD = r"^[A-Z]([0-9]{2}([A-Z][0-9]{2})?)?$"


def reference_month(name: str) -> str | None:
    found = _MONTH.findall(Path(name).stem)
    return f"{found[-1][0]}{found[-1][1]}" if found else None


def read_delimited(path: Path, name: str) -> Iterator[pl.DataFrame]:
    """The UTF-8 text of a store CSV, READ_ROWS rows at a time: comma-separated and quoted, or
    pipe-delimited without quotes (the layout is read from the header line at once)."""
    with path.open(encoding="utf-8") as f:
        header = f.readline()
    pipe = header.count("|") > header.count(",")
    if pipe:
        return csv_batches(path, name, "store CSV", separator="|", quote_char=None)
    return csv_batches(path, name, "store CSV")


_BROKEN_MEMBER = (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, zlib.error)


def extract_member(path: Path, name: str, folder: Path) -> tuple[Path, str]:
    """(the UTF-8 text of the archive's 서울 CSV, under `folder`, perhaps with a BOM; its member name). Ingest has already judged
    the archive's directory (transforms/archives.py: sizes, ratio, names); only that member is copied out,
    to disk, under its own base name."""
    try:
        archive = zipfile.ZipFile(path, metadata_encoding="cp949")
    except (zipfile.BadZipFile, UnicodeDecodeError, OSError) as exc:
        raise ParseError(f"{name}: not a readable ZIP ({exc})") from exc
    with archive:
        members = [m for m in archive.namelist() if m.lower().endswith(".csv")]
        seoul = [m for m in members if "서울" in Path(m).name]
        chosen = seoul if seoul else members
        if len(chosen) != 1:
            raise ParseError(f"{name}: expected one 서울 CSV in the archive, found {', '.join(members) or 'no CSV'}")
        member = chosen[0]
        if unsafe_name(member):
            raise ParseError(f"{name}: member {member!r} names a path outside the archive folder (path traversal)")
        raw = folder / PurePosixPath(member.replace("\\", "/")).name  # never the member's folders
        try:
            with archive.open(member) as src, raw.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        except _BROKEN_MEMBER as exc:
            raise ParseError(f"{name}: member {member} cannot be extracted ({exc})") from exc
    try:
        _, text = decode_to_utf8(raw, folder / "member.utf8", keep_bom=True)  # polars skips a BOM
    except EncodingError as exc:
        raise ParseError(f"{name}: member {exc}") from exc
    if text != raw:  # transcoded from CP949; a UTF-8 member (with or without BOM) is read as unpacked
        raw.unlink()
    return text, member


def _items(body: dict) -> list[dict]:
    items = body.get("items") or []
    if isinstance(items, dict):
        items = items.get("item") or []
    return [items] if isinstance(items, dict) else list(items)


def read_api_json(path: Path, name: str) -> tuple[pl.DataFrame, str | None]:
    """(items, stdrYm) of a storeListInDong answer; resultCode 03 = no rows."""
    document = read_json(path, name)
    document = document.get("response", document) if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(document.get("header"), dict):
        raise ParseError(f"{name}: not an sdsc2 answer (no header)")
    header, body = document["header"], document.get("body") or {}
    code, month = str(header.get("resultCode", "")), header.get("stdrYm")
    if code == "03":
        columns = [c.name for c in get_contract(SOURCE_ID).table.columns]
        return string_frame([], columns, []), str(month) if month else None
    if code != "00":
        raise ParseError(f"{name}: API result {code}: {header.get('resultMsg')}")
    records = [{k: None if v is None else str(v) for k, v in item.items()} for item in _items(body)]
    fields = list(dict.fromkeys(k for r in records for k in r))
    return string_frame(records, fields, range(1, len(records) + 1)), str(month) if month else None


def _normalise(frame: pl.DataFrame, month: str, name: str) -> pl.DataFrame:
    table = get_contract(SOURCE_ID).table
    field = {c: field_for(frame.columns, table, c) for c in (*FREE_TEXT, "adong_code", "category_small_code",
                                                              "category_large_code")}
    free = [field[c] for c in FREE_TEXT if field[c]]
    frame = free_text.screen(frame, free)
    code = pl.coalesce([pl.col(f) for f in (field["category_small_code"], field["category_large_code"]) if f] or
                       [pl.lit(None, pl.String)])
    return frame.with_columns(
        *([adong_code10(pl.col(field["adong_code"]))] if field["adong_code"] else []),
        pl.when(code.str.contains(_SCHEME_2023)).then(pl.lit("2023"))
        .when(code.str.contains(_SCHEME_OLD)).then(pl.lit("pre2023")).alias("category_scheme"),
        pl.lit(month).alias("reference_month"),
    )


def parse(path: Path, name: str, period: str | None = None, work: Path | None = None) -> Iterator[pl.DataFrame]:
    """`path` is the landed .zip itself, or the UTF-8 text of a .csv or .json; `period` (YYYYMM) is the
    month of a file that states none; `work` the folder a ZIP's member is unpacked under (ingest gives its
    private scratch folder). The archive, the layout and the month are judged at once; the rows then come in
    batches (the 서울 member alone is ~550,000 rows)."""
    suffix = Path(name).suffix.lower()
    unpacked = None
    if suffix == ".zip":
        unpacked = tempfile.TemporaryDirectory(prefix="stores-", dir=work)  # removed after the last batch
        text, member = extract_member(path, name, Path(unpacked.name))
        frames, month = read_delimited(text, f"{name}/{member}"), reference_month(member) or reference_month(name)
    elif suffix == ".csv":
        frames, month = read_delimited(path, name), reference_month(name)
    elif suffix == ".json":
        frame, month = read_api_json(path, name)
        frames, month = [frame], month or reference_month(name)
    else:
        raise ParseError(f"{name}: stores accepts the .zip download, its .csv, or a storeListInDong .json answer")
    month = reference_period(month, period, name, SOURCE_ID,
                             "expected YYYYMM in the file name, e.g. '_서울_202606', or stdrYm in the API header")
    return _normalised(frames, month, name, unpacked)


def _normalised(frames, month: str, name: str, unpacked: tempfile.TemporaryDirectory | None) -> Iterator[pl.DataFrame]:
    try:
        for frame in frames:
            yield _normalise(frame, month, name)
    finally:
        if unpacked is not None:
            unpacked.cleanup()


SOURCE = Source(
    SOURCE_ID,
    ("소상공인시장진흥공단 상가(상권)정보 ZIP (UTF-8-BOM CSV per 시도, CP949 member names)",
     "the 39-column CSV (UTF-8 BOM, comma; or an older pipe-delimited release)",
     "data.go.kr sdsc2 storeListInDong JSON"),
    (".zip", ".csv", ".json"),
    parse,
    binary_suffixes=(".zip",),
    takes_period=True,
    unpacks=True,
)
