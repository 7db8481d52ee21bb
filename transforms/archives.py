"""ZIP containers (the 상가정보 download, every .xlsx) judged from their central directory, before any
member is extracted: too many members, members that declare too much or compress too well (zip bombs),
names that climb out of a folder, and encrypted members are refused with the member's name.

The declared sizes are enough: Python's zipfile never inflates a member past its declared size (a member
that lies fails its CRC), so what passes here bounds what a parser can extract.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lake.settings import MIB, Limits
from transforms.records import ParseError

RATIO_FLOOR = MIB  # tiny members compress arbitrarily well and are harmless: the ratio applies above this
_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(member: str) -> bool:
    """Absolute, drive-qualified or `..` names: extracted as named, they would land outside the folder."""
    parts = re.split(r"[\\/]", member)
    return member.startswith(("/", "\\")) or bool(_DRIVE.match(member)) or ".." in parts


def _member_problem(info: zipfile.ZipInfo, limits: Limits) -> str | None:
    if unsafe_name(info.filename):
        return "a path outside the archive folder (path traversal)"
    if info.flag_bits & 0x1:
        return "encrypted"
    if info.file_size > limits.max_zip_member_bytes:
        return (f"declares {info.file_size} bytes uncompressed "
                f"(limit LAKEHOUSE_MAX_ZIP_MEMBER_BYTES={limits.max_zip_member_bytes})")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR and ratio > limits.max_zip_ratio:
        return (f"expands {ratio:.0f}× ({info.compress_size} → {info.file_size} bytes; "
                f"limit LAKEHOUSE_MAX_ZIP_RATIO={limits.max_zip_ratio})")
    return None


def check_zip(path: Path, name: str, limits: Limits) -> None:
    """Raise ParseError naming the archive and the member when the directory breaks a limit."""
    try:
        with zipfile.ZipFile(path, metadata_encoding="cp949") as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, UnicodeDecodeError, OSError, ValueError) as exc:
        raise ParseError(f"{name}: not a readable ZIP ({exc})") from exc
    if len(members) > limits.max_zip_members:
        raise ParseError(f"{name}: {len(members)} members (limit LAKEHOUSE_MAX_ZIP_MEMBERS={limits.max_zip_members})")
    for info in members:
        if problem := _member_problem(info, limits):
            raise ParseError(f"{name}: member {info.filename!r} {problem}: refused before extraction")
    total = sum(info.file_size for info in members)
    if total > limits.max_zip_total_bytes:
        raise ParseError(f"{name}: members declare {total} bytes uncompressed in all "
                         f"(limit LAKEHOUSE_MAX_ZIP_TOTAL_BYTES={limits.max_zip_total_bytes}): refused before extraction")
