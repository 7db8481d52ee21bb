"""Text encodings of Korean public files: UTF-8 (with or without BOM) or CP949 (korean-public-data.md §0.1).

Detection is a strict streaming decode, not a guess: a file is UTF-8 only if every byte decodes as UTF-8,
else CP949 only if every byte decodes as CP949, else it is refused. CP949 files are transcoded to UTF-8
in the same streaming pass, before parsing, because DuckDB's encodings extension loses bytes at buffer
boundaries on large CP949 files (stack-notes.md).
"""

from __future__ import annotations

import codecs
from pathlib import Path

UTF8_BOM = codecs.BOM_UTF8
CHUNK = 1 << 20


class EncodingError(ValueError):
    pass


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _transcode(path: Path, encoding: str, out: Path) -> Path:
    """Stream `path` into UTF-8 (no BOM) at `out`; raises UnicodeDecodeError on the first bad byte."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return out


def decode_to_utf8(path: Path, out: Path) -> tuple[str, Path]:
    """Detect and transcode in one strict pass: (encoding, a UTF-8 file without BOM at `out`, or `path`
    itself when it is plain UTF-8). A CP949 file fails UTF-8 at its first Korean byte (usually in the
    header), so it is read about once."""
    with path.open("rb") as f:
        bom = f.read(3) == UTF8_BOM
    try:
        if bom:
            return "utf-8-sig", _transcode(path, "utf-8-sig", out)
        if _decodes(path, "utf-8"):
            return "utf-8", path
        return "cp949", _transcode(path, "cp949", out)
    except UnicodeDecodeError:
        raise EncodingError(f"{path.name}: unknown encoding (neither UTF-8 nor CP949)") from None
