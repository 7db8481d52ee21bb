"""Hostile and broken files: each is refused with a message naming the file and the problem, stays in the
landing zone (or the inbox, when it could not be landed) and is recorded as failed; nothing is half-loaded.
Small generated files throughout; the limits are set small in the tests, never met with real gigabytes."""

from __future__ import annotations

import dataclasses
import errno
import io
import re
import subprocess
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from connectors.envelopes import UnreadablePage, read_data_go_kr
from lake.session import lake_session, table_exists
from lake.settings import Limits, Settings, describe_limits
from transforms import landing
from transforms.archives import check_zip, unsafe_name
from transforms.encoding import EncodingError, decode_to_utf8
from transforms.ingest import IngestFailed, ingest_file
from transforms.records import ParseError

from conftest import SAMPLES

HEADER = "어린이집코드,아동ID,반연령,급식일자,식사구분,메뉴명,알레르기번호,배식량(g),잔반량(g),열량(kcal),단백질(g)"
STORE_ZIP = "소상공인시장진흥공단_상가(상권)정보_20260630.zip"


def meal_rows(count: int, start: int = 0) -> list[str]:
    return [f"11500000001,CH{start + i:08d},2,2026-01-05,점심,밥/국,5.6,200.0,20.0,300.0,10.0" for i in range(count)]


def with_limits(settings: Settings, **limits: int) -> Settings:
    return dataclasses.replace(settings, limits=Limits(**limits))


def records(settings: Settings) -> list[tuple]:
    with lake_session(settings, read_only=True) as con:
        if not table_exists(con, "landing.files"):
            return []
        return con.execute("SELECT original_name, status, error, landing_path, rows, loaded "
                           "FROM lake.landing.files").fetchall()


def raw_rows(settings: Settings, table: str) -> int:
    with lake_session(settings, read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM lake.{table}").fetchone()[0] if table_exists(con, table) else 0


def refused(settings: Settings, source: str, path: Path, *problem: str, landed: bool = True) -> str:
    """Ingest `path`, expect the README's rule for a file that cannot be loaded; the error message."""
    with pytest.raises(IngestFailed) as failure:
        ingest_file(settings, source, path, "t1")
    message = str(failure.value)
    assert path.name in message and all(p in message for p in problem), message
    assert path.exists()  # the inbox keeps it
    assert bool(list((settings.landing_dir / source).glob(f"*/{path.name}"))) is landed
    [(name, status, error, landing_path, rows, loaded)] = records(settings)
    assert (name, status, rows, loaded) == (path.name, "failed", 0, 0)
    assert all(p in error for p in problem) and bool(landing_path) is landed
    return message


def store_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


# XML: entity expansion and external entities (defusedxml) ----------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE response [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<response><item><stcode>11500000001</stcode><crname>&d;</crname></item></response>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE response [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<response><item><stcode>11500000001</stcode><crname>&secret;</crname></item></response>"""


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["entity_expansion", "external_entity"])
def test_xml_entities_are_refused(settings, tmp_path, xml):
    path = tmp_path / "cpmsapi030_hostile.xml"
    path.write_text(xml, encoding="utf-8")
    refused(settings, "childcare_centers", path, "refused XML", "EntitiesForbidden")
    assert raw_rows(settings, "raw_identified.childcare_centers") == 0


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["entity_expansion", "external_entity"])
def test_gateway_xml_with_entities_is_an_unreadable_page(xml):
    with pytest.raises(UnreadablePage, match="refused XML"):
        read_data_go_kr(xml.encode())


# ZIP: directory checks before extraction ---------------------------------------------------------------

def test_zip_bomb_is_refused_from_its_directory_before_extraction(settings, tmp_path, monkeypatch):
    path = store_zip(tmp_path / STORE_ZIP, {"bomb_서울_202606.csv": b"0" * (4 << 20)})  # 4 MiB → a few KB
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a member was extracted"))
    refused(settings, "stores", path, "bomb_서울_202606.csv", "expands", "refused before extraction")


@pytest.mark.parametrize(("limits", "members", "problem"), [
    ({"max_zip_member_bytes": 10_000}, {"a_서울_202606.csv": b"x" * 20_000}, "LAKEHOUSE_MAX_ZIP_MEMBER_BYTES"),
    ({"max_zip_total_bytes": 10_000}, {"a_서울_202606.csv": b"x" * 6_000, "b.txt": b"y" * 6_000},
     "LAKEHOUSE_MAX_ZIP_TOTAL_BYTES"),
    ({"max_zip_members": 3}, {f"m{i}.txt": b"z" for i in range(5)}, "LAKEHOUSE_MAX_ZIP_MEMBERS"),
], ids=["member_size", "total_size", "member_count"])
def test_zip_over_a_size_limit_is_refused(settings, tmp_path, monkeypatch, limits, members, problem):
    path = store_zip(tmp_path / STORE_ZIP, members)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("a member was extracted"))
    refused(with_limits(settings, **limits), "stores", path, problem)


def test_an_xlsx_is_a_zip_and_gets_the_same_checks(settings, tmp_path):
    path = store_zip(tmp_path / "basic_livelihood_recipients_by_dong_202405.xlsx",
                     {"xl/worksheets/sheet1.xml": b" " * (4 << 20)})
    refused(settings, "welfare_recipients_stats", path, "xl/worksheets/sheet1.xml", "expands")


@pytest.mark.parametrize("member", ["../../evil_서울_202606.csv", "/etc/evil_서울_202606.csv", "C:\\evil_서울_202606.csv",
                                    "ok/..\\..\\evil_서울_202606.csv"])
def test_zip_member_names_that_climb_out_are_refused(settings, tmp_path, member):
    assert unsafe_name(member)
    path = store_zip(tmp_path / STORE_ZIP, {member: f"{HEADER}\n".encode()})
    refused(settings, "stores", path, "path traversal")


def test_ordinary_member_names_are_safe():
    assert not any(unsafe_name(n) for n in ("a.csv", "소상공인_서울_202606.csv", "dir/a..b.csv", "xl/_rels/.rels"))


def test_a_file_name_never_places_the_landing_copy_outside_its_folder(settings, tmp_path):
    (tmp_path / "inbox" / "sub").mkdir(parents=True)
    path = tmp_path / "inbox" / "meals.csv"
    path.write_text("\n".join([HEADER, *meal_rows(3)]) + "\n", encoding="utf-8")
    result = ingest_file(settings, "childcare_meals", tmp_path / "inbox" / "sub" / ".." / "meals.csv", "t1")
    landed = Path(result.landing_path).resolve()
    assert landed == (settings.landing_dir / "childcare_meals" / result.sha256 / "meals.csv").resolve()
    with pytest.raises(landing.LandingFailed, match="not a file name"):
        landing.landing_target(settings.landing_dir, "childcare_meals", Path(".."), result.sha256)


# Text: long lines, NUL bytes, encodings that change, empty files ----------------------------------------

def test_a_line_over_the_limit_is_refused_naming_the_line(settings, tmp_path):
    path = tmp_path / "long_line.csv"
    path.write_bytes(f"{HEADER}\n".encode() + b"1" * 5_000)  # a last line of 5,000 bytes and no newline
    message = refused(with_limits(settings, max_line_bytes=1_000), "childcare_meals", path,
                      "the line from byte", "(line 2) is longer than 1000 bytes")
    assert f"from byte {len(HEADER.encode()) + 1}" in message


def test_the_line_check_streams_it_never_holds_the_line(tmp_path):
    path = tmp_path / "no_newline.csv"
    with path.open("wb") as f:
        for _ in range(16):
            f.write(b"x" * (1 << 20))  # 16 MiB without a newline against a 256 KiB limit
    tracemalloc.start()
    try:
        with pytest.raises(EncodingError, match=r"the line from byte 0 \(line 1\) is longer than 262144 bytes"):
            decode_to_utf8(path, tmp_path / "out", max_line_bytes=256 << 10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20, f"peak {peak} bytes: the line was read whole"


def test_nul_bytes_are_refused_with_their_offset_and_line(settings, tmp_path):
    head = "\n".join([HEADER, *meal_rows(2)]).encode("cp949") + b"\n"
    path = tmp_path / "nul.csv"
    path.write_bytes(head + b"11500000001,CH\x0000000009,2\n")
    refused(settings, "childcare_meals", path, f"NUL byte at byte {len(head) + 14} (line 4)")


def test_an_encoding_that_changes_mid_file_is_refused_with_offset_and_line(settings, tmp_path):
    utf8_part = "\n".join([HEADER, *meal_rows(2)]).encode("utf-8") + b"\n"
    cp949_part = "\n".join(meal_rows(2, start=10)).encode("cp949") + b"\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(utf8_part + cp949_part)
    with pytest.raises(UnicodeDecodeError) as not_utf8:
        (utf8_part + cp949_part).decode("utf-8")
    first_bad = not_utf8.value.start
    assert first_bad > len(utf8_part)  # the CP949 row's first Korean byte
    refused(settings, "childcare_meals", path, "the encoding changes mid-file", f"until byte {first_bad} (line 4)")


def test_cp949_files_still_load_and_a_latin_file_names_both_failures(settings, tmp_path):
    cp949 = tmp_path / "cp949.csv"
    cp949.write_bytes(("\r\n".join([HEADER, *meal_rows(4)]) + "\r\n").encode("cp949"))
    assert ingest_file(settings, "childcare_meals", cp949, "t1").encoding == "cp949"
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"caf\xe9,\xff\xfe\n")
    with pytest.raises(EncodingError,
                       match=r"latin.csv: unknown encoding .*not UTF-8 at byte 3 \(line 1\).*not CP949 at byte 3"):
        decode_to_utf8(latin, tmp_path / "out")


@pytest.mark.parametrize("source, sample", [
    ("cctv", "cctv_info_api_3150000_page1_SYNTHETIC.json"),  # every data.go.kr safety API page
    ("childcare_centers", "ChildCareInfo_SYNTHETIC.json"),
    ("commerce_sales", "VwsmTrdarSelngQq_20262_SYNTHETIC.json"),  # every Seoul commerce API answer
    ("stores", "storeListInDong_11500_202606_SYNTHETIC.json"),
])
def test_a_json_answer_with_a_lone_surrogate_escape_is_refused(settings, tmp_path, source, sample):
    # valid UTF-8 bytes, but "\ud800" decodes to text no column can hold: it failed with a UnicodeEncodeError
    text = (SAMPLES / source / sample).read_text(encoding="utf-8")
    path = tmp_path / sample
    path.write_text(re.sub(r'(": ?")', r"\1\\ud800", text, count=1), encoding="utf-8")  # the first string value
    refused(settings, source, path, "not valid JSON", "surrogate")


def test_an_empty_file_is_refused(settings, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    refused(settings, "childcare_meals", path, "empty file (0 bytes)")


def test_a_file_over_the_size_limit_is_not_even_landed(settings, tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("\n".join([HEADER, *meal_rows(50)]) + "\n", encoding="utf-8")
    refused(with_limits(settings, max_file_bytes=1_000), "childcare_meals", path, "LAKEHOUSE_MAX_FILE_BYTES", landed=False)


# A full disk while landing ------------------------------------------------------------------------------

@pytest.fixture(params=["tmpfs", "injected"])
def full_landing_disk(request, settings, monkeypatch):
    """The landing zone on a 64 KiB tmpfs (real ENOSPC; needs root and mount), or an fsync that reports
    ENOSPC (as delayed allocation does) wherever mounting is not allowed."""
    settings.landing_dir.mkdir(parents=True)
    if request.param == "injected":
        def no_space(fd):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(landing.os, "fsync", no_space)
        yield monkeypatch.undo
        return
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(settings.landing_dir)],
                           capture_output=True)
    if mount.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mount.stderr.decode().strip()}")
    unmounted = []

    def free() -> None:
        if not unmounted:
            subprocess.run(["umount", str(settings.landing_dir)], check=True)
            unmounted.append(True)

    try:
        yield free
    finally:
        free()


def test_a_full_disk_while_landing_records_nothing_and_keeps_the_file(settings, tmp_path, full_landing_disk):
    path = tmp_path / "meals.csv"
    path.write_text("\n".join([HEADER, *meal_rows(3000)]) + "\n", encoding="utf-8")  # ~200 KB > 64 KiB
    with pytest.raises(IngestFailed,
                       match="meals.csv.*No space left on device.*nothing recorded, the file stays in the inbox"):
        ingest_file(settings, "childcare_meals", path, "t1")
    assert path.exists() and records(settings) == []
    assert not [p for p in settings.landing_dir.rglob("*") if p.is_file()]  # no partial copy left behind
    full_landing_disk()  # space again: the next ingest lands and loads it whole
    result = ingest_file(settings, "childcare_meals", path, "t2")
    assert result.status == "loaded" and result.rows == 3000
    assert raw_rows(settings, "raw_identified.childcare_meals") == result.loaded


# The limits ---------------------------------------------------------------------------------------------

def test_limits_have_defaults_env_overrides_and_a_listing(monkeypatch, tmp_path):
    monkeypatch.setenv("LAKEHOUSE_MAX_LINE_BYTES", "4096")
    settings = Settings(tmp_path / "data", tmp_path / "keys")
    assert settings.limits.max_line_bytes == 4096
    assert settings.limits.max_zip_ratio == Limits().max_zip_ratio
    listing = describe_limits(settings.limits)
    assert {row["limit"] for row in listing} == {f.name for f in dataclasses.fields(Limits)}
    assert all(row["env"].startswith("LAKEHOUSE_MAX_") and row["meaning"] for row in listing)
    by_name = {row["limit"]: row for row in listing}
    assert (by_name["max_line_bytes"]["value"], by_name["max_line_bytes"]["env"]) == (4096, "LAKEHOUSE_MAX_LINE_BYTES")


def test_a_zip_directory_check_alone(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("fine_서울_202606.csv", b"a,b\n1,2\n")
    (tmp_path / "fine.zip").write_bytes(buffer.getvalue())
    check_zip(tmp_path / "fine.zip", "fine.zip", Limits())
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ParseError, match="broken.zip: not a readable ZIP"):
        check_zip(tmp_path / "broken.zip", "broken.zip", Limits())
