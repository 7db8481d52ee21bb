"""The Dagster code location (`lakehouse ui`, `dagster dev`): the defs/ folder on this environment's lake."""

import dagster as dg

from lake.settings import Settings
from orchestration.defs import build_definitions

defs: dg.Definitions = build_definitions(Settings.from_env())
