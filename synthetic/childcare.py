"""Synthetic childcare sources for 강서구 (시군구코드 11500), written in their real formats.

Three landing files are produced (see korean-public-data.md §7.1, §7.2, §7.4):

* ``childcare_centers/cpmsapi030_arcode11500_SYNTHETIC.xml``: the 보육통합정보 cpmsapi030
  response (UTF-8 XML, ``<response><item>…</item></response>``, no header or paging).
* ``childcare_centers/ChildCareInfo_SYNTHETIC.json``: the 서울 열린데이터광장 ``ChildCareInfo``
  envelope for the same centres (UPPER-CASE fields, every value a string, DATASTDRDT one
  month later than the XML).
* ``childcare_meals/meal_scan_extract_SYNTHETIC.csv``: an internal AI food-scanner extract,
  CP949, CRLF, one row per child per meal (오전간식 / 점심 / 오후간식), Mon–Fri only.

Volumes:

* Centres: ``max(5, round(230 * scale))`` (강서구 has about 230 daycare centres), types
  weighted 국공립 .35 / 민간 .25 / 가정 .30 / 직장 .05 / 사회복지법인 .03 / 법인·단체등 .02.
  About 2 % (at least one) are 휴지: 현원 0, pause dates, no meals. Exactly one operating
  centre has the broken spec-sample coordinates (47.59, 137.06) in the XML only; the JSON
  keeps its real coordinates.
* Children: the sum of 현원 over operating centres, about 30 per centre, so ~6,600–7,000 at
  scale 1 (6,617 with the default seed). Each child keeps one ID, centre and age throughout.
* Meal rows: weekdays in ``days`` calendar days × 3 slots × children attending (p ≈ 0.88 per
  child-day): about 4.6 million rows at scale 1 and 365 days (261 weekdays), plus the
  duplicate dirty rows; ~400 MB of CP949.

Design:

* One ``numpy.random.Generator`` per concern (centres, menus, children, meals), all spawned
  from ``default_rng(seed)``, so the same arguments give byte-identical files and a longer
  ``days`` does not change the centres or children.
* Centres and menus are small and built with plain Python; meal rows are generated fully
  vectorised, ``_ROWS_PER_CHUNK`` rows at a time, and each chunk is written by polars as UTF-8
  and transcoded to CP949 on the fly, so memory stays flat whatever the volume.
* Quantities are carried as integer tenths (0.1 g, 0.1 kcal) so the one-decimal text is exact
  and 잔반량 ≤ 배식량 holds after rounding.
* ``dirty_rate`` of the meal rows (at least one of each kind when > 0) are corrupted so the
  loader's quarantine has something to catch: 잔반량 > 배식량, 식사구분 ``야식``, 급식일자
  ``2026-13-45``, empty 아동ID, 배식량 ``abc``, and an exact copy inserted after a row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from synthetic.dirty import scatter
from synthetic.writers import seoul_open_api, write_csv_chunks, write_json, write_xml_items

ARCODE = "11500"
SIDO_NAME = "서울특별시"
SIGUNGU_NAME = "강서구"

XML_RELPATH = "childcare_centers/cpmsapi030_arcode11500_SYNTHETIC.xml"
JSON_RELPATH = "childcare_centers/ChildCareInfo_SYNTHETIC.json"
CSV_RELPATH = "childcare_meals/meal_scan_extract_SYNTHETIC.csv"

AGES = range(6)  # 만 0–5세

# The committed sample (data/samples): 7 centres and ~6,600 meal rows over three weeks.
SAMPLE_SCALE, SAMPLE_DAYS = 0.03, 21

# cpmsapi030 item tags, in document order (subset of §7.1).
XML_FIELDS = (
    "sidoname", "sigunname", "stcode", "crname", "crtypename", "crstatusname", "zipcode",
    "craddr", "crtelno", "crfaxno", "crhome", "nrtrroomcnt", "nrtrroomsize", "plgrdco",
    "cctvinstlcnt", "chcrtescnt", "crcapat", "crchcnt", "la", "lo", "crcargbname", "crcnfmdt",
    "crpausebegindt", "crpauseenddt", "crabldt", "datastdrdt", "crspec",
    *(f"class_cnt_0{a}" for a in AGES), "class_cnt_tot",
    *(f"child_cnt_0{a}" for a in AGES), "child_cnt_tot",
    "em_cnt_tot", "crrepname",
)
# Seoul ChildCareInfo fields (§7.2): the cpmsapi030 tags sigunname … crspec, upper-cased.
JSON_FIELDS = tuple(
    f.upper() for f in XML_FIELDS[1:XML_FIELDS.index("crspec") + 1]
)
BROKEN_LA, BROKEN_LO = "47.59", "137.06"  # the cpmsapi030 specification sample's values

CSV_HEADER = (
    "어린이집코드", "아동ID", "반연령", "급식일자", "식사구분", "메뉴명", "알레르기번호",
    "배식량(g)", "잔반량(g)", "열량(kcal)", "단백질(g)",
)

# --- centres --------------------------------------------------------------------------

CENTRE_TYPES = ("국공립", "민간", "가정", "직장", "사회복지법인", "법인·단체등")
CENTRE_TYPE_WEIGHTS = (0.35, 0.25, 0.30, 0.05, 0.03, 0.02)
HOME = CENTRE_TYPES.index("가정")
PUBLIC = CENTRE_TYPES.index("국공립")
WORKPLACE = CENTRE_TYPES.index("직장")

# Share of children by age: 가정 centres are mostly infants (0–2), the others skew older.
AGE_MIX_HOME = (0.28, 0.40, 0.28, 0.04, 0.0, 0.0)
AGE_MIX_OTHER = (0.04, 0.12, 0.18, 0.22, 0.22, 0.22)
# Legal child:teacher ratio per class by age (영유아보육법 시행규칙), used to derive 반수.
CHILDREN_PER_CLASS = (3, 5, 7, 15, 20, 20)

PAUSED_SHARE = 0.02
SERVICES = (  # crspec option, probability (국공립 more often run 장애아통합)
    ("시간연장형", 0.35), ("일시보육", 0.04), ("장애아통합", 0.03),
    ("영아전문", 0.06), ("방과후통합", 0.03), ("휴일보육", 0.02),
)
PUBLIC_INTEGRATION_PROB = 0.15

ROADS = ("화곡로", "공항대로", "강서로", "등촌로", "양천로",
         "마곡중앙로", "방화대로", "까치산로", "우장산로", "곰달래로")
NAME_WORDS = (
    "햇살", "새싹", "꿈나무", "해님", "무지개", "푸른숲", "별빛", "사랑", "아이숲", "꿈동산",
    "하늘", "다솜", "한빛", "아람", "솔빛", "해오름", "초록", "나래", "소나무", "예솔",
    "보람", "한울", "느티나무", "열매", "꽃동산", "아이누리", "새별", "푸르미", "방글",
    "올리브", "도담", "봄날", "숲속", "들꽃", "시냇물", "하람", "온누리", "고운", "다온", "라온",
)
# 강서구 place stems (법정동/행정동, §9) that real centre names often start with
PLACE_STEMS = ("염창", "등촌", "화곡", "가양", "마곡", "발산", "우장산", "공항", "방화", "개화")
PLAIN_NAME_WEIGHT = 4.0  # a plain word stem vs one place + word stem
WORKPLACE_NAMES = ("마곡테크", "한빛바이오", "서남의료원", "누리소프트", "푸른제약", "강서물류",
                   "하늘항공서비스", "가양식품", "발산정밀", "한강에너지", "새솔전자", "마곡헬스케어")
SURNAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권")
GIVEN_SYLLABLES = ("민", "서", "지", "현", "수", "영", "은", "혜", "진", "경",
                   "미", "선", "희", "정", "유", "하", "윤", "아", "주", "연")

LA_RANGE = (37.542, 37.588)  # inside 강서구's 37.54–37.59 / 126.80–126.87 box
LO_RANGE = (126.802, 126.868)
FIRST_LICENCE, LAST_LICENCE = date(1995, 1, 1), date(2024, 12, 31)

# --- menus ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dish:
    name: str
    allergens: tuple[int, ...]  # 식품 알레르기 표시 1–19 (§7.4)
    kcal: float                 # per standard portion for a 3–5-year-old
    protein: float              # g per standard portion
    grams: int                  # standard portion


def _dishes(*rows: tuple) -> tuple[Dish, ...]:
    return tuple(Dish(*row) for row in rows)


RICE = _dishes(("쌀밥", (), 195, 3.5, 130), ("현미밥", (), 197, 3.9, 130),
               ("보리밥", (), 193, 3.8, 130), ("잡곡밥", (5,), 200, 4.4, 130),
               ("흑미밥", (), 195, 3.7, 130))
SOUPS = _dishes(("미역국", (5, 16), 40, 3.0, 120), ("아욱된장국", (5, 6), 30, 2.2, 120),
                ("콩나물국", (), 15, 1.5, 120), ("감자국", (5,), 35, 1.0, 120),
                ("어묵국", (1, 5, 6), 50, 3.0, 120), ("달걀국", (1,), 40, 3.2, 120),
                ("소고기무국", (5, 16), 45, 4.0, 120), ("북어국", (1, 5), 40, 4.5, 120))
MAINS = _dishes(("닭볶음", (5, 6, 13, 15), 120, 9.0, 60), ("돈육불고기", (5, 6, 10, 13), 128, 8.5, 60),
                ("소불고기", (5, 6, 13, 16), 125, 9.0, 60), ("고등어구이", (7,), 110, 9.5, 50),
                ("달걀찜", (1,), 90, 7.0, 90), ("두부조림", (5, 6), 95, 7.2, 75),
                ("돈까스", (1, 2, 5, 6, 10, 12), 160, 8.0, 60), ("생선까스", (1, 2, 5, 6), 150, 7.5, 60),
                ("오징어볶음", (5, 6, 13, 17), 90, 8.0, 60),
                ("미트볼조림", (1, 2, 5, 6, 10, 12, 16), 135, 6.5, 60),
                ("새우전", (1, 5, 6, 9), 110, 6.0, 50), ("메추리알장조림", (1, 5, 6), 85, 6.2, 50))
VEG_SIDES = _dishes(("시금치나물", (5,), 25, 1.5, 35), ("콩나물무침", (5,), 22, 1.6, 35),
                    ("애호박볶음", (5,), 28, 0.8, 35), ("감자채볶음", (), 48, 0.8, 35),
                    ("멸치볶음", (5, 6), 50, 4.2, 15), ("어묵볶음", (1, 5, 6), 52, 2.6, 30),
                    ("잡채", (5, 6, 10, 13), 68, 1.6, 40), ("브로콜리숙회", (), 14, 1.3, 30),
                    ("도토리묵무침", (5, 6), 32, 0.8, 40), ("연근조림", (5, 6), 42, 0.7, 30))
KIMCHI = _dishes(("배추김치", (9, 13), 6, 0.4, 20), ("깍두기", (9, 13), 6, 0.3, 20),
                 ("백김치", (), 4, 0.2, 20), ("열무김치", (9, 13), 5, 0.3, 20))
DRINKS = _dishes(("우유", (2,), 98, 4.9, 150), ("두유", (5,), 95, 4.6, 150),
                 ("요구르트", (2,), 80, 3.0, 100), ("누룽지", (), 90, 1.8, 120),
                 ("흑임자죽", (5,), 100, 2.5, 120))
FRUITS = _dishes(("바나나", (), 45, 0.5, 50), ("사과", (), 32, 0.1, 60), ("귤", (), 28, 0.4, 60),
                 ("배", (), 30, 0.2, 70), ("방울토마토", (12,), 14, 0.6, 60),
                 ("복숭아", (11,), 30, 0.5, 70))
SNACK_FOODS = _dishes(("고구마", (), 90, 1.0, 70), ("감자", (), 80, 1.9, 100),
                      ("옥수수", (), 85, 2.5, 60), ("백설기", (), 115, 2.0, 50),
                      ("꿀떡", (), 110, 1.8, 45), ("식빵", (1, 2, 5, 6), 95, 3.0, 35),
                      ("카스테라", (1, 2, 5, 6), 110, 2.5, 35), ("찐만두", (5, 6, 10, 16), 100, 4.5, 50),
                      ("주먹밥", (5,), 115, 2.5, 70), ("삶은달걀", (1,), 75, 6.2, 50))

SLOTS = ("오전간식", "점심", "오후간식")
SLOT_AM, SLOT_LUNCH, SLOT_PM = range(3)
MENU_CYCLE_DAYS = 20  # a 4-week cycle of weekdays, as in the centres' monthly menus
SECOND_SIDE_PROB = 0.6   # lunch: rice + soup + main + (veg side) + kimchi
AM_FRUIT_PROB = 0.6      # 오전간식: drink (+ fruit)
PM_FRUIT_PROB = 0.5      # 오후간식: snack food (+ fruit)

# --- meals ----------------------------------------------------------------------------

PORTION_BY_AGE = np.array([0.6, 0.6, 0.8, 1.0, 1.0, 1.0])  # share of the 3–5 standard portion
SERVING_SD = 0.08          # teachers do not portion exactly
# Leftover share of the served weight by slot, for plates that are not cleaned; with the
# clean plates the overall means come out near 0.08 (snacks) and 0.15 (lunch).
LEFTOVER_MEAN = np.array([0.105, 0.165, 0.105])
LEFTOVER_CONCENTRATION = 6.0  # beta(6μ, 6(1-μ)): most plates near the mean, a long tail
CLEAN_PLATE_PROB = np.array([0.25, 0.10, 0.25])
FUSSINESS_SIGMA = 0.35  # per-child lognormal multiplier on the leftover mean (mean 1)
ATTENDANCE_BETA = (30.0, 4.0)  # per-child attendance probability, mean ≈ 0.88
_ROWS_PER_CHUNK = 500_000

DIRTY_KINDS = ("leftover_gt_served", "unknown_slot", "bad_date",
               "missing_child_id", "bad_served", "duplicate")
MIN_DIRTY_ROWS = len(DIRTY_KINDS)  # at least one of each kind, so every quarantine rule fires


def generate_childcare_centers(out_dir: Path, scale: float = 1.0, days: int = 365, seed: int = 20261125,
                               start: date = date(2026, 1, 5)) -> dict[str, int]:
    """Writes the centre register (cpmsapi030 XML, ChildCareInfo JSON); returns rows written per file (relative path)."""
    out_dir = Path(out_dir)
    centres = _centres(seed, scale, start, days)
    month_start = start.replace(day=1)
    next_month = (month_start + timedelta(days=31)).replace(day=1)
    return {
        XML_RELPATH: _write_cpms_xml(out_dir / XML_RELPATH, centres, month_start.isoformat()),
        JSON_RELPATH: _write_seoul_json(out_dir / JSON_RELPATH, centres, next_month.isoformat()),
    }


def generate_childcare_meals(out_dir: Path, scale: float = 1.0, days: int = 365, seed: int = 20261125,
                             start: date = date(2026, 1, 5), dirty_rate: float = 0.002) -> dict[str, int]:
    """Writes the meal-scan extract of the same centres' children; returns rows written per file (relative path)."""
    _, menu_rng, child_rng, meal_rng = np.random.default_rng(seed).spawn(4)
    centres = _centres(seed, scale, start, days)
    menus = _make_menus(menu_rng, len(centres.records))
    children = _make_children(child_rng, centres.child_counts)
    rows = _write_meal_csv(Path(out_dir) / CSV_RELPATH, meal_rng, centres, menus, children,
                           _school_days(start, days), dirty_rate)
    return {CSV_RELPATH: rows}


def _centres(seed: int, scale: float, start: date, days: int) -> Centres:
    """The centres both files describe: drawn from the first of the seed's four streams, so either file
    can be written alone."""
    centre_rng = np.random.default_rng(seed).spawn(4)[0]
    return _make_centres(centre_rng, max(5, round(230 * scale)), start, days)


# ======================================================================================
# Centres
# ======================================================================================

@dataclass(frozen=True)
class Centres:
    records: list[dict[str, str]]  # cpmsapi030 tag -> text, real coordinates
    child_counts: np.ndarray       # (centres, 6) children by age; zero for paused centres
    broken_coords_index: int       # the centre whose XML coordinates are the spec's bad sample


def _make_centres(rng: np.random.Generator, n: int, start: date, days: int) -> Centres:
    types = rng.choice(len(CENTRE_TYPES), size=n, p=CENTRE_TYPE_WEIGHTS)
    capacity = _capacities(rng, types)
    broken, paused = _pick_broken_and_paused(rng, n)
    child_counts = _children_by_age(rng, types, capacity, paused)
    stcodes = [f"{ARCODE}{code:06d}" for code in np.sort(rng.choice(1_000_000, n, replace=False))]
    names = _centre_names(rng, types)
    records = [
        _centre_record(rng, stcodes[i], names[i], int(types[i]), int(capacity[i]), child_counts[i],
                       pause=_pause_window(rng, start, days) if i in paused else None)
        for i in range(n)
    ]
    return Centres(records, child_counts, broken)


def _children_by_age(rng: np.random.Generator, types: np.ndarray, capacity: np.ndarray,
                     paused: set[int]) -> np.ndarray:
    enrolled = np.maximum(1, np.rint(capacity * rng.uniform(0.75, 0.95, len(types)))).astype(int)
    enrolled[sorted(paused)] = 0  # a 휴지 centre has no children on its roll
    mix = np.where((types == HOME)[:, None], AGE_MIX_HOME, AGE_MIX_OTHER)
    return rng.multinomial(enrolled, mix)


def _pause_window(rng: np.random.Generator, start: date, days: int) -> tuple[date, date]:
    # paused before the meal period and still paused after it, so a 휴지 centre has no meals
    return (start - timedelta(days=int(rng.integers(30, 200))),
            start + timedelta(days=days + int(rng.integers(30, 180))))


def _centre_record(rng: np.random.Generator, stcode: str, name: str, centre_type: int,
                   capacity: int, ages: np.ndarray, pause: tuple[date, date] | None) -> dict[str, str]:
    classes = np.ceil(ages / CHILDREN_PER_CLASS).astype(int)
    rooms = _room_count(rng, centre_type, capacity)
    staff = str(_staff_count(int(classes.sum()), capacity))
    return {
        "sidoname": SIDO_NAME,
        "sigunname": SIGUNGU_NAME,
        "stcode": stcode,
        "crname": name,
        "crtypename": CENTRE_TYPES[centre_type],
        "crstatusname": "휴지" if pause else "정상",
        "zipcode": f"07{rng.integers(500, 813):03d}",
        "craddr": _road_address(rng),
        "crtelno": _phone(rng),
        "crfaxno": _phone(rng) if rng.random() < 0.4 else "",
        "crhome": "",
        "nrtrroomcnt": str(rooms),
        "nrtrroomsize": f"{capacity * rng.uniform(2.3, 3.6):.1f}",
        "plgrdco": str(0 if centre_type == HOME else int(rng.integers(0, 3))),
        "cctvinstlcnt": str(rooms + int(rng.integers(1, 5))),
        "chcrtescnt": staff,
        "crcapat": str(capacity),
        "crchcnt": str(ages.sum()),
        "la": f"{rng.uniform(*LA_RANGE):.7f}",
        "lo": f"{rng.uniform(*LO_RANGE):.7f}",
        "crcargbname": "운영" if rng.random() < (0.05 if centre_type == HOME else 0.35) else "미운영",
        "crcnfmdt": _random_date(rng, FIRST_LICENCE, LAST_LICENCE).isoformat(),
        "crpausebegindt": pause[0].isoformat() if pause else "",
        "crpauseenddt": pause[1].isoformat() if pause else "",
        "crabldt": "",
        "datastdrdt": "",  # filled per file: the XML and JSON snapshots differ by a month
        "crspec": _services(rng, centre_type),
        **{f"class_cnt_0{a}": str(classes[a]) for a in AGES},
        "class_cnt_tot": str(classes.sum()),
        **{f"child_cnt_0{a}": str(ages[a]) for a in AGES},
        "child_cnt_tot": str(ages.sum()),
        "em_cnt_tot": staff,
        "crrepname": _person_name(rng),
    }


def _capacities(rng: np.random.Generator, types: np.ndarray) -> np.ndarray:
    # 가정 centres are licensed for at most 20 (half are full-size); others 20–99, skewed
    # small so that the district averages ~30 children per centre.
    home = np.where(rng.random(len(types)) < 0.5, 20, rng.integers(11, 20, len(types)))
    other = np.clip(np.rint(20 + rng.gamma(2.0, 12.5, len(types))), 20, 99)
    return np.where(types == HOME, home, other).astype(int)


def _pick_broken_and_paused(rng: np.random.Generator, n: int) -> tuple[int, set[int]]:
    order = rng.permutation(n)
    n_paused = max(1, round(PAUSED_SHARE * n))
    # The broken-coordinate centre is an operating one so the loader meets it in the meals too.
    return int(order[0]), {int(i) for i in order[1:1 + n_paused]}


def _room_count(rng: np.random.Generator, centre_type: int, capacity: int) -> int:
    # 가정 centres are apartments with a few rooms shared by small mixed classes
    per_room = 6 if centre_type == HOME else 9
    return int(np.ceil(capacity / per_room)) + int(rng.integers(0, 2))


def _staff_count(classes: int, capacity: int) -> int:
    # one teacher per class + 원장 + a cook from 40 children + a nurse/nutritionist from 80
    return classes + 1 + int(capacity >= 40) + int(capacity >= 80)


def _centre_names(rng: np.random.Generator, types: np.ndarray) -> list[str]:
    names, used = [], set()
    employers = iter(np.resize(rng.permutation(len(WORKPLACE_NAMES)), len(types)))
    for centre_type, stem in zip(types, _name_stems(rng, len(types))):
        if centre_type == WORKPLACE:
            base = f"{WORKPLACE_NAMES[next(employers)]}직장"
        else:
            base = ("구립" if centre_type == PUBLIC else "") + stem
        name, branch = f"{base}어린이집", 2
        while name in used:  # real registers disambiguate with a branch number: 해님2어린이집
            name, branch = f"{base}{branch}어린이집", branch + 1
        used.add(name)
        names.append(name)
    return names


def _name_stems(rng: np.random.Generator, n: int) -> list[str]:
    """Distinct name stems ("햇살", "화곡햇살", …) while they last; plain words are favoured."""
    candidates = list(NAME_WORDS) + [place + word for place in PLACE_STEMS for word in NAME_WORDS]
    weights = np.array([PLAIN_NAME_WEIGHT] * len(NAME_WORDS) + [1.0] * (len(candidates) - len(NAME_WORDS)))
    picked = rng.choice(len(candidates), size=min(n, len(candidates)), replace=False,
                        p=weights / weights.sum())
    extra = rng.choice(len(candidates), size=n - len(picked))  # beyond ~440 centres: branch numbers
    return [candidates[i] for i in np.concatenate([picked, extra])]


def _road_address(rng: np.random.Generator) -> str:
    road = ROADS[rng.integers(len(ROADS))]
    if rng.random() < 0.4:
        road = f"{road}{rng.integers(1, 60)}길"
    return f"{SIDO_NAME} {SIGUNGU_NAME} {road} {rng.integers(1, 350)}"


def _phone(rng: np.random.Generator) -> str:
    return f"02-26{rng.integers(0, 100):02d}-{rng.integers(0, 10_000):04d}"


def _person_name(rng: np.random.Generator) -> str:
    given = rng.choice(len(GIVEN_SYLLABLES), 2)
    return SURNAMES[rng.integers(len(SURNAMES))] + "".join(GIVEN_SYLLABLES[g] for g in given)


def _random_date(rng: np.random.Generator, first: date, last: date) -> date:
    return first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def _services(rng: np.random.Generator, centre_type: int) -> str:
    offered = []
    for service, prob in SERVICES:
        if service == "장애아통합" and centre_type == PUBLIC:
            prob = PUBLIC_INTEGRATION_PROB
        if rng.random() < prob:
            offered.append(service)
    return ",".join(offered)


# ======================================================================================
# Centre files
# ======================================================================================

def _write_cpms_xml(path: Path, centres: Centres, datastdrdt: str) -> int:
    records = []
    for i, record in enumerate(centres.records):
        record = {**record, "datastdrdt": datastdrdt}
        if i == centres.broken_coords_index:
            record.update(la=BROKEN_LA, lo=BROKEN_LO)
        records.append(record)
    return write_xml_items(path, records, XML_FIELDS)


def _write_seoul_json(path: Path, centres: Centres, datastdrdt: str) -> int:
    # Same centres and values as the XML (with real coordinates), one month later.
    snapshots = ({**record, "datastdrdt": datastdrdt} for record in centres.records)
    rows = [{field: snapshot[field.lower()] for field in JSON_FIELDS} for snapshot in snapshots]
    write_json(path, seoul_open_api("ChildCareInfo", rows))
    return len(rows)


# ======================================================================================
# Menus and children
# ======================================================================================

@dataclass(frozen=True)
class Menus:
    """One menu per (centre, cycle day, slot); menu id = (centre * 20 + cycle day) * 3 + slot."""
    names: pl.Series      # dishes joined with "/"
    allergens: pl.Series  # sorted allergen numbers joined with ".", null when none
    kcal: np.ndarray      # per standard portion
    protein: np.ndarray
    grams: np.ndarray     # standard portion (3–5-year-old)


def _make_menus(rng: np.random.Generator, n_centres: int) -> Menus:
    menus = [_compose(rng, slot)
             for _ in range(n_centres) for _ in range(MENU_CYCLE_DAYS) for slot in range(len(SLOTS))]
    allergens = [sorted({a for dish in menu for a in dish.allergens}) for menu in menus]
    return Menus(
        names=pl.Series("메뉴명", ["/".join(dish.name for dish in menu) for menu in menus]),
        allergens=pl.Series("알레르기번호", [".".join(map(str, a)) or None for a in allergens],
                            dtype=pl.String),
        kcal=np.array([sum(dish.kcal for dish in menu) for menu in menus]),
        protein=np.array([sum(dish.protein for dish in menu) for menu in menus]),
        grams=np.array([sum(dish.grams for dish in menu) for menu in menus]),
    )


def _compose(rng: np.random.Generator, slot: int) -> list[Dish]:
    def pick(dishes: tuple[Dish, ...]) -> Dish:
        return dishes[rng.integers(len(dishes))]

    if slot == SLOT_LUNCH:
        menu = [pick(RICE), pick(SOUPS), pick(MAINS)]
        if rng.random() < SECOND_SIDE_PROB:
            menu.append(pick(VEG_SIDES))
        return menu + [pick(KIMCHI)]
    if slot == SLOT_AM:
        return [pick(DRINKS)] + ([pick(FRUITS)] if rng.random() < AM_FRUIT_PROB else [])
    return [pick(SNACK_FOODS)] + ([pick(FRUITS)] if rng.random() < PM_FRUIT_PROB else [])


@dataclass(frozen=True)
class Children:
    """One entry per enrolled child, ordered by centre (so meal rows come out grouped)."""
    centre: np.ndarray      # index into Centres.records
    age: np.ndarray         # 만 나이 0–5
    ids: pl.Series          # "CH" + 8 digits: a direct identifier the loader must pseudonymise
    attendance: np.ndarray  # probability of attending on a given weekday
    fussiness: np.ndarray   # multiplies the slot's mean leftover share


def _make_children(rng: np.random.Generator, child_counts: np.ndarray) -> Children:
    n_centres = child_counts.shape[0]
    centre = np.repeat(np.repeat(np.arange(n_centres), len(AGES)), child_counts.ravel())
    age = np.repeat(np.tile(np.arange(len(AGES)), n_centres), child_counts.ravel())
    n = len(centre)
    numbers = rng.choice(100_000_000, size=n, replace=False)
    return Children(
        centre=centre,
        age=age,
        ids=_child_ids(numbers),
        attendance=rng.beta(*ATTENDANCE_BETA, n),
        fussiness=rng.lognormal(-FUSSINESS_SIGMA ** 2 / 2, FUSSINESS_SIGMA, n),
    )


def _child_ids(numbers: np.ndarray) -> pl.Series:
    digits = pl.Series(numbers).cast(pl.String).str.zfill(8)
    return pl.select(pl.concat_str([pl.lit("CH"), digits])).to_series().rename("아동ID")


# ======================================================================================
# Meal scan extract
# ======================================================================================

def _school_days(start: date, days: int) -> list[date]:
    # Mon–Fri only; public holidays are deliberately not modelled.
    return [d for d in (start + timedelta(days=i) for i in range(days)) if d.weekday() < 5]


def _cycle_days(school_days: list[date]) -> np.ndarray:
    """Position of each school day in the 4-week menu cycle, which starts on the first week."""
    if not school_days:
        return np.zeros(0, dtype=np.int64)
    first_monday = school_days[0] - timedelta(days=school_days[0].weekday())
    weeks = MENU_CYCLE_DAYS // 5
    return np.array([((d - first_monday).days // 7 % weeks) * 5 + d.weekday() for d in school_days])


@dataclass(frozen=True)
class _MealContext:
    """Lookup tables the vectorised row builder gathers from."""
    menus: Menus
    children: Children
    stcodes: pl.Series    # by centre index
    day_text: pl.Series   # by school-day index, "YYYY-MM-DD"
    cycle_day: np.ndarray  # by school-day index


def _write_meal_csv(path: Path, rng: np.random.Generator, centres: Centres, menus: Menus,
                    children: Children, school_days: list[date], dirty_rate: float) -> int:
    # Attendance for the whole period is drawn up front (days × children booleans is small)
    # so the total row count, and hence the dirty-row positions, is known before streaming.
    attends = rng.random((len(school_days), len(children.age))) < children.attendance
    rows_per_day = attends.sum(axis=1) * len(SLOTS)
    dirty = _plan_dirty_rows(rng, int(rows_per_day.sum()), dirty_rate)

    context = _MealContext(
        menus=menus, children=children,
        stcodes=pl.Series([r["stcode"] for r in centres.records]),
        day_text=pl.Series([d.isoformat() for d in school_days]),
        cycle_day=_cycle_days(school_days),
    )
    return write_csv_chunks(path, CSV_HEADER, _meal_chunks(rng, context, attends, rows_per_day, dirty))


def _meal_chunks(rng: np.random.Generator, context: _MealContext, attends: np.ndarray, rows_per_day: np.ndarray,
                 dirty: dict[str, np.ndarray]) -> Iterator[pl.DataFrame]:
    """The meal rows, whole days at a time, dirty rows in place."""
    first_row = 0
    for chunk in _day_chunks(rows_per_day):
        day_idx, child_idx = np.nonzero(attends[chunk])
        frame = _meal_rows(rng, context, chunk.start + day_idx, child_idx)
        yield _corrupt(frame, dirty, first_row)
        first_row += int(rows_per_day[chunk].sum())


def _day_chunks(rows_per_day: np.ndarray) -> list[slice]:
    chunks, begin, rows = [], 0, 0
    for day, day_rows in enumerate(rows_per_day):
        if rows and rows + day_rows > _ROWS_PER_CHUNK:
            chunks.append(slice(begin, day))
            begin, rows = day, 0
        rows += day_rows
    if rows:
        chunks.append(slice(begin, len(rows_per_day)))
    return chunks


def _meal_rows(rng: np.random.Generator, ctx: _MealContext,
               day: np.ndarray, child: np.ndarray) -> pl.DataFrame:
    """All meals of the given (day, child) attendances, ordered day → centre → slot → child."""
    n_slots = len(SLOTS)
    day, child = np.repeat(day, n_slots), np.repeat(child, n_slots)
    slot = np.tile(np.arange(n_slots), len(day) // n_slots)
    centre = ctx.children.centre[child]
    order = np.lexsort((child, slot, centre, day))
    day, child, slot, centre = day[order], child[order], slot[order], centre[order]

    menu = (centre * MENU_CYCLE_DAYS + ctx.cycle_day[day]) * n_slots + slot
    standard_g = ctx.menus.grams[menu]
    served10 = _served_tenths(rng, standard_g, ctx.children.age[child])
    left10 = _leftover_tenths(rng, served10, slot, ctx.children.fussiness[child])
    eaten_share = (served10 - left10) / (10.0 * standard_g)  # of the nominal portion

    return pl.DataFrame({
        "어린이집코드": ctx.stcodes.gather(centre),
        "아동ID": ctx.children.ids.gather(child),
        "반연령": ctx.children.age[child],
        "급식일자": ctx.day_text.gather(day),
        "식사구분": pl.Series(SLOTS).gather(slot),
        "메뉴명": ctx.menus.names.gather(menu),
        "알레르기번호": ctx.menus.allergens.gather(menu),
        "배식량(g)": served10,
        "잔반량(g)": left10,
        "열량(kcal)": np.rint(ctx.menus.kcal[menu] * eaten_share * 10).astype(np.int64),
        "단백질(g)": np.rint(ctx.menus.protein[menu] * eaten_share * 10).astype(np.int64),
    })


def _served_tenths(rng: np.random.Generator, standard_g: np.ndarray, age: np.ndarray) -> np.ndarray:
    noise = np.clip(rng.normal(1.0, SERVING_SD, len(age)), 0.75, 1.25)
    return np.rint(standard_g * PORTION_BY_AGE[age] * noise * 10).astype(np.int64)


def _leftover_tenths(rng: np.random.Generator, served10: np.ndarray, slot: np.ndarray,
                     fussiness: np.ndarray) -> np.ndarray:
    mean = np.clip(LEFTOVER_MEAN[slot] * fussiness, 0.01, 0.7)
    share = rng.beta(LEFTOVER_CONCENTRATION * mean, LEFTOVER_CONCENTRATION * (1 - mean))
    share[rng.random(len(slot)) < CLEAN_PLATE_PROB[slot]] = 0.0
    # served10 is already on the 0.1 g grid, so rounding share * served10 cannot exceed it
    return np.rint(served10 * share).astype(np.int64)


# --- dirty rows -----------------------------------------------------------------------

def _plan_dirty_rows(rng: np.random.Generator, total_rows: int, dirty_rate: float) -> dict[str, np.ndarray]:
    """Global positions (in the clean row order) to corrupt, per kind."""
    if dirty_rate <= 0 or total_rows == 0:
        return {kind: np.zeros(0, dtype=np.int64) for kind in DIRTY_KINDS}
    count = min(total_rows, max(MIN_DIRTY_ROWS, round(dirty_rate * total_rows)))
    positions = np.sort(rng.choice(total_rows, size=count, replace=False))
    kinds = rng.permutation(np.arange(count) % len(DIRTY_KINDS))
    return {kind: positions[kinds == k] for k, kind in enumerate(DIRTY_KINDS)}


def _corrupt(frame: pl.DataFrame, dirty: dict[str, np.ndarray], first_row: int) -> pl.DataFrame:
    def local(kind: str) -> np.ndarray:
        positions = dirty[kind] - first_row
        return positions[(positions >= 0) & (positions < frame.height)]

    bumped = local("leftover_gt_served")
    if len(bumped):  # 잔반량 > 배식량: a scanner mis-read, nutrient values left as they were
        served = frame["배식량(g)"].to_numpy()[bumped]
        frame = scatter(frame, "잔반량(g)", bumped, served + np.maximum(10, served // 4))
    frame = _format_tenths(frame)
    frame = scatter(frame, "식사구분", local("unknown_slot"), "야식")
    frame = scatter(frame, "급식일자", local("bad_date"), "2026-13-45")
    frame = scatter(frame, "아동ID", local("missing_child_id"), None)
    frame = scatter(frame, "배식량(g)", local("bad_served"), "abc")
    duplicated = local("duplicate")
    if len(duplicated):  # a re-sent scanner batch: the copy follows its original
        frame = frame[np.sort(np.concatenate([np.arange(frame.height), duplicated]), kind="stable")]
    return frame


def _format_tenths(frame: pl.DataFrame) -> pl.DataFrame:
    """Integer tenths -> exact one-decimal text ("123" -> "12.3")."""
    columns = ("배식량(g)", "잔반량(g)", "열량(kcal)", "단백질(g)")
    return frame.with_columns(
        pl.concat_str([(pl.col(c) // 10).cast(pl.String), pl.lit("."), (pl.col(c) % 10).cast(pl.String)])
        .alias(c) for c in columns)

