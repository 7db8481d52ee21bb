"""The one freshness rule: a contract's SLA (ODCS `slaProperties`) as a maximum age.

Dagster's freshness policy needs a fixed window, so every reader (the asset's policy, `catalog show`)
uses the same one: a month counts as 31 days and a year as 366, the longest they can be.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path
from typing import Any


from catalog.contracts import Contract
from catalog.yaml_files import read_yaml

# ODCS says units follow ISO 8601 ("d, day, days", "y, yr, years"): so `m` is a month, as in P1M.
UNITS = {
    **dict.fromkeys(("min", "minute", "minutes"), "minutes"),
    **dict.fromkeys(("h", "hour", "hours"), "hours"),
    **dict.fromkeys(("d", "day", "days"), "days"),
    **dict.fromkeys(("w", "week", "weeks"), "weeks"),
    **dict.fromkeys(("m", "month", "months"), "months"),
    **dict.fromkeys(("y", "yr", "year", "years"), "years"),
}
_DAYS = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1, "weeks": 7, "months": 31, "years": 366}
# `frequency` is ODCS's refresh interval; some marts state the maximum age as `freshness`. Either bounds the age.
SLA_PROPERTIES = ("freshness", "frequency")


@functools.lru_cache(maxsize=None)
def _sla_properties(path: Path, mtime_ns: int) -> tuple[dict[str, Any], ...]:
    """The file's `slaProperties`, parsed once per version of the file (definitions ask for every asset)."""
    return tuple(read_yaml(path).get("slaProperties") or [])


def sla(contract: Contract) -> dict[str, Any] | None:
    """The contract's freshness SLA (property, value, unit and `max_age`), or None if it promises none."""
    if contract.path is None:
        return None
    properties = _sla_properties(contract.path, contract.path.stat().st_mtime_ns)
    for name in SLA_PROPERTIES:
        for item in properties:
            if item.get("property") == name:
                unit = str(item.get("unit"))
                if unit not in UNITS:
                    raise ValueError(f"{contract.path}: slaProperties {name} unit {unit!r} is not one of {sorted(UNITS)}")
                value = int(item["value"])
                return {"property": name, "value": value, "unit": unit, "max_age": timedelta(days=value * _DAYS[UNITS[unit]])}
    return None
