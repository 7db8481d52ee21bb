"""Welfare sources (korean-public-data.md §8): public statistics and the synthetic operational extracts."""

from transforms.source import Source
from transforms.welfare import call_logs, cases, disability, elderly_alone, iot, recipients

SOURCES = (
    Source(
        "welfare_elderly_alone_stats",
        ("서울시 독거노인 현황(연령별/동별) KOSIS CSV, multi-row headers, CP949 or UTF-8",),
        (".csv",),
        elderly_alone.parse,
    ),
    Source(
        "welfare_recipients_stats",
        ("서울시 국민기초생활 수급자 동별 현황 XLSX (three header rows, merged 지역/자격구분)", "the same table as CSV"),
        (".xlsx", ".csv"),
        recipients.parse,
        binary_suffixes=(".xlsx",),
    ),
    Source(
        "welfare_disability_stats",
        ("서울시 장애인 현황(장애유형별/동별) KOSIS CSV, long (동별, 장애유형별, 성별, <year> 년) or wide (동별(1..3), type columns)",),
        (".csv",),
        disability.parse,
    ),
    Source(
        "welfare_cases",
        ("AI well-being call case extract CSV, Korean headers, CP949 or UTF-8 (synthetic schema, 행복e음-style)",),
        (".csv",),
        cases.parse,
    ),
    Source(
        "welfare_call_logs",
        ("AI well-being call log CSV, one row per attempt, Korean headers, CP949 or UTF-8 (synthetic schema)",),
        (".csv",),
        call_logs.parse,
    ),
    Source(
        "welfare_iot_readings",
        ("care IoT platform export, JSON Lines (UTF-8), one object per household-hour (synthetic schema)",),
        (".jsonl", ".ndjson"),
        iot.parse,
    ),
)
