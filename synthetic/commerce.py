"""Synthetic commerce sources, written in their real formats (korean-public-data.md §5, §6). Every name,
number and code below the 시군구 level is fictitious; file names carry `SYNTHETIC`.

Files (`q` = quarter, `YYYYMM` its last month):

* ``stores/소상공인시장진흥공단_상가(상권)정보_YYYYMMDD_SYNTHETIC.zip``, one per quarter: a ZIP whose member
  names are CP949 bytes (no UTF-8 flag), as delivered; the 서울 member is the 39-column CSV in UTF-8 with
  BOM, comma-separated and quoted, 8-digit 행정동코드 (API style), plus a tiny 부산 member the loader
  must skip.
* ``stores/소상공인시장진흥공단_상가업소정보_서울_202012_SYNTHETIC.csv``: an older release, pipe-delimited,
  unquoted, CP949, integer 상가업소번호, pre-2023 업종 codes (Q01A01 …), 10-digit 행정동코드.
* ``stores/storeListInDong_11500_YYYYMM_SYNTHETIC.json``: page 1 of the sdsc2 answer for 강서구 in the
  last quarter (the first `API_PAGE_ROWS` stores; totalCount = all of them).
* ``commerce_sales/``: 추정매출 for every quarter but the last two as the Korean-header CSV (CP949, the
  official typo columns `시간대_건수~06_매출_건수` …), the second-last as the lower-case English-header CSV
  (UTF-8 BOM), the last as the Open API JSON envelope. Same split for ``commerce_store_stats/`` and
  ``commerce_floating_population/`` (Korean CSV, then JSON for the last quarter).
* ``commerce_areas/``: the 상권 register as the Korean CSV (CP949) and as the API JSON.

Headers come from the contracts' synonyms (first = Korean header as published, last = API field), so the
generator cannot drift from what the loaders map.

Store population and churn (the store history needs it): at scale 1 the 서울 file has ≈ 550,000 stores
(202606 had 554,092), 강서구 ≈ 4.5 % of them around its 상권 (the rest spread over the other 24 자치구 with
fictitious 행정동). Between consecutive quarters ≈ 3 % of stores close, ≈ 3.2 % open (new 상가업소번호
stamped with the quarter's month), 0.5 % change 업종 and 1 % change 상호명; at least one of each in every
transition. 상권 (강서구 only): ≈ 70 at scale 1, each with 8-20 of the Seoul service codes of the
crosswalk's source list; sales, store stats and floating population per 상권 × service × quarter add up
the way Seoul's do (day, time band, sex and age mixes each sum to the total).

Dirty rows (`dirty_rate` of each store snapshot, at least one of each case): formula payloads in 상호명
(`=`, `+`, `-`, `@`, leading tab, embedded CR), an RRN and a mobile / landline number inside 상호명
(masked and kept by the loader), longitude/latitude swapped, an 18-digit PNU, a missing 상가업소번호, an
exact duplicate row. The Seoul files get a negative amount, an unknown service code, a duplicate row,
a rate above 100, a missing 상권 code and WGS84 degrees in the EPSG:5181 X/Y columns.

Area X/Y are generated in EPSG:5181 and the stores' WGS84 points from them with pyproj (the library the
spatial module uses), so a store lies near its 상권 in both systems.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from catalog.contracts import get_contract
from synthetic.writers import (
    CP949, UTF8_BOM, csv_bytes, seoul_open_api, write_cp949_zip, write_csv, write_json,
)
from transforms.geography import admin_dongs

SEED = 20260630
SEOUL_STORES_SF1 = 550_000
GANGSEO_SHARE = 0.045
AREAS_SF1 = 70
LAST_QUARTER = (2026, 2)
API_PAGE_ROWS = 40
FIXED_ZIP_TIME = (2026, 7, 1, 9, 0, 0)
CLOSE_P, OPEN_P, RECATEGORY_P, RENAME_P = 0.03, 0.032, 0.005, 0.01


@dataclass(frozen=True)
class Size:
    """How much to write: stores in the first snapshot, 상권, quarters, and whether every store is in 강서구."""
    stores: int
    areas: int
    quarters: int = 4
    gangseo_only: bool = False

    @classmethod
    def at_scale(cls, scale: float, quarters: int = 4) -> Size:
        """At scale 1 the store file is 서울-size (≈ 550,000 rows per quarter) and 강서구 has ≈ 70 상권."""
        return cls(max(50, round(SEOUL_STORES_SF1 * scale)), max(4, round(AREAS_SF1 * scale)), quarters)


# The committed sample: a small 강서구-only store set over three quarters, 8 상권, every dirty case.
SAMPLE, SAMPLE_DIRTY_RATE = Size(stores=240, areas=8, quarters=3, gangseo_only=True), 0.02

SEOUL_GU = {
    "11110": "종로구", "11140": "중구", "11170": "용산구", "11200": "성동구", "11215": "광진구", "11230": "동대문구",
    "11260": "중랑구", "11290": "성북구", "11305": "강북구", "11320": "도봉구", "11350": "노원구", "11380": "은평구",
    "11410": "서대문구", "11440": "마포구", "11470": "양천구", "11500": "강서구", "11530": "구로구", "11545": "금천구",
    "11560": "영등포구", "11590": "동작구", "11620": "관악구", "11650": "서초구", "11680": "강남구", "11710": "송파구",
    "11740": "강동구",
}

# 2023 업종 (소분류, 소분류명, 중분류, 중분류명, 대분류, 대분류명, KSIC, KSIC명, weight). Codes named in the
# reference (§5.3) and reconstructed ones (see the crosswalk's `basis`); Q1 rows have no Seoul service code.
CATEGORIES = [
    ("I20101", "백반/한정식", "I201", "한식", "I2", "음식", "I56111", "한식 일반 음식점업", 12),
    ("I20105", "국수/칼국수", "I201", "한식", "I2", "음식", "I56112", "한식 면 요리 전문점", 3),
    ("I20201", "중국집", "I202", "중식", "I2", "음식", "I56121", "중식 음식점업", 4),
    ("I20301", "일식 회/초밥", "I203", "일식", "I2", "음식", "I56122", "일식 음식점업", 2),
    ("I20401", "경양식", "I204", "서양식", "I2", "음식", "I56123", "서양식 음식점업", 2),
    ("I21001", "김밥/만두/분식", "I210", "기타 간이 음식점업", "I2", "음식", "I56194", "분식 및 김밥 전문점", 5),
    ("I21006", "치킨", "I210", "기타 간이 음식점업", "I2", "음식", "I56193", "치킨 전문점", 5),
    ("I21007", "햄버거", "I210", "기타 간이 음식점업", "I2", "음식", "I56192", "피자, 햄버거, 샌드위치 및 유사 음식점업", 2),
    ("I21101", "빵/도넛", "I211", "제과점업", "I2", "음식", "I56191", "제과점업", 3),
    ("I21201", "카페", "I212", "비알코올 음료점업", "I2", "음식", "I56221", "커피 전문점", 10),
    ("I10102", "여관/모텔", "I101", "일반 숙박", "I1", "숙박", "I55102", "여관업", 1),
    ("G20404", "슈퍼마켓", "G204", "종합 소매", "G2", "소매", "G47121", "슈퍼마켓", 3),
    ("G20405", "편의점", "G204", "종합 소매", "G2", "소매", "G47122", "체인화 편의점", 4),
    ("G20901", "일반 의류", "G209", "섬유·의복·신발 소매", "G2", "소매", "G47419", "기타 의복 소매업", 5),
    ("G21501", "약국", "G215", "의약·화장품 소매", "G2", "소매", "G47811", "의약품 소매업", 3),
    ("G21502", "화장품", "G215", "의약·화장품 소매", "G2", "소매", "G47813", "화장품, 비누 및 방향제 소매업", 2),
    ("S20701", "미용실", "S207", "이용 및 미용업", "S2", "수리·개인", "S96112", "두발 미용업", 8),
    ("S20702", "네일숍", "S207", "이용 및 미용업", "S2", "수리·개인", "S96119", "기타 미용업", 2),
    ("S20801", "세탁소", "S208", "세탁업", "S2", "수리·개인", "S96911", "가정용 세탁업", 2),
    ("L10201", "부동산 중개/대리업", "L102", "부동산 중개 및 대리업", "L1", "부동산", "L68221", "부동산 중개 및 대리업", 7),
    ("P10501", "입시·교과학원", "P105", "교습 학원", "P1", "교육", "P85501", "일반 교과 학원", 6),
    ("P10502", "외국어학원", "P105", "교습 학원", "P1", "교육", "P85503", "외국어학원", 2),
    ("R20601", "헬스장", "R206", "체력단련시설", "R1", "예술·스포츠", "R91113", "체력 단련시설 운영업", 2),
    ("R20801", "노래방", "R208", "노래연습장", "R1", "예술·스포츠", "R91221", "노래연습장 운영업", 1),
    ("Q10201", "내과/소아과 의원", "Q102", "의원", "Q1", "보건의료", "Q86201", "일반 의원", 3),
    ("Q10205", "치과의원", "Q102", "의원", "Q1", "보건의료", "Q86202", "치과 의원", 2),
]
NAME_WORDS = {"I2": ["맛집", "식당", "밥상", "주방", "부엌"], "I1": ["모텔", "여관"], "G2": ["마트", "상회", "스토어", "샵"],
              "S2": ["헤어", "살롱", "크린", "뷰티"], "L1": ["공인중개사사무소", "부동산"], "P1": ["학원", "어학원", "교습소"],
              "R1": ["짐", "노래연습장", "피트니스"], "Q1": ["의원", "치과", "내과"]}
NAME_HEADS = ["행복", "마곡", "화곡", "우리", "새봄", "하늘", "푸른", "다온", "한빛", "으뜸", "소망", "가온", "늘봄", "참",
              "원조", "엄마손", "봄날", "별빛", "온누리", "해오름"]
OLD_CATEGORIES = [  # pre-2023 codes of the 2020 pipe release
    ("Q01A01", "한식/백반/한정식", "Q01", "한식", "Q", "음식"),
    ("Q12A01", "커피전문점/카페/다방", "Q12", "커피점/카페", "Q", "음식"),
    ("F01A01", "여성미용실", "F01", "이/미용/건강", "F", "생활서비스"),
    ("D03A01", "편의점", "D03", "종합소매점", "D", "소매"),
]

# Seoul service codes of the reference list (§6.6) — those without a crosswalk row stay unmapped.
SERVICES = [
    ("CS100001", "한식음식점"), ("CS100002", "중식음식점"), ("CS100003", "일식음식점"), ("CS100004", "양식음식점"),
    ("CS100005", "제과점"), ("CS100006", "패스트푸드점"), ("CS100007", "치킨전문점"), ("CS100008", "분식전문점"),
    ("CS100009", "호프-간이주점"), ("CS100010", "커피-음료"), ("CS200001", "일반교습학원"), ("CS200002", "외국어학원"),
    ("CS200003", "예술학원"), ("CS200005", "스포츠 강습"), ("CS200019", "PC방"), ("CS200025", "자동차수리"),
    ("CS200028", "미용실"), ("CS200031", "세탁소"), ("CS200033", "부동산중개업"), ("CS200034", "여관"),
    ("CS200037", "노래방"), ("CS300001", "슈퍼마켓"), ("CS300002", "편의점"), ("CS300007", "수산물판매"),
    ("CS300010", "일반의류"), ("CS300016", "안경"), ("CS300018", "의약품"), ("CS300022", "화장품"),
    ("CS300025", "자전거 및 기타운송장비"), ("CS300029", "애완동물"),
]
AREA_TYPES = {"A": "골목상권", "D": "발달상권", "R": "전통시장", "U": "관광특구"}
STATIONS = ["화곡역", "까치산역", "우장산역", "발산역", "마곡역", "마곡나루역", "송정역", "공항시장역", "가양역", "증미역",
            "등촌역", "염창역", "신방화역", "방화역", "개화산역"]
MARKETS = ["화곡본동시장", "방신전통시장", "공항시장", "송화골목시장"]
# 강서구 in EPSG:5181 (TM metres): a box inside the district, where the synthetic 상권 points fall.
GANGSEO_X, GANGSEO_Y = (181_800.0, 188_200.0), (448_200.0, 453_800.0)

DAY_SHARES = np.array([0.14, 0.14, 0.145, 0.145, 0.16, 0.14, 0.13])
BAND_SHARES = np.array([0.03, 0.12, 0.27, 0.18, 0.28, 0.12])
AGE_SHARES = np.array([0.05, 0.22, 0.25, 0.21, 0.16, 0.11])
STORE_HEADERS = [
    "상가업소번호", "상호명", "지점명", "상권업종대분류코드", "상권업종대분류명", "상권업종중분류코드", "상권업종중분류명",
    "상권업종소분류코드", "상권업종소분류명", "표준산업분류코드", "표준산업분류명", "시도코드", "시도명", "시군구코드", "시군구명",
    "행정동코드", "행정동명", "법정동코드", "법정동명", "지번코드", "대지구분코드", "대지구분명", "지번본번지", "지번부번지",
    "지번주소", "도로명코드", "도로명", "건물본번지", "건물부번지", "건물관리번호", "건물명", "도로명주소", "구우편번호",
    "신우편번호", "동정보", "층정보", "호정보", "경도", "위도",
]
FORMULA_PAYLOADS = ['=HYPERLINK("http://example.invalid/쿠폰","쿠폰받기")', "+1+1", "-2+3+cmd|' /C calc'!A0",
                    "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1 맛집", "행복분식\r=2+5"]


def quarters_ending(last: tuple[int, int], count: int) -> list[tuple[int, int]]:
    year, quarter = last
    out = []
    for _ in range(count):
        out.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return out[::-1]


def _month(q: tuple[int, int]) -> str:
    return f"{q[0]}{q[1] * 3:02d}"


def _quarter_code(q: tuple[int, int]) -> str:
    return f"{q[0]}{q[1]}"


def _month_end(q: tuple[int, int]) -> str:
    return _month(q) + ("31" if q[1] in (1, 4) else "30")


# ======================================================================================
# 상권 (trade areas) of 강서구
# ======================================================================================

@dataclass(frozen=True)
class Areas:
    frame: pl.DataFrame             # contract columns of commerce_areas
    lon: np.ndarray                 # WGS84 of each representative point (for placing stores)
    lat: np.ndarray
    services: list[list[int]]       # indexes into SERVICES offered in each area


def _to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs("EPSG:5181", "EPSG:4326", always_xy=True).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def _make_areas(rng: np.random.Generator, count: int) -> Areas:
    dongs = admin_dongs()
    kinds = rng.choice(["A", "D", "R"], size=count, p=[0.72, 0.2, 0.08])
    kinds[:3] = ["A", "D", "R"][: min(3, count)]
    names, codes = [], []
    serial = {"A": 800, "D": 200, "R": 250}
    prefix = {"A": "3110", "D": "3120", "R": "3130"}
    for i, kind in enumerate(kinds):
        serial[kind] += 1
        codes.append(f"{prefix[kind]}{serial[kind]:03d}")
        dong = dongs["adong_short_name"][i % dongs.height]
        names.append(STATIONS[i % len(STATIONS)] if kind == "D" else MARKETS[i % len(MARKETS)] if kind == "R"
                     else f"{dong} 골목상권 {i // dongs.height + 1}")
    dong_rows = [i % dongs.height for i in range(count)]
    x = rng.uniform(*GANGSEO_X, size=count).round(0)
    y = rng.uniform(*GANGSEO_Y, size=count).round(0)
    lon, lat = _to_wgs84(x, y)
    frame = pl.DataFrame({
        "area_type_code": list(kinds), "area_type_name": [AREA_TYPES[k] for k in kinds], "area_code": codes,
        "area_name": names, "x_5181": x, "y_5181": y, "sigungu_code": "11500", "sigungu_name": "강서구",
        "adong_code": [dongs["adong_code8"][r] for r in dong_rows],
        "adong_name": [dongs["adong_short_name"][r] for r in dong_rows],
        "area_m2": rng.integers(40_000, 400_000, size=count).astype(float),
    })
    services = [sorted(rng.choice(len(SERVICES), size=int(rng.integers(8, 21)), replace=False).tolist())
                for _ in range(count)]
    for s in services:  # every 상권 has 한식음식점
        if 0 not in s:
            s.insert(0, 0)
    return Areas(frame, lon, lat, services)


# ======================================================================================
# Stores
# ======================================================================================

def _pick(values: list, idx: np.ndarray) -> pl.Series:
    return pl.Series(values, dtype=pl.String).gather(idx)


def _digits(rng: np.random.Generator, n: int, width: int) -> pl.Series:
    return pl.Series(rng.integers(0, 10 ** min(width, 18), size=n).astype(str)).str.zfill(width)


def _names(rng: np.random.Generator, large: pl.Series) -> pl.Series:
    heads = _pick(NAME_HEADS, rng.integers(0, len(NAME_HEADS), size=large.len()))
    word_index = rng.integers(0, 5, size=large.len())
    words = pl.Series([NAME_WORDS[g][i % len(NAME_WORDS[g])] for g, i in zip(large.to_list(), word_index)], dtype=pl.String)
    return heads + words


def _category_columns(idx: np.ndarray) -> dict[str, pl.Series]:
    columns = ["small", "small_name", "middle", "middle_name", "large", "large_name", "ksic", "ksic_name"]
    return {c: _pick([row[i] for row in CATEGORIES], idx) for i, c in enumerate(columns)}


def _seoul_dongs(rng: np.random.Generator, gu: np.ndarray) -> tuple[pl.Series, pl.Series, pl.Series, pl.Series]:
    """(8-digit 행정동 code, 행정동명, 법정동코드, 법정동명) per store: 강서구's real dongs, fictitious elsewhere."""
    dongs = admin_dongs()
    pairs = pl.read_csv(Path(__file__).resolve().parents[1] / "dbt_project/seeds/geography/gangseo_adong_bdong.csv",
                        infer_schema=False).unique("adong_code", keep="first", maintain_order=True)
    bdong = dict(zip(pairs["adong_code"], zip(pairs["bdong_code"], pairs["bdong_name"])))
    n = len(gu)
    gu_codes = list(SEOUL_GU)
    d = rng.integers(0, dongs.height, size=n)
    k = rng.integers(1, 16, size=n)
    codes, names, bcodes, bnames = [], [], [], []
    for g, di, ki in zip(gu, d, k):
        code = gu_codes[g]
        if code == "11500":
            full = dongs["adong_code"][int(di)]
            codes.append(dongs["adong_code8"][int(di)])
            names.append(dongs["adong_short_name"][int(di)])
            bcodes.append(bdong[full][0])
            bnames.append(bdong[full][1])
        else:
            short = SEOUL_GU[code][:-1]
            codes.append(f"{code}{500 + 10 * int(ki)}")
            names.append(f"{short}{int(ki)}동")
            bcodes.append(f"{code}1{int(ki):02d}00")
            bnames.append(f"{short}동")
    return (pl.Series(codes, dtype=pl.String), pl.Series(names, dtype=pl.String),
            pl.Series(bcodes, dtype=pl.String), pl.Series(bnames, dtype=pl.String))


def _new_stores(rng: np.random.Generator, n: int, month: str, first_seq: int, areas: Areas, gangseo_only: bool) -> pl.DataFrame:
    weights = np.array([row[8] for row in CATEGORIES], dtype=float)
    cat = _category_columns(rng.choice(len(CATEGORIES), size=n, p=weights / weights.sum()))
    gu_codes = list(SEOUL_GU)
    gangseo = gu_codes.index("11500")
    others = np.array([i for i in range(len(gu_codes)) if i != gangseo])
    in_gangseo = np.ones(n, bool) if gangseo_only else rng.random(n) < GANGSEO_SHARE
    gu = np.where(in_gangseo, gangseo, others[rng.integers(0, len(others), size=n)])
    adong, adong_name, bdong, bdong_name = _seoul_dongs(rng, gu)
    area = rng.integers(0, len(areas.lon), size=n)
    lon = np.where(in_gangseo, areas.lon[area] + rng.normal(0, 0.0018, n), rng.uniform(126.82, 127.16, n)).round(12)
    lat = np.where(in_gangseo, areas.lat[area] + rng.normal(0, 0.0014, n), rng.uniform(37.46, 37.68, n)).round(12)
    gu_code = _pick(gu_codes, gu)
    plot = np.where(rng.random(n) < 0.97, "1", "2")
    main, sub = rng.integers(1, 1500, size=n), rng.integers(0, 60, size=n)
    building_main, building_sub = rng.integers(1, 400, size=n), rng.integers(0, 30, size=n)
    road = gu_code + _digits(rng, n, 7)
    road_names = _pick(["공항대로", "화곡로", "강서로", "양천로", "등촌로", "마곡중앙로", "곰달래로", "까치산로"],
                       rng.integers(0, 8, size=n))
    address_head = pl.lit("서울특별시 ") + pl.col("시군구명") + pl.lit(" ")
    floor = np.where(rng.random(n) < 0.78, rng.choice(["1", "1", "1", "2", "3", "4", "B1"], size=n), "")
    frame = pl.DataFrame({
        "상가업소번호": pl.Series(["MA0101" + month] * n) + pl.Series(np.arange(first_seq, first_seq + n).astype(str)).str.zfill(8),
        "상호명": _names(rng, cat["large"]),
        "지점명": pl.Series(np.where(rng.random(n) < 0.08, rng.choice(["본점", "마곡점", "화곡점", "2호점"], size=n), ""), dtype=pl.String),
        "상권업종대분류코드": cat["large"], "상권업종대분류명": cat["large_name"],
        "상권업종중분류코드": cat["middle"], "상권업종중분류명": cat["middle_name"],
        "상권업종소분류코드": cat["small"], "상권업종소분류명": cat["small_name"],
        "표준산업분류코드": cat["ksic"], "표준산업분류명": cat["ksic_name"],
        "시도코드": "11", "시도명": "서울특별시", "시군구코드": gu_code, "시군구명": _pick(list(SEOUL_GU.values()), gu),
        "행정동코드": adong, "행정동명": adong_name, "법정동코드": bdong, "법정동명": bdong_name,
        "지번코드": bdong + pl.Series(plot) + pl.Series(main.astype(str)).str.zfill(4) + pl.Series(sub.astype(str)).str.zfill(4),
        "대지구분코드": pl.Series(plot), "대지구분명": pl.Series(np.where(plot == "1", "대지", "산")),
        "지번본번지": pl.Series(main.astype(str)), "지번부번지": pl.Series(np.where(sub > 0, sub.astype(str), "")),
        "도로명코드": road, "도로명": road_names,
        "건물본번지": pl.Series(building_main.astype(str)), "건물부번지": pl.Series(np.where(building_sub > 0, building_sub.astype(str), "")),
        "건물관리번호": bdong + pl.Series(plot) + pl.Series(main.astype(str)).str.zfill(4)
        + pl.Series(sub.astype(str)).str.zfill(4) + _digits(rng, n, 6),
        "건물명": pl.Series(np.where(rng.random(n) < 0.11, rng.choice(["마곡프라자", "화곡빌딩", "강서타워", "우장산상가"], size=n), "")),
        "구우편번호": pl.Series(np.where(gu_code.to_numpy() == "11500", "157", "1" + rng.integers(10, 99, size=n).astype(str))) + _digits(rng, n, 3),
        "신우편번호": pl.Series(np.where(gu_code.to_numpy() == "11500", "07", "0" + rng.integers(1, 9, size=n).astype(str))) + _digits(rng, n, 3),
        "동정보": "", "층정보": pl.Series(floor), "호정보": "",
        "경도": pl.Series(lon.astype(str)), "위도": pl.Series(lat.astype(str)),
    })
    frame = frame.with_columns(
        지번주소=address_head + pl.col("법정동명") + pl.lit(" ") + pl.col("지번본번지")
        + pl.when(pl.col("지번부번지") != "").then(pl.lit("-") + pl.col("지번부번지")).otherwise(pl.lit("")),
        도로명주소=address_head + pl.col("도로명") + pl.lit(" ") + pl.col("건물본번지"),
    )
    return frame.select(STORE_HEADERS)


@dataclass
class Churn:
    opened: int = 0
    closed: int = 0
    recategorised: int = 0
    renamed: int = 0


def _next_quarter(rng: np.random.Generator, stores: pl.DataFrame, month: str, next_seq: int, areas: Areas,
                  gangseo_only: bool) -> tuple[pl.DataFrame, int, Churn]:
    n = stores.height
    close = rng.random(n) < CLOSE_P
    recategorise = ~close & (rng.random(n) < RECATEGORY_P)
    rename = ~close & ~recategorise & (rng.random(n) < RENAME_P)
    # At least one of each in every transition, each store in at most one of them.
    close[int(rng.integers(0, n))] |= not close.any()
    recategorise &= ~close
    if not recategorise.any():
        recategorise[int(rng.choice(np.flatnonzero(~close)))] = True
    rename &= ~close & ~recategorise
    if not rename.any():
        rename[int(rng.choice(np.flatnonzero(~close & ~recategorise)))] = True
    new_cat = _category_columns(rng.integers(0, len(CATEGORIES), size=n))
    renamed = _names(rng, stores["상권업종대분류코드"])
    mapping = {"상권업종대분류코드": "large", "상권업종대분류명": "large_name", "상권업종중분류코드": "middle",
               "상권업종중분류명": "middle_name", "상권업종소분류코드": "small", "상권업종소분류명": "small_name",
               "표준산업분류코드": "ksic", "표준산업분류명": "ksic_name"}
    recat = pl.Series(recategorise)
    stores = stores.with_columns(
        *[pl.when(recat).then(new_cat[key]).otherwise(pl.col(col)).alias(col) for col, key in mapping.items()],
        pl.when(pl.Series(rename)).then(renamed).otherwise(pl.col("상호명")).alias("상호명"),
    ).filter(~pl.Series(close))
    opened = max(1, round(n * OPEN_P))
    new = _new_stores(rng, opened, month, next_seq, areas, gangseo_only)
    return pl.concat([stores, new]), next_seq + opened, Churn(opened, int(close.sum()), int(recategorise.sum()), int(rename.sum()))


def _dirty_stores(rng: np.random.Generator, frame: pl.DataFrame, rate: float) -> pl.DataFrame:
    """A copy with each dirty case in `max(1, rate × rows / cases)` random rows (the clean snapshot stays clean)."""
    cases = [*(f"formula{k}" for k in range(len(FORMULA_PAYLOADS))), "rrn", "mobile", "landline", "swapped", "pnu",
             "no_id", "duplicate"]
    per_case = max(1, round(frame.height * rate / len(cases)))
    rows = rng.choice(frame.height, size=min(frame.height, per_case * len(cases)), replace=False)
    names, lons, lats, pnus, ids = (frame[c].to_list() for c in ("상호명", "경도", "위도", "지번코드", "상가업소번호"))
    duplicates = []
    for i, row in enumerate(rows):
        case = cases[i % len(cases)]
        if case.startswith("formula"):
            names[row] = FORMULA_PAYLOADS[int(case.removeprefix("formula"))]
        elif case == "rrn":
            names[row] = f"{names[row]} 대표 {rng.integers(60, 99)}0{rng.integers(1, 9)}15-{rng.integers(1, 3)}{rng.integers(100000, 999999)}"
        elif case == "mobile":
            names[row] = f"{names[row]}010-{rng.integers(2000, 9999)}-{rng.integers(1000, 9999)}"
        elif case == "landline":
            names[row] = f"{names[row]} 02-{rng.integers(2600, 2699)}-{rng.integers(1000, 9999)}"
        elif case == "swapped":
            lons[row], lats[row] = lats[row], lons[row]
        elif case == "pnu":
            pnus[row] = pnus[row][:18]
        elif case == "no_id":
            ids[row] = ""
        else:
            duplicates.append(row)
    dirty = frame.with_columns(pl.Series("상호명", names), pl.Series("경도", lons), pl.Series("위도", lats),
                               pl.Series("지번코드", pnus), pl.Series("상가업소번호", ids))
    if duplicates:
        dirty = pl.concat([dirty, dirty[duplicates]])
    return dirty


def _store_csv(frame: pl.DataFrame) -> bytes:
    """A ZIP member: UTF-8 with BOM, LF, quoted where needed."""
    return csv_bytes(frame, UTF8_BOM, line_terminator="\n")


def _write_pipe_release(path: Path, rng: np.random.Generator, current: pl.DataFrame, rows: int) -> int:
    """The 2020-style release: pipe-delimited, no quoting, CP949, integer ids, pre-2023 codes, 10-digit 행정동."""
    sample = current.head(rows)
    old = [OLD_CATEGORIES[i] for i in rng.integers(0, len(OLD_CATEGORIES), size=sample.height)]
    frame = sample.with_columns(
        상가업소번호=pl.Series([str(20_000_000 + i * 7) for i in range(sample.height)]),
        상호명=pl.col("상호명").str.replace_all(r"[|\r\n\t]", " "),
        상권업종소분류코드=pl.Series([o[0] for o in old]), 상권업종소분류명=pl.Series([o[1] for o in old]),
        상권업종중분류코드=pl.Series([o[2] for o in old]), 상권업종중분류명=pl.Series([o[3] for o in old]),
        상권업종대분류코드=pl.Series([o[4] for o in old]), 상권업종대분류명=pl.Series([o[5] for o in old]),
        행정동코드=pl.col("행정동코드") + "00",
    )
    return write_csv(path, frame.select(STORE_HEADERS), separator="|", quote_style="never")


_API_FIELDS = ["bizesId", "bizesNm", "brchNm", "indsLclsCd", "indsLclsNm", "indsMclsCd", "indsMclsNm", "indsSclsCd",
               "indsSclsNm", "ksicCd", "ksicNm", "ctprvnCd", "ctprvnNm", "signguCd", "signguNm", "adongCd", "adongNm",
               "ldongCd", "ldongNm", "lnoCd", "plotSctCd", "plotSctNm", "lnoMnno", "lnoSlno", "lnoAdr", "rdnmCd", "rdnm",
               "bldMnno", "bldSlno", "bldMngNo", "bldNm", "rdnmAdr", "oldZipcd", "newZipcd", "dongNo", "flrNo", "hoNo",
               "lon", "lat"]


def _write_store_api(path: Path, gangseo: pl.DataFrame, month: str) -> int:
    page = gangseo.head(API_PAGE_ROWS)
    items = []
    for row in page.iter_rows():
        item = {field: (value or "") for field, value in zip(_API_FIELDS, row)}
        item["lon"], item["lat"] = float(item["lon"]), float(item["lat"])
        item["rdnm"] = f"{item['ctprvnNm']} {item['signguNm']} {item['rdnm']}"  # the API prefixes the region
        items.append(item)
    document = {"header": {"description": "소상공인시장진흥공단 행정동별 상가업소정보", "columns": _API_FIELDS,
                           "stdrYm": month, "resultCode": "00", "resultMsg": "NORMAL SERVICE"},
                "body": {"items": items, "numOfRows": API_PAGE_ROWS, "pageNo": 1, "totalCount": gangseo.height}}
    write_json(path, document, indent=1)
    return len(items)


# ======================================================================================
# Seoul 상권분석 tables
# ======================================================================================

def _split(rng: np.random.Generator, totals: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Integer parts of each total by noisy shares; every row sums exactly to its total."""
    noisy = shares * rng.uniform(0.7, 1.3, size=(len(totals), len(shares)))
    noisy /= noisy.sum(axis=1, keepdims=True)
    parts = np.floor(totals[:, None] * noisy).astype(np.int64)
    parts[:, -1] += totals - parts.sum(axis=1)
    return parts


def _sales(rng: np.random.Generator, areas: Areas, quarters: list[tuple[int, int]]) -> pl.DataFrame:
    keys = [(q, a, s) for q in quarters for a in range(areas.frame.height) for s in areas.services[a]]
    n = len(keys)
    amount = np.round(rng.lognormal(19.2, 1.1, n)).astype(np.int64) + 1_000_000
    count = np.maximum(amount // rng.integers(9_000, 40_000, n), 10)
    data: dict[str, object] = {
        "quarter": [_quarter_code(q) for q, _, _ in keys],
        "area_type_code": [areas.frame["area_type_code"][a] for _, a, _ in keys],
        "area_type_name": [areas.frame["area_type_name"][a] for _, a, _ in keys],
        "area_code": [areas.frame["area_code"][a] for _, a, _ in keys],
        "area_name": [areas.frame["area_name"][a] for _, a, _ in keys],
        "service_code": [SERVICES[s][0] for _, _, s in keys], "service_name": [SERVICES[s][1] for _, _, s in keys],
        "sales_amount": amount, "sales_count": count,
    }
    for kind, total in (("amount", amount), ("count", count)):
        days = _split(rng, total, DAY_SHARES)
        data[f"weekday_sales_{kind}"], data[f"weekend_sales_{kind}"] = days[:, :5].sum(1), days[:, 5:].sum(1)
        for i, d in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]):
            data[f"{d}_sales_{kind}"] = days[:, i]
        bands = _split(rng, total, BAND_SHARES)
        for i, b in enumerate(["00_06", "06_11", "11_14", "14_17", "17_21", "21_24"]):
            data[f"tb_{b}_sales_{kind}"] = bands[:, i]
        sexes = _split(rng, total, np.array([0.48, 0.52]))
        data[f"male_sales_{kind}"], data[f"female_sales_{kind}"] = sexes[:, 0], sexes[:, 1]
        ages = _split(rng, total, AGE_SHARES)
        for i, a in enumerate(["10", "20", "30", "40", "50", "60_above"]):
            data[f"age_{a}_sales_{kind}"] = ages[:, i]
    columns = [c.name for c in get_contract("commerce_sales").table.columns]
    return pl.DataFrame(data).select(columns)


def _store_stats(rng: np.random.Generator, areas: Areas, quarters: list[tuple[int, int]]) -> pl.DataFrame:
    keys = [(q, a, s) for q in quarters for a in range(areas.frame.height) for s in areas.services[a]]
    n = len(keys)
    similar = rng.integers(1, 60, n)
    franchise = rng.binomial(similar, 0.15)
    opened, closed = rng.binomial(similar, 0.035), rng.binomial(similar, 0.03)
    return pl.DataFrame({
        "quarter": [_quarter_code(q) for q, _, _ in keys],
        "area_type_code": [areas.frame["area_type_code"][a] for _, a, _ in keys],
        "area_type_name": [areas.frame["area_type_name"][a] for _, a, _ in keys],
        "area_code": [areas.frame["area_code"][a] for _, a, _ in keys],
        "area_name": [areas.frame["area_name"][a] for _, a, _ in keys],
        "service_code": [SERVICES[s][0] for _, _, s in keys], "service_name": [SERVICES[s][1] for _, _, s in keys],
        "store_count": similar - franchise, "similar_store_count": similar,
        "open_rate": np.round(100 * opened / similar).astype(np.int64), "open_count": opened,
        "close_rate": np.round(100 * closed / similar).astype(np.int64), "close_count": closed,
        "franchise_count": franchise,
    })


def _floating_population(rng: np.random.Generator, areas: Areas, quarters: list[tuple[int, int]]) -> pl.DataFrame:
    keys = [(q, a) for q in quarters for a in range(areas.frame.height)]
    total = np.round(rng.lognormal(13.2, 0.8, len(keys))).astype(np.int64) + 10_000
    data: dict[str, object] = {
        "quarter": [_quarter_code(q) for q, _ in keys],
        "area_type_code": [areas.frame["area_type_code"][a] for _, a in keys],
        "area_type_name": [areas.frame["area_type_name"][a] for _, a in keys],
        "area_code": [areas.frame["area_code"][a] for _, a in keys],
        "area_name": [areas.frame["area_name"][a] for _, a in keys],
        "total_population": total,
    }
    sexes = _split(rng, total, np.array([0.49, 0.51]))
    data["male_population"], data["female_population"] = sexes[:, 0], sexes[:, 1]
    for i, a in enumerate(_split(rng, total, np.array([0.12, 0.2, 0.18, 0.18, 0.16, 0.16])).T):
        data[f"age_{['10', '20', '30', '40', '50', '60_above'][i]}_population"] = a
    for i, b in enumerate(_split(rng, total, np.array([0.05, 0.18, 0.2, 0.19, 0.24, 0.14])).T):
        data[f"tb_{['00_06', '06_11', '11_14', '14_17', '17_21', '21_24'][i]}_population"] = b
    for i, d in enumerate(_split(rng, total, DAY_SHARES).T):
        data[f"{['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'][i]}_population"] = d
    columns = [c.name for c in get_contract("commerce_floating_population").table.columns]
    return pl.DataFrame(data).select(columns)


def headers(contract_id: str, variant: str) -> dict[str, str]:
    """Contract column → published header: `ko` (first synonym, as published), `api` (last), `en` (API, lower)."""
    out = {}
    for column in get_contract(contract_id).table.columns:
        ko, api = column.source_names[0], column.source_names[-1]
        out[column.name] = {"ko": ko, "api": api, "en": api.lower()}[variant]
    return out


def write_seoul_csv(frame: pl.DataFrame, contract_id: str, path: Path, variant: str = "ko", encoding: str = CP949) -> int:
    """`frame` (contract columns) as a Seoul CSV download: `ko` or `en` headers, CP949 or UTF-8 with BOM."""
    names = headers(contract_id, variant)
    return write_csv(path, frame.select([pl.col(c).cast(pl.String).alias(names[c]) for c in frame.columns]), encoding)


def write_seoul_json(frame: pl.DataFrame, contract_id: str, service: str, path: Path) -> int:
    """`frame` as one Open API answer: numbers as JSON numbers, codes as strings."""
    names = headers(contract_id, "api")
    rows = [{names[k]: v for k, v in row.items()} for row in frame.iter_rows(named=True)]
    write_json(path, seoul_open_api(service, rows), indent=1)
    return len(rows)


def _dirty_seoul(frame: pl.DataFrame, edits: list[tuple[str, object]]) -> pl.DataFrame:
    """Each (column, value) edit applied to its own row (rows 1, 2, …), then row 0 appended again (duplicate)."""
    frame = frame.with_columns(pl.all().cast(pl.String))
    for i, (column, value) in enumerate(edits, start=1):
        if i < frame.height:
            series = frame[column].clone()
            series.scatter([i], [value])
            frame = frame.with_columns(series)
    return pl.concat([frame, frame.head(1)])


# ======================================================================================
# Entry points: one per source group, each drawing from its own streams of the seed
# ======================================================================================

def _streams(seed: int) -> list[np.random.Generator]:
    """area, store, churn, dirty and table streams: the stores and the 상권 tables can be written apart."""
    return np.random.default_rng(seed).spawn(5)


def generate_stores(out_dir: Path, scale: float = 1.0, quarters: int = 4, seed: int = SEED, dirty_rate: float = 0.002,
                    size: Size | None = None) -> dict[str, int]:
    """Writes the quarterly store ZIPs, the sdsc2 API page and the 2020 pipe release; returns rows per file
    (relative path). `size` replaces scale and quarters with explicit counts (the committed sample)."""
    out_dir, size = Path(out_dir), size or Size.at_scale(scale, quarters)
    area_rng, store_rng, churn_rng, dirty_rng, _ = _streams(seed)
    periods = quarters_ending(LAST_QUARTER, size.quarters)
    areas = _make_areas(area_rng, size.areas)
    counts: dict[str, int] = {}

    current = _new_stores(store_rng, size.stores, "201907", 1, areas, size.gangseo_only)
    next_seq = size.stores + 1
    for i, q in enumerate(periods):
        if i:
            current, next_seq, _ = _next_quarter(churn_rng, current, _month(q), next_seq, areas, size.gangseo_only)
        snapshot = _dirty_stores(dirty_rng, current, dirty_rate)
        busan = current.head(3).with_columns(시도코드=pl.lit("26"), 시도명=pl.lit("부산광역시"))
        rel = f"stores/소상공인시장진흥공단_상가(상권)정보_{_month_end(q)}_SYNTHETIC.zip"
        write_cp949_zip(out_dir / rel, {
            f"소상공인시장진흥공단_상가(상권)정보_서울_{_month(q)}.csv": _store_csv(snapshot),
            f"소상공인시장진흥공단_상가(상권)정보_부산_{_month(q)}.csv": _store_csv(busan),
        }, FIXED_ZIP_TIME)
        counts[rel] = snapshot.height
    gangseo = current.filter(pl.col("시군구코드") == "11500")
    rel = f"stores/storeListInDong_11500_{_month(periods[-1])}_SYNTHETIC.json"
    counts[rel] = _write_store_api(out_dir / rel, gangseo, _month(periods[-1]))
    rel = "stores/소상공인시장진흥공단_상가업소정보_서울_202012_SYNTHETIC.csv"
    counts[rel] = _write_pipe_release(out_dir / rel, store_rng, gangseo, max(20, min(2000, gangseo.height // 10)))
    return counts


def generate_trade_area_tables(out_dir: Path, scale: float = 1.0, quarters: int = 4, seed: int = SEED,
                               size: Size | None = None) -> dict[str, int]:
    """Writes 추정매출, 점포 and 길단위인구 per 상권 (one stream draws all three, so they come together):
    every quarter but the last as CSV, the last as the Open API JSON; returns rows per file (relative path)."""
    out_dir, size = Path(out_dir), size or Size.at_scale(scale, quarters)
    area_rng, _, _, _, table_rng = _streams(seed)
    periods = quarters_ending(LAST_QUARTER, size.quarters)
    areas = _make_areas(area_rng, size.areas)
    counts: dict[str, int] = {}

    sales = _sales(table_rng, areas, periods)
    stats = _store_stats(table_rng, areas, periods)
    flpop = _floating_population(table_rng, areas, periods)
    codes = [_quarter_code(q) for q in periods]
    early, second_last, last = codes[:-2] or codes[:1], codes[-2:-1] if len(codes) > 2 else [], codes[-1:]
    by = lambda f, qs: f.filter(pl.col("quarter").is_in(qs))  # noqa: E731
    sales_ko = _dirty_seoul(by(sales, early), [("sales_amount", "-1200"), ("service_code", "CS900001"),
                                               ("sales_count", "12x")])
    counts["commerce_sales/seoul_trade_area_sales_ko_SYNTHETIC.csv"] = write_seoul_csv(
        sales_ko, "commerce_sales", out_dir / "commerce_sales/seoul_trade_area_sales_ko_SYNTHETIC.csv", "ko", CP949)
    if second_last:
        counts["commerce_sales/seoul_trade_area_sales_en_SYNTHETIC.csv"] = write_seoul_csv(
            by(sales, second_last), "commerce_sales", out_dir / "commerce_sales/seoul_trade_area_sales_en_SYNTHETIC.csv", "en", UTF8_BOM)
    rel = f"commerce_sales/VwsmTrdarSelngQq_{last[0]}_SYNTHETIC.json"
    counts[rel] = write_seoul_json(by(sales, last), "commerce_sales", "VwsmTrdarSelngQq", out_dir / rel)

    stats_csv = _dirty_seoul(by(stats, codes[:-1] or codes), [("open_rate", "150")])
    counts["commerce_store_stats/seoul_trade_area_stores_ko_SYNTHETIC.csv"] = write_seoul_csv(
        stats_csv, "commerce_store_stats", out_dir / "commerce_store_stats/seoul_trade_area_stores_ko_SYNTHETIC.csv")
    rel = f"commerce_store_stats/VwsmTrdarStorQq_{last[0]}_SYNTHETIC.json"
    counts[rel] = write_seoul_json(by(stats, last), "commerce_store_stats", "VwsmTrdarStorQq", out_dir / rel)

    flpop_csv = _dirty_seoul(by(flpop, codes[:-1] or codes), [("area_code", "")])
    counts["commerce_floating_population/seoul_trade_area_flpop_ko_SYNTHETIC.csv"] = write_seoul_csv(
        flpop_csv, "commerce_floating_population", out_dir / "commerce_floating_population/seoul_trade_area_flpop_ko_SYNTHETIC.csv")
    rel = f"commerce_floating_population/VwsmTrdarFlpopQq_{last[0]}_SYNTHETIC.json"
    counts[rel] = write_seoul_json(by(flpop, last), "commerce_floating_population", "VwsmTrdarFlpopQq", out_dir / rel)
    return counts


def generate_trade_areas(out_dir: Path, scale: float = 1.0, seed: int = SEED, size: Size | None = None) -> dict[str, int]:
    """Writes the 상권 register as the Korean CSV (with WGS84 degrees in one row's X/Y) and as the API JSON."""
    out_dir, size = Path(out_dir), size or Size.at_scale(scale)
    areas = _make_areas(_streams(seed)[0], size.areas)
    areas_csv = _dirty_seoul(areas.frame, [("x_5181", "126.8456"), ("y_5181", "37.5612")])
    return {
        "commerce_areas/seoul_trade_areas_ko_SYNTHETIC.csv": write_seoul_csv(
            areas_csv, "commerce_areas", out_dir / "commerce_areas/seoul_trade_areas_ko_SYNTHETIC.csv"),
        "commerce_areas/TbgisTrdarRelm_SYNTHETIC.json": write_seoul_json(
            areas.frame, "commerce_areas", "TbgisTrdarRelm", out_dir / "commerce_areas/TbgisTrdarRelm_SYNTHETIC.json"),
    }
