"""One module per concern, each contributing its own Definitions; `build_definitions` merges them."""

import dagster as dg

from lake.settings import Settings
from orchestration.defs import dbt, gx_checks, privacy_checks, publish, releases, resources, schedules, sources


def build_definitions(settings: Settings) -> dg.Definitions:
    parts = (sources, gx_checks, dbt, privacy_checks, releases, publish, schedules)
    return dg.Definitions.merge(*(part.definitions() for part in parts), resources.definitions(settings))
