"""Run a contract-derived GX suite on a landed batch (GX pandas path) and build Data Docs under data/.

GX cannot use DuckDB through SQL, so batches go in as pandas frames (stack-notes.md). Results never
carry row values (`partial_unexpected_count: 0`): check outputs must not leak personal data.

GX's file context (great_expectations.yml, suites, checkpoints, Data Docs) is one set of files per data
folder, rewritten by every validation; runs of two domains at once on one folder (PostgreSQL catalog)
would save over each other ("ExpectationSuite … has changed since it has last been saved"), so each
validation and each Data Docs build holds a file lock on the context.

A session (`gx_session`) validates the batches of one step and builds their Data Docs once, when it ends:
each build compiles GX's page templates again and rewrites the index, ~0.3 s of a ~0.8 s validation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock

from catalog.contracts import Table

if TYPE_CHECKING:
    import pandas as pd

RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}
# Data Docs' index lists the newest validation results (about five days of every source). Every validation
# rebuilds the index, and GX reads each result the index lists: unbounded, each validation took ~1.7 ms more
# per result kept (21 a day). Older results keep their pages.
DOCS_INDEX_RESULTS = 100
DOCS_SITE = "local_site"


@dataclass
class GxOutcome:
    success: bool
    evaluated: int
    failed: list[dict]
    rows: int
    docs_index: Path


def docs_index(quality_dir: Path) -> Path:
    """The GX Data Docs site, under the lake's data folder."""
    return Path(quality_dir) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


Validate = Callable[["Table", "pd.DataFrame", str], GxOutcome]


class _Session:
    """A step's validations: GX is imported (~6 s) and its context opened at the first one only. Each
    validation, and the Data Docs build, holds the context's lock, not the step between them: another
    domain's run (PostgreSQL catalog) validates while this one queries the lake."""

    def __init__(self, quality_dir: Path) -> None:
        self.quality_dir, self.context, self.pages = quality_dir, None, []
        self.lock = FileLock(str(quality_dir / ".gx.lock"))

    def validate(self, table: Table, frame: pd.DataFrame, batch_name: str) -> GxOutcome:
        with self.lock:
            if self.context is None:
                self.context = _context(self.quality_dir)
            outcome, pages = _validate(self.context, self.quality_dir, table, frame, batch_name)
        self.pages += pages
        return outcome

    def build_docs(self) -> None:
        if self.pages:
            with self.lock:
                self.context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=self.pages)


@contextmanager
def gx_session(quality_dir: Path) -> Iterator[Validate]:
    """`validate(table, frame, batch_name)` for each batch of a step; the Data Docs of every validation it
    ran (result and suite pages, and the index) are built once, on leaving."""
    Path(quality_dir).mkdir(parents=True, exist_ok=True)
    session = _Session(Path(quality_dir))
    try:
        yield session.validate
    finally:
        session.build_docs()


def validate_batch(quality_dir: Path, table: Table, frame: pd.DataFrame, batch_name: str) -> GxOutcome:
    """One batch in a session of its own."""
    with gx_session(quality_dir) as validate:
        return validate(table, frame, batch_name)


def _bound_docs_index(context) -> None:
    site = dict(context.list_data_docs_sites()[DOCS_SITE])
    index = dict(site.get("site_index_builder") or {"class_name": "DefaultSiteIndexBuilder"})
    if index.get("validation_results_limit") != DOCS_INDEX_RESULTS:
        site["site_index_builder"] = {**index, "validation_results_limit": DOCS_INDEX_RESULTS}
        context.update_data_docs_site(DOCS_SITE, site)


def _context(quality_dir: Path):
    import great_expectations as gx  # ~6 s to import: only where a batch is validated

    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="file", project_root_dir=str(quality_dir))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no bars on the console
    _bound_docs_index(context)
    return context


def _validate(context, quality_dir: Path, table: Table, frame: pd.DataFrame, batch_name: str) -> tuple[GxOutcome, list]:
    """The outcome, and the Data Docs pages it calls for (its result's and its suite's)."""
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    from quality.gx_suites import suite_for

    source = context.data_sources.add_or_update_pandas("lakehouse")
    existing = {a.name: a for a in source.assets}
    asset = existing.get(table.name) or source.add_dataframe_asset(table.name)
    batch = next((b for b in asset.batch_definitions if b.name == "landed_batch"), None) \
        or asset.add_batch_definition_whole_dataframe("landed_batch")
    suite = context.suites.add_or_update(suite_for(table))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{table.name}__{batch_name}", data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"{table.name}__checkpoint",
            validation_definitions=[definition],
            actions=[],  # Data Docs: once per session
            result_format=RESULT_FORMAT,
        )
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    result_id, validation = next(iter(result.run_results.items()))
    failed = [
        {
            "expectation": r.expectation_config.type,
            "column": r.expectation_config.kwargs.get("column", ""),
            "unexpected_count": r.result.get("unexpected_count"),
        }
        for r in validation.results
        if not r.success
    ]
    outcome = GxOutcome(result.success, len(validation.results), failed, len(frame), docs_index(quality_dir))
    return outcome, [result_id, ExpectationSuiteIdentifier(name=validation.suite_name)]
