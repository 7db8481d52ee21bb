"""Where a run's events go: all of them to a log file under data/logs/, one line per finished step to whoever
listens (`lakehouse run` prints it), so a person reads a few dozen lines and the file keeps everything.

The Dagster logger replaces the default console logger for every run, however launched. `--verbose`
(logger config `verbose`) streams the full event stream to stderr as well. Log files are the owner's alone:
they name files and counts, never values (the loaders and checks log no cell).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from lake.files import private_dir
from lake.settings import Settings

LOGGER_KEY = "lakehouse_log"
FORMAT = "%(asctime)s %(levelname)s %(message)s"
# (step key, "success" | "failure", seconds, message) for each finished step; the runner registers here.
StepListener = Callable[[str, str, float, str], None]
_listeners: list[StepListener] = []


def log_dir(settings: Settings) -> Path:
    return settings.data_dir / "logs"


def log_path(settings: Settings, run_id: str) -> Path:
    return log_dir(settings) / f"run-{run_id}.log"


@contextmanager
def listening(listener: StepListener | None) -> Iterator[None]:
    """`listener` hears of each finished step while the block runs (None: nobody listens)."""
    if listener is not None:
        _listeners.append(listener)
    try:
        yield
    finally:
        if listener is not None:
            _listeners.remove(listener)


def _logger_name(run_id: str) -> str:
    return f"lakehouse.run.{run_id}"


def run_file_log(run_id: str) -> logging.Logger:
    """The run's log file (and stderr under `--verbose`) without Dagster's event log: for a library's own
    output, hundreds of lines a run (dbt's), which the event log would store one database commit at a time."""
    return logging.getLogger(_logger_name(run_id))


def close_run_log(run_id: str) -> None:
    """Close the run's log file (the logger outlives the run in this process otherwise)."""
    logger = logging.getLogger(_logger_name(run_id))
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def failure_reason(error) -> str:
    """The reason a step failed, for a person: the innermost cause's message (a Failure's description, an
    exception's text), without Dagster's wrapper or the exception's module path; no traceback."""
    while error is not None and error.cause is not None and "DagsterExecutionStepExecutionError" in error.message:
        error = error.cause
    if error is None:
        return "failed"
    message = error.message.strip()
    head, _, rest = message.partition(": ")
    return rest if rest and "." in head and " " not in head else message


class _StepEcho(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        if event is None or event.event_type_value not in ("STEP_SUCCESS", "STEP_FAILURE"):
            return
        data = event.event_specific_data
        if event.event_type_value == "STEP_SUCCESS":
            outcome, seconds, message = "success", data.duration_ms / 1000, ""
        else:
            outcome, seconds, message = "failure", 0.0, failure_reason(data.error)
        for listener in list(_listeners):
            listener(event.step_key, outcome, seconds, message)


@dg.logger(
    config_schema={"path": dg.Field(str, is_required=False, description="Log file; default data/logs/run-<run id>.log"),
                   "verbose": dg.Field(bool, default_value=False, description="Also stream every event to stderr")},
    description="Every event of the run to a log file; finished steps to the listeners (the CLI's one-liners).",
)
def lakehouse_log(init_context: dg.InitLoggerContext) -> logging.Logger:
    run_id = init_context.run_id or "no-run"
    logger = logging.getLogger(_logger_name(run_id))
    if logger.handlers:  # Dagster builds the run's loggers again for each step: one set of handlers
        return logger
    path = Path(init_context.logger_config.get("path") or log_path(Settings.from_env(), run_id))
    private_dir(path.parent)
    file_handler = logging.FileHandler(path, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter(FORMAT))
    path.chmod(0o600)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    logger.addHandler(file_handler)
    logger.addHandler(_StepEcho())
    if init_context.logger_config.get("verbose"):
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(stream)
    return logger


def run_config(settings: Settings, run_id: str, verbose: bool = False) -> dict:
    return {"loggers": {LOGGER_KEY: {"config": {"path": str(log_path(settings, run_id)), "verbose": verbose}}}}
