import pytest

from transforms.geography import admin_dongs, adong_code, adong_codes_for_bdong, normalise_dong_name


@pytest.mark.parametrize(("raw", "expected"), [
    ("등촌제1동", "등촌1동"), (" 화곡 본동 ", "화곡본동"), ("상계3.4동", "상계3·4동"), ("상계3-4동", "상계3·4동"), ("우장산동", "우장산동"),
])
def test_dong_names_normalise(raw, expected):
    assert normalise_dong_name(raw) == expected


def test_every_current_dong_resolves_by_official_and_short_name():
    dongs = admin_dongs()
    assert dongs.height == 20
    for official, short, code in zip(dongs["adong_name"], dongs["adong_short_name"], dongs["adong_code"]):
        assert adong_code(official) == adong_code(short) == code
        assert code[:8] == dongs.filter(dongs["adong_code"] == code)["adong_code8"][0]
    assert adong_code("화곡제5동") is None  # abolished 2008: never guessed onto a current dong


def test_split_legal_dongs_stay_ambiguous():
    assert adong_codes_for_bdong("1150010200") == ("1150052000", "1150053000", "1150053500")  # 등촌동
    assert adong_codes_for_bdong("1150011000") == ("1150064000",)  # 개화동 → 방화제2동 only
    assert len(adong_codes_for_bdong("1150010500")) == 4  # 마곡동 spans four 행정동
