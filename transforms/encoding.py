"""Text encodings of Korean public files: UTF-8 (with or without BOM) or CP949 (korean-public-data.md §0.1).

Detection is a strict streaming decode, not a guess: a file is UTF-8 only if every byte decodes as UTF-8,
else CP949 only if every byte decodes as CP949, else it is refused. CP949 files are transcoded to UTF-8
in the same streaming pass, before parsing, because DuckDB's encodings extension loses bytes at buffer
boundaries on large CP949 files (stack-notes.md).

The same pass refuses what no text source sends: a NUL byte, a line longer than `max_line_bytes` (checked
chunk by chunk, so a gigabyte without a newline is never held in memory), and a file whose encoding
changes mid-file. Every refusal names the file, the byte offset and the line.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lake.settings import Limits

UTF8_BOM = codecs.BOM_UTF8
CHUNK = 1 << 20
# Hangul syllables decoded as valid UTF-8: a CP949 file practically never yields one before its first
# byte that is not UTF-8 (its Hangul are 2-byte pairs), so seeing one means UTF-8 text, then other bytes.
_HANGUL = re.compile("[\uac00-\ud7a3]")


class EncodingError(ValueError):
    pass


@dataclass
class _Position:
    """Where the stream of `path` is: bytes before the current chunk, and the length of the open line."""

    path: Path
    offset: int = 0
    line_bytes: int = 0

    def at(self, index: int) -> str:
        """`index` bytes into the current chunk, as byte and line. Lines are counted only for a message,
        by reading up to there again: the hot loop never counts newlines."""
        offset, line = self.offset + index, 1
        with self.path.open("rb") as f:
            while (left := offset - f.tell()) > 0 and (chunk := f.read(min(CHUNK, left))):
                line += chunk.count(b"\n")
        return f"byte {offset} (line {line})"

    def advance(self, chunk: bytes, max_line_bytes: int) -> None:
        """Account for `chunk` (never longer than `max_line_bytes`, so a line inside it is short enough)."""
        name = self.path.name
        if (nul := chunk.find(b"\0")) >= 0:
            raise EncodingError(f"{name}: NUL byte at {self.at(nul)}: not a UTF-8 or CP949 text file")
        first = chunk.find(b"\n")
        ends_at = len(chunk) if first < 0 else first
        if self.line_bytes + ends_at > max_line_bytes:
            raise EncodingError(f"{name}: the line from {self.at(-self.line_bytes)} is longer than {max_line_bytes} "
                                "bytes (limit LAKEHOUSE_MAX_LINE_BYTES)")
        self.line_bytes = self.line_bytes + len(chunk) if first < 0 else len(chunk) - chunk.rfind(b"\n") - 1
        self.offset += len(chunk)


@dataclass
class _Failure:
    where: str
    byte: int  # the first byte that did not decode
    saw_hangul: bool


def _stream(path: Path, encoding: str, max_line_bytes: int, write: Callable[[str], object] | None,
            start: int = 0) -> _Failure | None:
    """Decode `path` from byte `start` strictly, chunk by chunk, passing the text to `write`; returns where
    the first undecodable byte is, or None. A NUL byte or an over-long line raises EncodingError."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    position, saw_hangul = _Position(path, offset=start), False
    with path.open("rb") as f:
        f.seek(start)
        while chunk := f.read(min(CHUNK, max_line_bytes)):
            pending = len(decoder.getstate()[0])  # bytes of a character split across chunks, decoded with these
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:  # exc.object is pending + chunk
                decoded = exc.object[:exc.start].decode(encoding, errors="ignore")  # the good part of this chunk
                saw_hangul = saw_hangul or bool(_HANGUL.search(decoded))
                return _Failure(position.at(exc.start - pending), exc.object[exc.start], saw_hangul)
            position.advance(chunk, max_line_bytes)
            saw_hangul = saw_hangul or bool(_HANGUL.search(text))
            if write:
                write(text)
    try:
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:  # a character cut off by the end of the file
        return _Failure(position.at(exc.start - len(exc.object)), exc.object[exc.start], saw_hangul)
    if write:
        write(tail)
    return None


def _transcode(path: Path, encoding: str, out: Path, max_line_bytes: int, start: int = 0) -> _Failure | None:
    """Stream `path` from byte `start` into UTF-8 (no BOM) at `out`."""
    with out.open("w", encoding="utf-8", newline="") as dst:
        return _stream(path, encoding, max_line_bytes, dst.write, start)


def _changes_mid_file(name: str, failure: _Failure) -> EncodingError:
    return EncodingError(f"{name}: UTF-8 Korean text until {failure.where}, then byte 0x{failure.byte:02x} that is "
                         "not UTF-8: the encoding changes mid-file")


def decode_to_utf8(path: Path, out: Path, max_line_bytes: int | None = None, keep_bom: bool = False) -> tuple[str, Path]:
    """Detect and transcode in one strict pass: (encoding, a UTF-8 file without BOM at `out`, or `path`
    itself when it is plain UTF-8). A CP949 file fails UTF-8 at its first Korean byte (usually in the
    header), so it is read about once. `keep_bom`: a UTF-8 file with a BOM is checked the same way and
    returned as it is, for a reader that skips the BOM itself (polars' CSV reader); writing it again without
    cost a store ZIP's 240 MB member ~0.5 s. `max_line_bytes` defaults to the limit in force (environment)."""
    limit = max_line_bytes or Limits.from_env().max_line_bytes
    name = path.name
    with path.open("rb") as f:
        bom = f.read(3) == UTF8_BOM
    if bom:
        start = len(UTF8_BOM)
        failure = _stream(path, "utf-8", limit, None, start) if keep_bom else _transcode(path, "utf-8", out, limit, start)
        if failure is None:
            return "utf-8-sig", path if keep_bom else out
        if failure.saw_hangul:
            raise _changes_mid_file(name, failure)
        raise EncodingError(f"{name}: unknown encoding (a UTF-8 BOM, then byte 0x{failure.byte:02x} that is not "
                            f"UTF-8 at {failure.where})")
    utf8 = _stream(path, "utf-8", limit, None)
    if utf8 is None:
        return "utf-8", path
    if utf8.saw_hangul:
        raise _changes_mid_file(name, utf8)
    cp949 = _transcode(path, "cp949", out, limit)
    if cp949 is None:
        return "cp949", out
    raise EncodingError(f"{name}: unknown encoding (neither UTF-8 nor CP949): not UTF-8 at {utf8.where} "
                        f"(0x{utf8.byte:02x}), not CP949 at {cp949.where} (0x{cp949.byte:02x})")
