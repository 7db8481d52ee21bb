"""Run a contract-derived GX suite on a landed batch (GX pandas path) and build Data Docs under data/.

GX cannot use DuckDB through SQL, so batches go in as pandas frames (stack-notes.md). Results never
carry row values (`partial_unexpected_count: 0`): check outputs must not leak personal data.

GX's file context (great_expectations.yml, the data source, suites, validation results, Data Docs) is one set
of files per data folder, written by validations; runs of two domains at once on one folder (PostgreSQL catalog)
would save over each other ("ExpectationSuite … has changed since it has last been saved"), so each
validation and each Data Docs build holds a file lock on the context.

A session (`gx_session`) validates the batches of one step and builds their Data Docs once, when it ends:
each build compiles GX's page templates again and rewrites the index, ~0.3 s of a ~0.8 s validation.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
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


def import_ahead() -> threading.Thread:
    """Import GX (~2 s) on a thread of its own, while the run's first steps work (mostly in DuckDB and
    polars, which release the interpreter): the GX step then finds it imported."""
    thread = threading.Thread(target=importlib.import_module, args=("quality.gx_suites",), name="import-gx",
                              daemon=True)
    thread.start()
    return thread


def docs_index(quality_dir: Path) -> Path:
    """The GX Data Docs site, under the lake's data folder."""
    return Path(quality_dir) / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


Validate = Callable[["Table", "pd.DataFrame", str], GxOutcome]


class _Session:
    """A step's validations: GX is imported (~6 s) and its context opened at the first one only. Each
    validation, and the Data Docs build, holds the context's lock, not the step between them: another
    domain's run (PostgreSQL catalog) validates while this one queries the lake."""

    def __init__(self, quality_dir: Path) -> None:
        self.quality_dir, self.context, self.source, self.pages = quality_dir, None, None, []
        self.lock = FileLock(str(quality_dir / ".gx.lock"))

    def validate(self, table: Table, frame: pd.DataFrame, batch_name: str) -> GxOutcome:
        with self.lock:
            if self.context is None:
                self.context = _context(self.quality_dir)
                self.source = self.context.data_sources.add_or_update_pandas("lakehouse")
            outcome, pages = _validate(self.context, self.source, self.quality_dir, table, frame, batch_name)
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


def _stored_suite(context, table: Table):
    """The contract's suite as the context stores it, saved only when it differs: GX's `add_or_update`
    compares every expectation with every other through pydantic (~0.1 s for a suite of 60 every run)."""
    from great_expectations.exceptions import DataContextError

    from quality.gx_suites import suite_for

    wanted = suite_for(table)
    try:
        stored = context.suites.get(wanted.name)
    except DataContextError:  # not saved yet
        return context.suites.add(wanted)
    if _expectations(stored) == _expectations(wanted):
        return stored
    return context.suites.add_or_update(wanted)


def _expectations(suite) -> list[dict]:
    """A suite's expectations without the ids the store gives them."""
    return [{k: v for k, v in e.configuration.to_json_dict().items() if k != "id"} for e in suite.expectations]


def _validate(context, source, quality_dir: Path, table: Table, frame: pd.DataFrame, batch_name: str) -> tuple[GxOutcome, list]:
    """The outcome, and the Data Docs pages it calls for (its result's and its suite's).

    The suite runs on the batch through GX's validator and its result goes to the context's results store,
    as a checkpoint's would, without a checkpoint and a validation definition saved and checked for
    freshness at every validation (a third of a validation's time on the committed sample's batches)."""
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (ExpectationSuiteIdentifier,
                                                                            ValidationResultIdentifier)
    from great_expectations.validator.v1_validator import Validator

    asset = next((a for a in source.assets if a.name == table.name), None) or source.add_dataframe_asset(table.name)
    batch = next((b for b in asset.batch_definitions if b.name == "landed_batch"), None) \
        or asset.add_batch_definition_whole_dataframe("landed_batch")
    suite = _stored_suite(context, table)
    validator = Validator(batch_definition=batch, batch_parameters={"dataframe": frame}, result_format=RESULT_FORMAT)
    validation = validator.validate_expectation_suite(suite)
    run_id = RunIdentifier(run_name=f"{table.name}__{batch_name}", run_time=datetime.now(timezone.utc))
    validation.meta.update(run_id=run_id, validation_time=run_id.run_time)
    suite_id = ExpectationSuiteIdentifier(name=suite.name)
    result_id = ValidationResultIdentifier(batch_identifier=validator.active_batch_id,
                                           expectation_suite_identifier=suite_id, run_id=run_id)
    context.validation_results_store.store_validation_results(
        suite_validation_result=validation, suite_validation_result_identifier=result_id,
        expectation_suite_identifier=suite_id)
    failed = [
        {
            "expectation": r.expectation_config.type,
            "column": r.expectation_config.kwargs.get("column", ""),
            "unexpected_count": r.result.get("unexpected_count"),
        }
        for r in validation.results
        if not r.success
    ]
    outcome = GxOutcome(validation.success, len(validation.results), failed, len(frame), docs_index(quality_dir))
    return outcome, [result_id, suite_id]
