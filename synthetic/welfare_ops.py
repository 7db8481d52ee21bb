"""Synthetic internal welfare operational sources for 강서구 (시군구코드 11500), written in their real formats.

There is no public schema for these extracts (korean-public-data.md §8.5, every field [I]); the layout
follows the public descriptions of the AI 안부확인 services (충주 AI 안부콜, 울산 중구 클로바 케어콜,
행안부 AI 위기가구 모니터링) and of the IoT care pilots (서울시복지재단 AI안부든든, 응급안전안심서비스).
Every file name says ``SYNTHETIC`` and every value is made up:

* ``welfare_cases/welfare_cases_extract_SYNTHETIC.csv``: the 행복e음-style case extract, one row per
  monitored person, CP949, CRLF, Korean headers (대상자ID, 성명, 주민등록번호, 연락처, 주소, 출생연도,
  성별, 행정동코드, 행정동명, 가구유형, 수급자격, 장애정도, 노인맞춤돌봄대상여부, 위기정보유형 (codes
  joined by ``|``), 위기정보입수일, 안부확인주기, 등록일, 최근통화일시, 최근통화결과, 연속미응답횟수,
  조치상태, 기준일자). It is the snapshot on the day after the period (기준일자), so its last-call
  columns and 조치상태 agree with the call log.
* ``welfare_call_logs/welfare_call_log_SYNTHETIC.csv``: the call system's log, one row per call attempt
  (호출ID, 대상자ID, 발신일시, 시도차수 1–7, 발신주체 AI/관제, 결과 응답/미응답/통화중/결번, 통화시간(초),
  감지키워드, 위험점수 0–100, 후속조치), CP949, CRLF, in time order.
* ``welfare_iot_readings/iot_readings_<ISO year>-W<ISO week>_SYNTHETIC.jsonl``: the IoT platform's
  export, UTF-8 JSON Lines, one object per household-hour (device_id, household_id = the 대상자ID of the
  person living there, measured_at as ISO 8601 with ``+09:00``, motion_events, power_wh, door_openings,
  device_online), one file per ISO week because a year is ~3 GB.

Volumes at scale 1 (why these numbers):

* Monitored people: ``max(20, round(12_000 * scale))``. 강서구 has ~56만 residents, ~10만 aged 65+ and
  roughly 2–2.5만 독거노인 (Seoul stat 10176, check the current release); the AI call targets the 노인맞춤
  돌봄 / 기초생활 / 차상위 / 기초연금 part of them plus 중장년 1인가구 found by 복지사각지대 발굴 (§8.5).
  12,000 (the issue's figure) is about half of the 독거노인 plus 12 % 중장년 (50–64).
* Calls: 안부확인주기 주2 (85 %, two fixed weekdays), 주1 (10 %), 매일 (3 %, more with 위기정보), i.e.
  ~2.1 scheduled sessions per person-week; a session is 1 attempt when answered, up to 7 when not.
  At 365 days: ~1.29 million sessions, ~1.81 million attempt rows (~130 MB CP949), ~1.5 % of the
  sessions escalated after 7 unanswered attempts.
* IoT: ``max(3, round(2_000 * scale))`` households (capped by the eligible people) living alone
  (독거, 중장년1인), older people more likely, none that close or start during the period. 2,000 is the
  issue's figure: about a sixth of the monitored people, the scale of the district's 응급안전안심서비스
  / AI안부든든 roll-out (the Seoul pilot had 100 강서구 rental flats). Hourly for every household:
  2,000 × 24 × 365 = 17.52 million rows (~3.0 GB of JSON Lines).
* The committed sample is ``SAMPLE_SCALE = 0.008, SAMPLE_DAYS = 28`` (96 people, ~1,100 call rows,
  16 households, four weekly JSONL files of ~460 KB each): the scale that keeps each file under ~500 KB.
* Measured at scale 1 × 365 days on 2 cores: ~39 s and ~0.8 GB peak RSS for all files (3.1 GB written).

Design:

* One ``numpy.random.Generator`` per concern (people, episodes, calls, devices, IoT readings, dirty
  rows), spawned from ``default_rng(seed)``: the same arguments give byte-identical files.
* People: ages 65–99 (독거노인, banded weights, mean ~78) and 12 % aged 50–64 (중장년1인); 70 % of the
  older and 35 % of the middle-aged are women. 행정동 weighted by rough resident counts, doubled for
  the dongs with large permanent-rental complexes (가양2·3동, 방화2·3동). Names from the common surnames
  and period given-name syllables; RRNs ``YYMMDD-[12]xxxxxx`` consistent with birth date and sex and
  with a deliberately wrong check digit (no real pre-2020 number can match); mobile numbers
  ``010-[2-9]xxx-xxxx``; addresses on real 강서구 road names (roughly matched to the dong) with
  made-up building and flat numbers. 기초연금 only from age 65; 노인맞춤돌봄 only 65+ with an entitlement.
* Episodes: every person has occasional *away* spells (hospital, family; 0.3 a year, 2–14 days) and
  *inactive at home* spells (1.5 a year, 4–36 hours). A call whose first attempt falls in one is never
  answered, and an IoT household shows no motion or door openings and a flat base load through it:
  the joint signal the pilots look for.
* Call sessions (§8.5): the AI calls (attempts 1–4, 30 minutes apart), then the control centre (관제,
  attempts 5–7, from two hours after the first); the first answer ends the session; after seven
  unanswered attempts the 동 주민센터 is notified (후속조치 ``동주민센터통보``). Answer propensity per
  person (10 % hard to reach), 7 % of missed attempts are 통화중, 0.3 % of numbers are 결번. Keywords
  from a small list, more negative ones for people with a higher negativity; 위험점수 rises with negative
  keywords, the attempt number and earlier unanswered sessions; an answered call scoring ≥ 70 is
  escalated too. Calls are drawn per session for the whole period (small arrays); attempt rows are
  expanded and written ~200,000 at a time.
* IoT: per household base load, appliance use and activity level; hourly profiles for motion, doors and
  power (meals, evening TV, night), day-to-day variation, winter heating and summer cooling; device
  offline gaps (1.5 a month, mostly a few hours, some a day or more): ``device_online: false`` with null
  measurements. Written one ISO week at a time with polars (memory stays flat).
* ``dirty_rate`` of each file's rows (at least one of each kind when > 0) are corrupted so the loaders'
  quarantine has something to catch, each kind breaking exactly one contract rule:
  cases — RRN without hyphen, short phone, abolished 행정동 화곡제5동, entitlement ``생계``, 출생연도 1890,
  empty 대상자ID, crisis code 99, an exact duplicate row; call log — 시도차수 8, 발신주체 ``ARS``,
  결과 ``부재중``, 위험점수 130, 통화시간 ``12초``, 발신일시 2026-02-30, empty 대상자ID, a re-sent
  duplicate; IoT — a truncated JSON line, negative power, motion -1, measured_at 2026-02-30, device_online
  ``"unknown"``, a re-sent duplicate. No dirty row is the first line of an IoT file.
* Not modelled: public holidays, moves between dongs, several people per device, call attempts that
  find a spell ending mid-session (the first attempt decides).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from synthetic.dirty import scatter
from synthetic.writers import jsonl_bytes, write_bytes, write_csv, write_csv_chunks
from transforms.geography import admin_dongs

CASES_RELPATH = "welfare_cases/welfare_cases_extract_SYNTHETIC.csv"
CALLS_RELPATH = "welfare_call_logs/welfare_call_log_SYNTHETIC.csv"
IOT_DIR = "welfare_iot_readings"

CASE_HEADER = (
    "대상자ID", "성명", "주민등록번호", "연락처", "주소", "출생연도", "성별", "행정동코드", "행정동명",
    "가구유형", "수급자격", "장애정도", "노인맞춤돌봄대상여부", "위기정보유형", "위기정보입수일",
    "안부확인주기", "등록일", "최근통화일시", "최근통화결과", "연속미응답횟수", "조치상태", "기준일자",
)
CALL_HEADER = (
    "호출ID", "대상자ID", "발신일시", "시도차수", "발신주체", "결과", "통화시간(초)", "감지키워드",
    "위험점수", "후속조치",
)
IOT_FIELDS = ("device_id", "household_id", "measured_at", "motion_events", "power_wh",
              "door_openings", "device_online")

# The committed sample (data/samples): the scale that keeps each weekly JSONL file under ~500 KB.
SAMPLE_SCALE, SAMPLE_DAYS = 0.008, 28

PEOPLE_AT_SCALE_1 = 12_000
DEVICES_AT_SCALE_1 = 2_000
MIN_PEOPLE, MIN_DEVICES = 20, 3

# --- people ---------------------------------------------------------------------------

MIDLIFE_SHARE = 0.12                       # 중장년 1인가구, aged 50–64
ELDERLY_BANDS = np.array([65, 70, 75, 80, 85, 90, 95])
ELDERLY_BAND_WEIGHTS = np.array([0.17, 0.20, 0.22, 0.20, 0.13, 0.065, 0.015])
FEMALE_SHARE_ELDERLY, FEMALE_SHARE_MIDLIFE = 0.70, 0.35

SURNAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임",
            "한", "오", "서", "신", "권", "황", "안", "송", "전", "홍")
SURNAME_WEIGHTS = np.array([21.5, 14.7, 8.4, 4.7, 4.3, 2.3, 2.1, 2.0, 2.0, 1.7,
                            1.5, 1.5, 1.4, 1.4, 1.3, 1.3, 1.3, 1.2, 1.1, 1.1])
# Given-name syllables common in the birth cohorts 1927–1976 (first, second), by sex.
GIVEN_FEMALE = (("순", "영", "정", "옥", "말", "금", "복", "춘", "명", "경", "숙", "점", "분", "길", "연"),
                ("자", "순", "희", "숙", "옥", "녀", "례", "임", "이", "분", "덕", "애", "화", "선", "란"))
GIVEN_MALE = (("영", "정", "상", "성", "종", "재", "병", "동", "만", "춘", "광", "기", "용", "태", "창"),
              ("수", "호", "철", "식", "길", "석", "남", "환", "근", "복", "구", "배", "규", "진", "섭"))

# 행정동 → (rough residents in thousands, caseload multiplier for large permanent-rental complexes,
# three real 강서구 road names roughly in or beside the dong). Check weights against 주민등록인구.
DONGS = {
    "1150051000": (44, 1.0, ("양천로", "공항대로", "강서로")),
    "1150052000": (27, 1.0, ("공항대로", "강서로", "등촌로")),
    "1150053000": (23, 1.0, ("등촌로", "화곡로", "강서로")),
    "1150053500": (41, 1.3, ("허준로", "공항대로", "양천로")),
    "1150054000": (47, 1.0, ("화곡로", "까치산로", "곰달래로")),
    "1150055000": (24, 1.0, ("곰달래로", "화곡로", "가로공원로")),
    "1150056000": (27, 1.0, ("화곡로", "까치산로", "월정로")),
    "1150057000": (23, 1.0, ("화곡로", "초록마을로", "곰달래로")),
    "1150059000": (32, 1.0, ("화곡로", "초록마을로", "까치산로")),
    "1150059100": (25, 1.0, ("강서로", "화곡로", "월정로")),
    "1150059300": (24, 1.0, ("가로공원로", "곰달래로", "남부순환로")),
    "1150060300": (52, 0.8, ("허준로", "양천로", "마곡중앙로")),
    "1150060400": (23, 2.0, ("양천로", "허준로", "강서로")),
    "1150060500": (18, 2.0, ("양천로", "허준로", "공항대로")),
    "1150061100": (38, 0.8, ("수명로", "공항대로", "마곡중앙로")),
    "1150061500": (45, 1.0, ("우장산로", "강서로", "화곡로")),
    "1150062000": (31, 1.0, ("공항대로", "남부순환로", "방화대로")),
    "1150063000": (35, 1.0, ("방화대로", "금낭화로", "공항대로")),
    "1150064000": (36, 2.0, ("개화동로", "방화대로", "금낭화로")),
    "1150064100": (22, 2.0, ("금낭화로", "방화동로", "방화대로")),
}
APARTMENT_PROB_RENTAL, APARTMENT_PROB_OTHER = 0.85, 0.45

HOUSEHOLD_TYPES = ("독거", "노인부부", "조손", "중장년1인", "기타")
HOUSEHOLD_WEIGHTS_ELDERLY = np.array([0.80, 0.14, 0.02, 0.0, 0.04])
LIVING_ALONE = (0, 3)
ENTITLEMENTS = ("생계급여", "의료급여", "주거급여", "차상위", "기초연금", "없음")
ENTITLEMENT_WEIGHTS_ELDERLY = np.array([0.20, 0.08, 0.10, 0.12, 0.40, 0.10])
ENTITLEMENT_WEIGHTS_MIDLIFE = np.array([0.25, 0.08, 0.17, 0.15, 0.0, 0.35])  # 기초연금 is 65+ only
NO_ENTITLEMENT = ENTITLEMENTS.index("없음")
DISABILITY = ("심한", "심하지않은", "없음")
DISABILITY_WEIGHTS = np.array([0.06, 0.12, 0.82])
CARE_SERVICE_PROB = 0.55  # 노인맞춤돌봄 among the 65+ with an entitlement

# 위기정보 (복지사각지대 발굴, 45 items from 19 agencies in 2024): a 12-code subset, synthetic numbering.
CRISIS_CODES = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12")
CRISIS_LABELS = ("단전", "단수", "단가스", "건강보험료 체납", "통신비 체납", "공동주택 관리비 체납",
                 "의료비 과다지출", "금융연체", "국민연금 노후긴급자금 대부", "고용위기",
                 "주거위기(임대료 체납)", "세대주 사망·실직")
CRISIS_WEIGHTS = np.array([3, 1, 2, 9, 8, 6, 4, 5, 1, 3, 4, 1], dtype=float)
CRISIS_PROB_ELDERLY, CRISIS_PROB_MIDLIFE, CRISIS_PROB_UNREGISTERED = 0.12, 0.45, 0.15
CRISIS_COUNT_WEIGHTS = np.array([0.6, 0.3, 0.1])  # 1, 2 or 3 codes

CYCLES = ("주2", "주1", "매일")
CYCLE_DAILY_PROB, CYCLE_DAILY_CRISIS_PROB, CYCLE_WEEKLY_PROB = 0.03, 0.10, 0.10
TWICE_A_WEEK = ((0, 3), (1, 4), (0, 2), (2, 4), (1, 3))  # Mon/Thu, Tue/Fri, …
REGISTERED_IN_PERIOD_SHARE = 0.04
CLOSE_RATE_PER_YEAR = 0.04  # 종결: moved, entered a facility, died, refused
STATUSES = ("모니터링", "방문요청", "긴급출동", "종결")
MONITORING, VISIT, DISPATCH, CLOSED = range(4)

# --- episodes -------------------------------------------------------------------------

AWAY_RATE, AWAY_DAYS = 0.3, (2, 15)            # per person-year; hospital or family
INACTIVE_RATE, INACTIVE_HOURS = 1.5, (4, 37)   # per person-year; at home, not moving
AWAY, INACTIVE = 1, 2

# --- calls ----------------------------------------------------------------------------

MAX_ATTEMPTS, AI_ATTEMPTS = 7, 4
ATTEMPT_OFFSET_MIN = np.array([0, 30, 60, 90, 120, 150, 180])  # AI ×4, then 관제 ×3
FIRST_CALL_MINUTES = (9 * 60, 16 * 60)
HARD_TO_REACH_SHARE, DISCONNECTED_SHARE, BUSY_PROB = 0.10, 0.003, 0.07
RESULTS = ("응답", "미응답", "통화중", "결번")
ANSWERED, NO_ANSWER, BUSY, DISCONNECTED = range(4)
FOLLOW_UPS = ("없음", "재시도", "관제이관", "동주민센터통보")
NONE, RETRY, TO_CONTROL, NOTIFY = range(4)
RISK_ALERT = 70
KEYWORDS = ("식사", "괜찮아요", "병원", "통증", "약", "잠", "외로움", "우울", "도움", "가족")
KEYWORD_BASE = np.array([0.35, 0.50, 0.07, 0.05, 0.12, 0.04, 0.04, 0.02, 0.02, 0.08])
KEYWORD_NEGATIVITY = np.array([-0.1, -0.3, 0.15, 0.15, 0.05, 0.10, 0.18, 0.12, 0.10, 0.0])
NEGATIVE_KEYWORDS = np.array([0, 0, 1, 1, 0, 1, 1, 1, 1, 0])
FINE = KEYWORDS.index("괜찮아요")
_ROWS_PER_CHUNK = 200_000

# --- IoT ------------------------------------------------------------------------------

MOTION_BY_HOUR = np.array([0.2, 0.1, 0.1, 0.1, 0.2, 0.8, 3.5, 6.0, 6.0, 4.0, 3.5, 3.5,
                           4.5, 4.0, 3.0, 3.0, 3.5, 4.5, 5.5, 5.5, 4.5, 3.0, 1.5, 0.6])
DOOR_BY_HOUR = np.array([0.01, 0.0, 0.0, 0.0, 0.01, 0.03, 0.10, 0.25, 0.35, 0.45, 0.40, 0.30,
                         0.30, 0.35, 0.40, 0.40, 0.45, 0.35, 0.20, 0.10, 0.06, 0.03, 0.02, 0.01])
POWER_BY_HOUR = np.array([0.05, 0.05, 0.05, 0.05, 0.05, 0.15, 0.55, 0.90, 0.60, 0.35, 0.30, 0.55,
                          0.85, 0.45, 0.30, 0.30, 0.40, 0.70, 1.00, 0.95, 0.85, 0.60, 0.30, 0.10])
OFFLINE_GAPS_PER_MONTH, LONG_OUTAGES_PER_YEAR = 1.5, 0.3
HEATING_MONTHS, COOLING_MONTHS = (12, 1, 2), (7, 8)

DIRTY_CASE_KINDS = ("rrn_no_hyphen", "short_phone", "abolished_dong", "unknown_entitlement",
                    "birth_year_1890", "missing_person_id", "unknown_crisis_code", "duplicate")
DIRTY_CALL_KINDS = ("attempt_8", "unknown_caller", "unknown_result", "risk_130", "bad_duration",
                    "impossible_time", "missing_person_id", "duplicate")
DIRTY_IOT_KINDS = ("truncated_line", "negative_power", "negative_motion", "impossible_time",
                   "bad_online", "duplicate")
ABOLISHED_DONG = "1150058000"  # 화곡제5동, abolished 2008-08-25 (§9.1)


def generate_welfare_ops(out_dir: Path, scale: float = 1.0, days: int = 365, seed: int = 20261125,
                         start: date = date(2026, 1, 5), dirty_rate: float = 0.002, start_day: int = 0) -> dict[str, int]:
    """Writes the synthetic welfare sources; returns rows written per file (relative path).

    `start_day` N > 0 continues an N-day history that began N days before `start`: the history's people and
    devices (drawn as for that history, so the same ids, names and households), this period's events. The
    case extract then knows only this period's calls."""
    out_dir = Path(out_dir)
    people_rng, episode_rng, call_rng, device_rng, iot_rng, dirty_rng = np.random.default_rng(seed).spawn(6)
    history_days = start_day or days
    people = _make_people(people_rng, max(MIN_PEOPLE, round(PEOPLE_AT_SCALE_1 * scale)),
                          start - timedelta(days=start_day), history_days)
    devices = _pick_devices(device_rng, people, max(MIN_DEVICES, round(DEVICES_AT_SCALE_1 * scale)), history_days)
    if start_day:
        people = _continued(people, start_day, days)
    episodes = _make_episodes(episode_rng, people, days * 24)
    sessions = _plan_sessions(call_rng, people, episodes, start, days)
    counts = {
        CALLS_RELPATH: _write_call_log(out_dir / CALLS_RELPATH, dirty_rng, people, sessions, start, dirty_rate),
        CASES_RELPATH: _write_cases(out_dir / CASES_RELPATH, dirty_rng, people, sessions, start, days, dirty_rate),
    }
    counts.update(_write_iot(out_dir, iot_rng, dirty_rng, people, devices, episodes, start, days, dirty_rate))
    return counts


# ======================================================================================
# People
# ======================================================================================

@dataclass(frozen=True)
class People:
    ids: pl.Series            # 대상자ID "P" + 8 digits
    names: pl.Series
    rrns: pl.Series
    phones: pl.Series
    addresses: pl.Series
    midlife: np.ndarray       # bool, aged 50–64
    age: np.ndarray
    birth_days: np.ndarray    # days since 1970-01-01
    female: np.ndarray
    dong: np.ndarray          # index into DONGS
    household: np.ndarray     # index into HOUSEHOLD_TYPES
    entitlement: np.ndarray
    disability: np.ndarray
    care_service: np.ndarray  # bool
    crisis: pl.Series         # codes joined with "|", null when none
    has_crisis: np.ndarray
    crisis_day: np.ndarray    # days relative to start (negative), meaningless without crisis
    cycle: np.ndarray         # index into CYCLES
    weekdays: np.ndarray      # (n, 7) bool: the days a session is scheduled
    first_day: np.ndarray     # first day of the period with calls (registration)
    registered_day: np.ndarray  # relative to start
    end_day: np.ndarray       # exclusive; < days when the case closes in the period
    call_minute: np.ndarray   # preferred minute of day of the first attempt
    answer_prob: np.ndarray
    disconnected: np.ndarray  # bool: the number is no longer in service (결번)
    negativity: np.ndarray    # 0–1: how often negative keywords come up
    base_risk: np.ndarray

    @property
    def n(self) -> int:
        return len(self.age)


def _make_people(rng: np.random.Generator, n: int, start: date, days: int) -> People:
    midlife = rng.random(n) < MIDLIFE_SHARE
    band = rng.choice(len(ELDERLY_BANDS), size=n, p=ELDERLY_BAND_WEIGHTS / ELDERLY_BAND_WEIGHTS.sum())
    age = np.where(midlife, rng.integers(50, 65, n), ELDERLY_BANDS[band] + rng.integers(0, 5, n))
    female = rng.random(n) < np.where(midlife, FEMALE_SHARE_MIDLIFE, FEMALE_SHARE_ELDERLY)
    birth_days = _birth_days(rng, age, start)

    codes = list(DONGS)
    weights = np.array([DONGS[c][0] * DONGS[c][1] for c in codes], dtype=float)
    dong = rng.choice(len(codes), size=n, p=weights / weights.sum())
    household = np.where(midlife, HOUSEHOLD_TYPES.index("중장년1인"),
                         rng.choice(len(HOUSEHOLD_TYPES), size=n, p=HOUSEHOLD_WEIGHTS_ELDERLY))
    entitlement = np.where(
        midlife,
        rng.choice(len(ENTITLEMENTS), size=n, p=ENTITLEMENT_WEIGHTS_MIDLIFE),
        rng.choice(len(ENTITLEMENTS), size=n, p=ENTITLEMENT_WEIGHTS_ELDERLY),
    )
    disability = rng.choice(len(DISABILITY), size=n, p=DISABILITY_WEIGHTS)
    care_service = ~midlife & (entitlement != NO_ENTITLEMENT) & (rng.random(n) < CARE_SERVICE_PROB)

    crisis_prob = (np.where(midlife, CRISIS_PROB_MIDLIFE, CRISIS_PROB_ELDERLY)
                   + CRISIS_PROB_UNREGISTERED * (entitlement == NO_ENTITLEMENT))
    has_crisis = rng.random(n) < crisis_prob
    crisis = _crisis_codes(rng, has_crisis)
    crisis_day = -rng.integers(1, 181, n)

    daily = rng.random(n) < CYCLE_DAILY_PROB + CYCLE_DAILY_CRISIS_PROB * has_crisis
    weekly = ~daily & (rng.random(n) < CYCLE_WEEKLY_PROB)
    cycle = np.where(daily, CYCLES.index("매일"), np.where(weekly, CYCLES.index("주1"), CYCLES.index("주2")))
    weekdays = np.zeros((n, 7), dtype=bool)
    pair = np.array(TWICE_A_WEEK)[rng.integers(0, len(TWICE_A_WEEK), n)]
    rows = np.arange(n)
    weekdays[rows, pair[:, 0]] = True
    weekdays[rows, pair[:, 1]] = True
    weekdays[weekly] = False
    weekdays[rows[weekly], rng.integers(0, 5, n)[weekly]] = True
    weekdays[daily] = True

    in_period = rng.random(n) < REGISTERED_IN_PERIOD_SHARE
    registered_day = np.where(in_period, rng.integers(0, max(days, 1), n), -rng.integers(7, 4 * 365, n))
    closes = ~in_period & (rng.random(n) < CLOSE_RATE_PER_YEAR * days / 365)
    end_day = np.where(closes, rng.integers(1, max(days, 2), n), days)

    hard = rng.random(n) < HARD_TO_REACH_SHARE
    answer_prob = np.where(hard, rng.beta(4, 3, n), rng.beta(8, 2, n))
    negativity = np.clip(rng.beta(2, 5, n) + 0.15 * has_crisis + 0.1 * (household == 0), 0, 1)
    base_risk = np.clip(
        5 + 0.4 * np.maximum(age - 65, 0) + 8 * has_crisis + 5 * (disability == 0)
        + 4 * np.isin(household, LIVING_ALONE) + 15 * negativity + rng.normal(0, 3, n), 0, 60)
    birth = pl.Series(birth_days.astype(np.int32)).cast(pl.Date)
    return People(
        ids=_prefixed("P", rng.choice(100_000_000, size=n, replace=False), 8),
        names=_names(rng, female), rrns=_rrns(rng, birth, female), phones=_mobiles(rng, n),
        addresses=_addresses(rng, dong),
        midlife=midlife, age=age, birth_days=birth_days, female=female, dong=dong, household=household,
        entitlement=entitlement, disability=disability, care_service=care_service, crisis=crisis,
        has_crisis=has_crisis, crisis_day=crisis_day, cycle=cycle, weekdays=weekdays,
        first_day=np.maximum(registered_day, 0), registered_day=registered_day, end_day=end_day,
        call_minute=rng.integers(FIRST_CALL_MINUTES[0], FIRST_CALL_MINUTES[1] + 1, n),
        answer_prob=answer_prob, disconnected=rng.random(n) < DISCONNECTED_SHARE,
        negativity=negativity, base_risk=base_risk,
    )


def _continued(people: People, history_days: int, days: int) -> People:
    """The people of an N-day history in the `days` that follow it: day numbers re-based to the new start;
    a case open at the end of the history stays open, a closed one stays closed."""
    registered_day = people.registered_day - history_days
    return replace(people, registered_day=registered_day, first_day=np.maximum(registered_day, 0),
                   crisis_day=people.crisis_day - history_days,
                   end_day=np.where(people.end_day >= history_days, days, people.end_day - history_days))


def _birth_days(rng: np.random.Generator, age: np.ndarray, start: date) -> np.ndarray:
    """A birth date giving exactly `age` (만 나이) on `start`."""
    start_day = (start - date(1970, 1, 1)).days
    # the `age`-th birthday falls in the year before start (exclusive) … start (inclusive)
    latest = start_day - _years_to_days(start, age)  # born on this day: turns `age` on start
    return latest - rng.integers(0, 365, len(age))


def _years_to_days(start: date, years: np.ndarray) -> np.ndarray:
    anniversaries = np.array([(start - _minus_years(start, int(y))).days for y in range(int(years.max()) + 1)])
    return anniversaries[years]


def _minus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _crisis_codes(rng: np.random.Generator, has_crisis: np.ndarray) -> pl.Series:
    """1–3 distinct weighted codes per person with 위기정보 (Gumbel top-k), sorted, joined with '|'."""
    n, k = len(has_crisis), len(CRISIS_CODES)
    keys = np.log(CRISIS_WEIGHTS) + rng.gumbel(size=(n, k))
    count = rng.choice(3, size=n, p=CRISIS_COUNT_WEIGHTS) + 1
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    chosen = (rank < count[:, None]) & has_crisis[:, None]
    mask = (chosen * (1 << np.arange(k))).sum(axis=1)
    return _mask_strings(CRISIS_CODES, mask).rename("위기정보유형")


def _mask_strings(words: tuple[str, ...], mask: np.ndarray) -> pl.Series:
    """Bit mask → the words whose bits are set, in list order, joined with '|' (null for 0)."""
    table = [("|".join(w for b, w in enumerate(words) if m >> b & 1) or None) for m in range(1 << len(words))]
    return pl.Series(table, dtype=pl.String).gather(mask)


def _prefixed(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    digits = pl.Series(numbers).cast(pl.String).str.zfill(width)
    return pl.select(pl.concat_str([pl.lit(prefix), digits])).to_series()


# ======================================================================================
# Episodes: away (hospital, family) and inactive at home
# ======================================================================================

@dataclass(frozen=True)
class Episodes:
    """Non-overlapping spells per person, sorted by (person, start); hours from the period start."""
    person: np.ndarray
    start: np.ndarray  # may be negative: already going on when the period starts
    end: np.ndarray    # exclusive
    kind: np.ndarray   # AWAY or INACTIVE

    def covers(self, person: np.ndarray, hour: np.ndarray) -> np.ndarray:
        """Whether (person, hour) falls in a spell, vectorised."""
        if not len(self.person):
            return np.zeros(len(person), dtype=bool)
        span = int(max(self.end.max(), hour.max() if len(hour) else 0) - min(self.start.min(), 0)) + 2
        offset = -min(int(self.start.min()), 0)
        keys = self.person * span + self.start + offset
        query = person * span + hour + offset
        i = np.searchsorted(keys, query, side="right") - 1
        ok = i >= 0
        i = np.maximum(i, 0)
        return ok & (self.person[i] == person) & (self.end[i] > hour)


def _make_episodes(rng: np.random.Generator, people: People, hours: int) -> Episodes:
    years = hours / (24 * 365)
    lead = AWAY_DAYS[1] * 24  # spells that started before the period may still be going on
    parts = []
    for kind, rate, (low, high), unit in ((AWAY, AWAY_RATE, AWAY_DAYS, 24),
                                          (INACTIVE, INACTIVE_RATE, INACTIVE_HOURS, 1)):
        count = rng.poisson(rate * (years + lead / (24 * 365)), people.n)
        person = np.repeat(np.arange(people.n), count)
        start = rng.integers(-lead, max(hours, 1), len(person))
        length = rng.integers(low, high, len(person)) * unit
        parts.append((person, start, start + length, np.full(len(person), kind)))
    person, start, end, kind = (np.concatenate(p) for p in zip(*parts))
    keep = (end > 0) & (start < hours)
    order = np.lexsort((start[keep], person[keep]))
    person, start, end, kind = (a[keep][order] for a in (person, start, end, kind))
    # drop a spell that overlaps the previous kept spell of the same person
    kept = np.ones(len(person), dtype=bool)
    last_person, last_end = -1, 0
    for i in range(len(person)):
        if person[i] == last_person and start[i] < last_end:
            kept[i] = False
            continue
        last_person, last_end = person[i], end[i]
    return Episodes(person[kept], start[kept], end[kept], kind[kept])


# ======================================================================================
# Call sessions
# ======================================================================================

@dataclass(frozen=True)
class Sessions:
    """One scheduled call session per row, sorted by (person, day)."""
    person: np.ndarray
    day: np.ndarray
    first_second: np.ndarray   # seconds from the period start of attempt 1
    answered_at: np.ndarray    # attempt that was answered, 0 when none (after 7 attempts)
    attempts: np.ndarray       # rows in the log: answered_at or 7
    busy: np.ndarray           # (S, 7) bool: a missed attempt was 통화중
    jitter: np.ndarray         # (S, 7) seconds added to the nominal attempt time
    keywords: pl.Series        # of the answered attempt
    duration: np.ndarray       # seconds of the answered attempt
    risk: np.ndarray           # of the answered attempt
    missed_before: np.ndarray  # consecutive unanswered sessions of the person just before
    failed_risk: np.ndarray    # (S, 7) risk of each missed attempt

    def attempt_time(self, s: np.ndarray, attempt: np.ndarray) -> np.ndarray:
        return self.first_second[s] + ATTEMPT_OFFSET_MIN[attempt - 1] * 60 + self.jitter[s, attempt - 1]

    def result(self, s: np.ndarray, attempt: np.ndarray, disconnected: np.ndarray) -> np.ndarray:
        missed = np.where(disconnected[self.person[s]], DISCONNECTED,
                          np.where(self.busy[s, attempt - 1], BUSY, NO_ANSWER))
        return np.where(self.answered_at[s] == attempt, ANSWERED, missed)


def _plan_sessions(rng: np.random.Generator, people: People, episodes: Episodes, start: date,
                   days: int) -> Sessions:
    weekday = (start.weekday() + np.arange(days)) % 7
    day = np.arange(days)
    scheduled = (people.weekdays[:, weekday] & (day >= people.first_day[:, None])
                 & (day < people.end_day[:, None]))
    person, day = np.nonzero(scheduled)  # row-major: sorted by person, then day
    n = len(person)
    minute = people.call_minute[person] + rng.integers(-10, 11, n)
    first_second = day * 86_400 + minute * 60 + rng.integers(0, 60, n)

    reachable = ~people.disconnected[person] & ~episodes.covers(person, first_second // 3600)
    p = np.clip(people.answer_prob[person], 1e-6, 1.0)
    first_answer = rng.geometric(p)
    answered_at = np.where(reachable & (first_answer <= MAX_ATTEMPTS), first_answer, 0)
    attempts = np.where(answered_at > 0, answered_at, MAX_ATTEMPTS)
    busy = rng.random((n, MAX_ATTEMPTS)) < BUSY_PROB
    jitter = rng.integers(0, 300, (n, MAX_ATTEMPTS))
    jitter[:, 0] = 0

    prob = np.clip(KEYWORD_BASE + KEYWORD_NEGATIVITY * people.negativity[person][:, None], 0.0, 0.95)
    said = rng.random((n, len(KEYWORDS))) < prob
    mask = (said * (1 << np.arange(len(KEYWORDS)))).sum(axis=1) * (answered_at > 0)
    by_control = answered_at > AI_ATTEMPTS
    duration = np.where(by_control, rng.lognormal(np.log(160), 0.5, n), rng.lognormal(np.log(95), 0.45, n))
    duration = np.clip(np.rint(duration), 15, 1800).astype(np.int64)

    missed_before = _missed_before(person, answered_at > 0)
    history = 8 * np.minimum(missed_before, 3)
    negative = (said * NEGATIVE_KEYWORDS).sum(axis=1)
    noise = rng.normal(0, 4, (n, MAX_ATTEMPTS))
    base = people.base_risk[person]
    answered_noise = noise[np.arange(n), np.maximum(answered_at, 1) - 1]
    risk = base + 12 * negative - 8 * said[:, FINE] + 3 * (np.maximum(answered_at, 1) - 1) + history + answered_noise
    attempt = np.arange(1, MAX_ATTEMPTS + 1)
    failed = base[:, None] + 10 + 9 * attempt + 10 * np.minimum(missed_before, 3)[:, None] + noise
    failed[:, -1] = np.maximum(failed[:, -1], 85)  # seven unanswered attempts: always an alert
    return Sessions(
        person=person, day=day, first_second=first_second, answered_at=answered_at, attempts=attempts,
        busy=busy, jitter=jitter, keywords=_mask_strings(KEYWORDS, mask), duration=duration,
        risk=np.clip(np.rint(risk), 0, 100).astype(np.int64),
        missed_before=missed_before, failed_risk=np.clip(np.rint(failed), 0, 100).astype(np.int64),
    )


def _missed_before(person: np.ndarray, answered: np.ndarray) -> np.ndarray:
    """For sessions sorted by person: how many of the person's sessions right before were unanswered."""
    index = np.arange(len(person))
    if not len(person):
        return index
    last_answered = np.maximum.accumulate(np.where(answered, index, -1))
    before = np.concatenate([[-1], last_answered[:-1]])
    group_start = np.searchsorted(person, person, side="left")
    return index - np.maximum(before, group_start - 1) - 1


# ======================================================================================
# Call log
# ======================================================================================

def _write_call_log(path: Path, dirty_rng: np.random.Generator, people: People, sessions: Sessions,
                    start: date, dirty_rate: float) -> int:
    total = int(sessions.attempts.sum())
    dirty = _plan_dirty(dirty_rng, total, dirty_rate, DIRTY_CALL_KINDS)
    return write_csv_chunks(path, CALL_HEADER, _call_chunks(people, sessions, dirty, _epoch_seconds(start)))


def _call_chunks(people: People, sessions: Sessions, dirty: dict[str, np.ndarray], start_second: int) -> Iterator[pl.DataFrame]:
    """The attempt rows, whole days at a time, dirty rows in place."""
    first_row = 0
    for chunk in _day_chunks(sessions):
        frame = _call_rows(people, sessions, chunk, start_second)
        height = frame.height
        yield _corrupt_calls(frame, _local(dirty, first_row, height))
        first_row += height


def _day_chunks(sessions: Sessions) -> list[np.ndarray]:
    """Session indices grouped by whole days, about _ROWS_PER_CHUNK attempt rows per group."""
    if not len(sessions.day):
        return []
    order = np.argsort(sessions.day, kind="stable")
    days = sessions.day[order]
    rows_per_day = np.bincount(days, weights=sessions.attempts[order])
    chunks, begin, rows = [], 0, 0.0
    bounds = np.searchsorted(days, np.arange(len(rows_per_day) + 1))
    for d, day_rows in enumerate(rows_per_day):
        if rows and rows + day_rows > _ROWS_PER_CHUNK:
            chunks.append(order[bounds[begin]:bounds[d]])
            begin, rows = d, 0.0
        rows += day_rows
    chunks.append(order[bounds[begin]:bounds[len(rows_per_day)]])
    return chunks


def _call_rows(people: People, sessions: Sessions, chunk: np.ndarray, start_second: int) -> pl.DataFrame:
    """Every attempt of the chunk's sessions, in time order, as text (so dirty values fit)."""
    counts = sessions.attempts[chunk]
    s = np.repeat(chunk, counts)
    attempt = np.arange(len(s)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    when = sessions.attempt_time(s, attempt)
    person = sessions.person[s]
    order = np.lexsort((attempt, person, when))
    s, attempt, when, person = s[order], attempt[order], when[order], person[order]

    day = sessions.day[s]
    sequence = np.arange(len(s)) - np.searchsorted(day, day, side="left") + 1
    stamps = pl.from_epoch(pl.Series(start_second + when), time_unit="s")
    result = sessions.result(s, attempt, people.disconnected)
    answered = result == ANSWERED
    risk = np.where(answered, sessions.risk[s], sessions.failed_risk[s, attempt - 1])
    follow_up = np.where(
        answered, np.where(risk >= RISK_ALERT, NOTIFY, NONE),
        np.select([attempt == MAX_ATTEMPTS, attempt == AI_ATTEMPTS], [NOTIFY, TO_CONTROL], RETRY))
    keywords = sessions.keywords.gather(s)
    return pl.DataFrame({
        "호출ID": pl.select(pl.concat_str([pl.lit("C"), stamps.dt.strftime("%Y%m%d"),
                                            pl.Series(sequence).cast(pl.String).str.zfill(6)])).to_series(),
        "대상자ID": people.ids.gather(person),
        "발신일시": stamps.dt.strftime("%Y-%m-%d %H:%M:%S"),
        "시도차수": pl.Series(attempt).cast(pl.String),
        "발신주체": pl.Series(["AI", "관제"]).gather((attempt > AI_ATTEMPTS).astype(np.int64)),
        "결과": pl.Series(RESULTS).gather(result),
        "통화시간(초)": pl.Series(np.where(answered, sessions.duration[s], 0)).cast(pl.String),
        "감지키워드": keywords.zip_with(pl.Series(answered), pl.Series([None] * len(s), dtype=pl.String)),
        "위험점수": pl.Series(risk).cast(pl.String),
        "후속조치": pl.Series(FOLLOW_UPS).gather(follow_up),
    })


def _corrupt_calls(frame: pl.DataFrame, dirty: dict[str, np.ndarray]) -> pl.DataFrame:
    frame = scatter(frame, "시도차수", dirty["attempt_8"], "8")
    frame = scatter(frame, "발신주체", dirty["unknown_caller"], "ARS")
    frame = scatter(frame, "결과", dirty["unknown_result"], "부재중")
    frame = scatter(frame, "위험점수", dirty["risk_130"], "130")
    frame = scatter(frame, "통화시간(초)", dirty["bad_duration"], "12초")
    frame = scatter(frame, "발신일시", dirty["impossible_time"], "2026-02-30 10:15:00")
    frame = scatter(frame, "대상자ID", dirty["missing_person_id"], None)
    return _duplicate(frame, dirty["duplicate"])


# ======================================================================================
# Case extract
# ======================================================================================

def _write_cases(path: Path, dirty_rng: np.random.Generator, people: People, sessions: Sessions,
                 start: date, days: int, dirty_rate: float) -> int:
    frame = _case_rows(people, sessions, start, days)
    frame = frame.sort("행정동코드", "대상자ID")
    dirty = _plan_dirty(dirty_rng, frame.height, dirty_rate, DIRTY_CASE_KINDS)
    frame = scatter(frame, "주민등록번호", dirty["rrn_no_hyphen"],
                     frame["주민등록번호"].gather(dirty["rrn_no_hyphen"]).str.replace("-", "", literal=True))
    frame = scatter(frame, "연락처", dirty["short_phone"], "010-123-456")
    frame = scatter(frame, "행정동코드", dirty["abolished_dong"], ABOLISHED_DONG)
    frame = scatter(frame, "수급자격", dirty["unknown_entitlement"], "생계")
    frame = scatter(frame, "출생연도", dirty["birth_year_1890"], "1890")
    frame = scatter(frame, "대상자ID", dirty["missing_person_id"], None)
    frame = scatter(frame, "위기정보유형", dirty["unknown_crisis_code"], "04|99")
    frame = _duplicate(frame, dirty["duplicate"])
    return write_csv(path, frame, header=CASE_HEADER)


def _case_rows(people: People, sessions: Sessions, start: date, days: int) -> pl.DataFrame:
    n = people.n
    start_day = (start - date(1970, 1, 1)).days
    birth = pl.Series(people.birth_days.astype(np.int32)).cast(pl.Date)
    codes = list(DONGS)
    names = dict(zip(admin_dongs()["adong_code"].to_list(), admin_dongs()["adong_name"].to_list()))

    has_call, last_time, last_result, streak, status = _last_calls(people, sessions, days)
    stamps = pl.from_epoch(pl.Series(_epoch_seconds(start) + last_time), time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S")
    blank = pl.Series([None] * n, dtype=pl.String)
    call_known = pl.Series(has_call)
    return pl.DataFrame({
        "대상자ID": people.ids,
        "성명": people.names,
        "주민등록번호": people.rrns,
        "연락처": people.phones,
        "주소": people.addresses,
        "출생연도": birth.dt.year().cast(pl.String),
        "성별": pl.Series(["남", "여"]).gather(people.female.astype(np.int64)),
        "행정동코드": pl.Series(codes).gather(people.dong),
        "행정동명": pl.Series([names[c] for c in codes]).gather(people.dong),
        "가구유형": pl.Series(HOUSEHOLD_TYPES).gather(people.household),
        "수급자격": pl.Series(ENTITLEMENTS).gather(people.entitlement),
        "장애정도": pl.Series(DISABILITY).gather(people.disability),
        "노인맞춤돌봄대상여부": pl.Series(["N", "Y"]).gather(people.care_service.astype(np.int64)),
        "위기정보유형": people.crisis,
        "위기정보입수일": _date_text(start_day + people.crisis_day).zip_with(pl.Series(people.has_crisis), blank),
        "안부확인주기": pl.Series(CYCLES).gather(people.cycle),
        "등록일": _date_text(start_day + people.registered_day),
        "최근통화일시": stamps.zip_with(call_known, blank),
        "최근통화결과": pl.Series(RESULTS).gather(last_result).zip_with(call_known, blank),
        "연속미응답횟수": pl.Series(streak).cast(pl.String).zip_with(call_known, blank),
        "조치상태": pl.Series(STATUSES).gather(status),
        "기준일자": pl.Series([(start + timedelta(days=days)).isoformat()] * n),
    })


def _last_calls(people: People, sessions: Sessions, days: int) -> tuple[np.ndarray, ...]:
    """Per person from the last session: called at all, time and result of its last attempt, unanswered
    attempts since the last answer, and the case status that follows."""
    n = people.n
    if not len(sessions.person):
        none = np.zeros(n, dtype=np.int64)
        return none.astype(bool), none, none, none, np.where(people.end_day < days, CLOSED, MONITORING)
    last = np.searchsorted(sessions.person, np.arange(n), side="right") - 1
    has_call = (last >= 0) & (sessions.person[np.maximum(last, 0)] == np.arange(n))
    last = np.maximum(last, 0)
    attempt = sessions.attempts[last]
    missed = (sessions.answered_at[last] == 0) & has_call
    streak = np.where(missed, MAX_ATTEMPTS * (sessions.missed_before[last] + 1), 0)
    alert = ~missed & has_call & (sessions.risk[last] >= RISK_ALERT)
    repeated = missed & (sessions.missed_before[last] >= 1)
    status = np.select([people.end_day < days, repeated, missed | alert], [CLOSED, DISPATCH, VISIT], MONITORING)
    return (has_call, sessions.attempt_time(last, attempt), sessions.result(last, attempt, people.disconnected),
            streak, status)


def _names(rng: np.random.Generator, female: np.ndarray) -> pl.Series:
    n = len(female)
    surname = pl.Series(SURNAMES).gather(rng.choice(len(SURNAMES), n, p=SURNAME_WEIGHTS / SURNAME_WEIGHTS.sum()))
    parts = []
    for position in range(2):
        women = pl.Series(GIVEN_FEMALE[position]).gather(rng.integers(0, len(GIVEN_FEMALE[position]), n))
        men = pl.Series(GIVEN_MALE[position]).gather(rng.integers(0, len(GIVEN_MALE[position]), n))
        parts.append(women.zip_with(pl.Series(female), men))
    return pl.select(pl.concat_str([surname, *parts])).to_series()


_RRN_WEIGHTS = np.array([2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5])


def _rrns(rng: np.random.Generator, birth: pl.Series, female: np.ndarray) -> pl.Series:
    """YYMMDD-SNNNNNC: S = 1/2 (born 1900–1999, male/female); C is the check digit plus one, so the
    number has a valid structure but fails the pre-2020 checksum: it cannot be anyone's real number."""
    yy = (birth.dt.year() % 100).to_numpy()
    mm, dd = birth.dt.month().to_numpy(), birth.dt.day().to_numpy()
    sex_digit = np.where(female, 2, 1)
    serial = rng.integers(0, 100_000, len(female))
    digits = np.column_stack([yy // 10, yy % 10, mm // 10, mm % 10, dd // 10, dd % 10, sex_digit,
                              *(serial // 10 ** k % 10 for k in (4, 3, 2, 1, 0))])
    check = (11 - (digits * _RRN_WEIGHTS).sum(axis=1) % 11) % 10
    back = pl.Series(sex_digit * 1_000_000 + serial * 10 + (check + 1) % 10).cast(pl.String)
    return pl.select(pl.concat_str([birth.dt.strftime("%y%m%d"), pl.lit("-"), back])).to_series()


def _mobiles(rng: np.random.Generator, n: int) -> pl.Series:
    middle = pl.Series(rng.integers(2000, 10_000, n)).cast(pl.String)
    last = pl.Series(rng.integers(0, 10_000, n)).cast(pl.String).str.zfill(4)
    return pl.select(pl.concat_str([pl.lit("010-"), middle, pl.lit("-"), last])).to_series()


def _addresses(rng: np.random.Generator, dong: np.ndarray) -> pl.Series:
    """서울특별시 강서구 <road>[<n>길] <building>[, <block>동 <flat>호] on a road of the person's dong."""
    n = len(dong)
    codes = list(DONGS)
    roads = pl.Series([road for c in codes for road in DONGS[c][2]])
    road = roads.gather(dong * 3 + rng.integers(0, 3, n))
    lane = pl.select(pl.concat_str([road, pl.Series(rng.integers(1, 60, n)).cast(pl.String), pl.lit("길")])).to_series()
    street = lane.zip_with(pl.Series(rng.random(n) < 0.35), road)
    number = pl.Series(rng.integers(1, 300, n)).cast(pl.String)
    rental = np.array([DONGS[c][1] >= 2.0 for c in codes])[dong]
    apartment = rng.random(n) < np.where(rental, APARTMENT_PROB_RENTAL, APARTMENT_PROB_OTHER)
    flat = pl.select(pl.concat_str([
        pl.lit(", "), pl.Series(rng.integers(101, 116, n)).cast(pl.String), pl.lit("동 "),
        pl.Series(rng.integers(1, 16, n)).cast(pl.String),
        pl.Series(rng.integers(1, 11, n)).cast(pl.String).str.zfill(2), pl.lit("호"),
    ])).to_series()
    suffix = flat.zip_with(pl.Series(apartment), pl.Series([""] * n))
    return pl.select(pl.concat_str([pl.lit("서울특별시 강서구 "), street, pl.lit(" "), number, suffix])).to_series()


# ======================================================================================
# IoT readings
# ======================================================================================

@dataclass(frozen=True)
class Devices:
    person: np.ndarray     # index into People, sorted by 대상자ID
    ids: pl.Series         # "IOT-" + 8 hex digits
    base_w: np.ndarray     # standby + fridge, Wh per hour
    use_w: np.ndarray      # appliance use at the busiest hour
    activity: np.ndarray   # multiplies the motion profile
    outgoing: np.ndarray   # multiplies the door profile
    heating_w: np.ndarray  # electric heating in winter (0 for most homes)
    cooling_w: np.ndarray  # air conditioning in summer (0 where there is none)


def _pick_devices(rng: np.random.Generator, people: People, wanted: int, days: int) -> Devices:
    eligible = np.flatnonzero(np.isin(people.household, LIVING_ALONE) & (people.registered_day < 0)
                              & (people.end_day >= days))
    n = min(wanted, len(eligible))
    weights = 1.0 + (people.age[eligible] - 50) / 20.0
    chosen = rng.choice(eligible, size=n, replace=False, p=weights / weights.sum())
    chosen = chosen[np.argsort(people.ids.gather(chosen).to_numpy(), kind="stable")]
    numbers = rng.choice(16 ** 8, size=n, replace=False)
    return Devices(
        person=chosen,
        ids=pl.Series([f"IOT-{int(x):08X}" for x in numbers]),
        base_w=rng.uniform(20, 45, n),
        use_w=rng.uniform(60, 220, n),
        activity=rng.lognormal(0, 0.4, n),
        outgoing=rng.lognormal(0, 0.5, n),
        heating_w=np.where(rng.random(n) < 0.35, rng.uniform(40, 150, n), 0.0),
        cooling_w=np.where(rng.random(n) < 0.55, rng.uniform(150, 600, n), 0.0),
    )


def _write_iot(out_dir: Path, rng: np.random.Generator, dirty_rng: np.random.Generator, people: People,
               devices: Devices, episodes: Episodes, start: date, days: int, dirty_rate: float) -> dict[str, int]:
    n_dev, hours = len(devices.person), days * 24
    offline = _offline_mask(rng, n_dev, hours)
    state = _episode_state(episodes, devices, hours)
    weeks = _iso_weeks(start, days)
    lengths = np.array([(end - begin) * 24 * n_dev for _, begin, end in weeks], dtype=np.int64)
    dirty = _plan_dirty(dirty_rng, int(lengths.sum()), dirty_rate, DIRTY_IOT_KINDS, lengths)
    counts, first_row = {}, 0
    for (label, begin, end), length in zip(weeks, lengths):
        h0, h1 = begin * 24, end * 24
        frame = _iot_rows(rng, people, devices, offline[:, h0:h1], state[:, h0:h1], start, h0)
        local = _local(dirty, first_row, int(length))
        first_row += int(length)
        frame = scatter(frame, "power_wh", local["negative_power"], -12.5)
        frame = scatter(frame, "motion_events", local["negative_motion"], -1)
        frame = scatter(frame, "measured_at", local["impossible_time"], "2026-02-30T10:00:00+09:00")
        frame = _duplicate(frame, local["duplicate"])
        shift = lambda rows: rows + np.searchsorted(local["duplicate"], rows, side="left")  # noqa: E731
        text = _jsonl(frame, truncate=shift(local["truncated_line"]), unknown_online=shift(local["bad_online"]))
        relpath = f"{IOT_DIR}/iot_readings_{label}_SYNTHETIC.jsonl"
        write_bytes(out_dir / relpath, text)
        counts[relpath] = frame.height
    return counts


def _iso_weeks(start: date, days: int) -> list[tuple[str, int, int]]:
    """(label 'YYYY-Www', first day, end day) of each ISO week the period touches."""
    weeks: list[tuple[str, int, int]] = []
    for d in range(days):
        year, week, _ = (start + timedelta(days=d)).isocalendar()
        label = f"{year}-W{week:02d}"
        if weeks and weeks[-1][0] == label:
            weeks[-1] = (label, weeks[-1][1], d + 1)
        else:
            weeks.append((label, d, d + 1))
    return weeks


def _offline_mask(rng: np.random.Generator, n_dev: int, hours: int) -> np.ndarray:
    mask = np.zeros((n_dev, hours), dtype=bool)
    months, years = hours / (24 * 30.4), hours / (24 * 365)
    gaps = rng.poisson(OFFLINE_GAPS_PER_MONTH * months, n_dev)
    long = rng.poisson(LONG_OUTAGES_PER_YEAR * years, n_dev)
    device = np.concatenate([np.repeat(np.arange(n_dev), gaps), np.repeat(np.arange(n_dev), long)])
    length = np.concatenate([np.minimum(rng.geometric(1 / 3, gaps.sum()), 24), rng.integers(24, 73, long.sum())])
    begin = rng.integers(0, max(hours, 1), len(device))
    for d, b, n in zip(device.tolist(), begin.tolist(), length.tolist()):
        mask[d, b:b + n] = True
    return mask


def _episode_state(episodes: Episodes, devices: Devices, hours: int) -> np.ndarray:
    """0 normal, AWAY, INACTIVE per device-hour; AWAY + 2 marks the hour the person left."""
    state = np.zeros((len(devices.person), hours), dtype=np.int8)
    slot = {int(p): i for i, p in enumerate(devices.person)}
    for p, b, e, k in zip(episodes.person.tolist(), episodes.start.tolist(), episodes.end.tolist(),
                          episodes.kind.tolist()):
        if p in slot:
            state[slot[p], max(b, 0):max(e, 0)] = k
            if k == AWAY and 0 <= b < hours:
                state[slot[p], b] = AWAY + 2
    return state


def _iot_rows(rng: np.random.Generator, people: People, devices: Devices, offline: np.ndarray,
              state: np.ndarray, start: date, first_hour: int) -> pl.DataFrame:
    """One row per (hour, device) of the chunk, hour-major."""
    n_dev, n_hours = offline.shape
    hour = first_hour + np.arange(n_hours)
    hod = hour % 24
    day = (hour - first_hour) // 24
    months = np.array([(start + timedelta(days=int(h // 24))).month for h in hour])

    day_factor = rng.gamma(8.0, 1 / 8.0, (n_dev, int(day.max()) + 1))[:, day]
    motion = rng.poisson(MOTION_BY_HOUR[hod] * devices.activity[:, None] * day_factor)
    doors = rng.poisson(DOOR_BY_HOUR[hod] * devices.outgoing[:, None] * day_factor)
    # electric heating (mats, heaters) on winter evenings and nights; air conditioning on summer afternoons
    heating = devices.heating_w[:, None] * (np.isin(months, HEATING_MONTHS) & ((hod >= 19) | (hod < 7)))[None, :]
    cooling = devices.cooling_w[:, None] * (np.isin(months, COOLING_MONTHS) & (hod >= 13) & (hod < 22))[None, :]
    use = devices.use_w[:, None] * POWER_BY_HOUR[hod] * (0.6 + 0.4 * np.minimum(motion, 6) / 6)
    power = (devices.base_w[:, None] + use + heating + cooling) * rng.lognormal(0, 0.15, (n_dev, n_hours))

    still = (state == AWAY) | (state == INACTIVE)
    flat = devices.base_w[:, None] * rng.uniform(0.9, 1.1, (n_dev, n_hours))
    motion = np.where(still, 0, motion)
    doors = np.where(still, 0, np.where(state == AWAY + 2, np.maximum(doors, 1), doors))
    power = np.where(still, flat, power)

    stamps = pl.Series([(datetime.combine(start, datetime.min.time()) + timedelta(hours=int(h)))
                        .strftime("%Y-%m-%dT%H:%M:%S+09:00") for h in hour])
    online = ~offline.T.ravel()
    device = np.tile(np.arange(n_dev), n_hours)
    return pl.DataFrame({
        "device_id": devices.ids.gather(device),
        "household_id": people.ids.gather(devices.person[device]),
        "measured_at": stamps.gather(np.repeat(np.arange(n_hours), n_dev)),
        "motion_events": pl.Series(motion.T.ravel()),
        "power_wh": pl.Series(np.round(power.T.ravel(), 1)),
        "door_openings": pl.Series(doors.T.ravel()),
        "device_online": pl.Series(online),
    }).with_columns([
        pl.when(pl.col("device_online")).then(pl.col(c)).otherwise(None).alias(c)
        for c in ("motion_events", "power_wh", "door_openings")
    ]).select(IOT_FIELDS)


def _jsonl(frame: pl.DataFrame, truncate: np.ndarray, unknown_online: np.ndarray) -> bytes:
    """The frame as JSON Lines, with some lines cut short and some device_online values made text."""
    data = jsonl_bytes(frame)
    edits = {int(r): "truncate" for r in truncate} | {int(r): "online" for r in unknown_online}
    if not edits:
        return data
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
    starts = np.concatenate([[0], ends[:-1] + 1])
    pieces, position = [], 0
    for row in sorted(edits):
        begin, end = int(starts[row]), int(ends[row])
        line = data[begin:end]
        if edits[row] == "truncate":  # a transfer cut off mid-record
            line = line[: len(line) // 2]
        else:
            line = line.replace(b'"device_online":true', b'"device_online":"unknown"') \
                       .replace(b'"device_online":false', b'"device_online":"unknown"')
        pieces += [data[position:begin], line]
        position = end
    pieces.append(data[position:])
    return b"".join(pieces)


# ======================================================================================
# Shared helpers
# ======================================================================================

def _plan_dirty(rng: np.random.Generator, total: int, rate: float, kinds: tuple[str, ...],
                file_lengths: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Global row positions (clean order) to corrupt, per kind; never a file's first row if lengths given."""
    empty = {kind: np.zeros(0, dtype=np.int64) for kind in kinds}
    lengths = np.asarray(file_lengths if file_lengths is not None else [total], dtype=np.int64)
    candidates = int((lengths - 1).clip(min=0).sum()) if file_lengths is not None else total
    if rate <= 0 or candidates <= 0:
        return empty
    count = min(candidates, max(len(kinds), round(rate * total)))
    picked = np.sort(rng.choice(candidates, size=count, replace=False))
    if file_lengths is not None:  # skip each file's first row
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        before = np.concatenate([[0], np.cumsum((lengths - 1).clip(min=0))[:-1]])
        file = np.searchsorted(before, picked, side="right") - 1
        picked = starts[file] + 1 + (picked - before[file])
    kind_of = rng.permutation(np.arange(count) % len(kinds))
    return {kind: picked[kind_of == k] for k, kind in enumerate(kinds)}


def _local(dirty: dict[str, np.ndarray], first_row: int, height: int) -> dict[str, np.ndarray]:
    local = {}
    for kind, positions in dirty.items():
        shifted = positions - first_row
        local[kind] = shifted[(shifted >= 0) & (shifted < height)]
    return local


def _duplicate(frame: pl.DataFrame, positions: np.ndarray) -> pl.DataFrame:
    """An exact copy of each row at `positions` right after it (a re-sent record)."""
    if not len(positions):
        return frame
    return frame[np.sort(np.concatenate([np.arange(frame.height), positions]), kind="stable")]


def _date_text(days: np.ndarray) -> pl.Series:
    return pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date).dt.strftime("%Y-%m-%d")


def _epoch_seconds(day: date) -> int:
    return (day - date(1970, 1, 1)).days * 86_400
