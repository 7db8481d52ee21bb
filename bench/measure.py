"""One measured command: wall seconds and peak memory of a fresh process and everything it starts.

Two memory figures, because the pipeline starts dbt as a subprocess while its own interpreter stays alive,
both sampled every 0.2 s from /proc while the command runs: `peak_rss_mib` is the largest single process (the
kernel's high-water mark, VmHWM, of each process in the tree), `peak_tree_pss_mib` the whole tree at once
(a spike shorter than a sample can be missed). The tree is summed as PSS, each page shared by n of its
processes counted 1/n times: a sum of RSS counted the libraries the run and its dbt both map (DuckDB, Arrow,
Python's own) once per process, ~150 MiB too much at the dbt step of an SF 1 run. The kernel's ru_maxrss
from wait4 is not used: a child started by fork or vfork inherits the high-water mark of the bench process
itself, so after the bench had compared two lakes' marts (1.7 GiB) every later command reported 1,722 MiB,
`lakehouse run` with nothing to do included.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from lake.settings import PROJECT_ROOT

LAKEHOUSE = str(Path(sys.executable).with_name("lakehouse"))  # the console script of this venv
_SAMPLE_EVERY_S = 0.2


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_mib: float
    peak_tree_pss_mib: float
    stdout: str

    @property
    def peak_mib(self) -> float:
        """The figure a memory target is judged on: the larger of the two."""
        return max(self.peak_rss_mib, self.peak_tree_pss_mib)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def measure(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run `command` from the project root with `env` added; raise with its stderr if it fails."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **(env or {})}, stdout=out,
                                 stderr=err, text=True)
        tree_peak = _TreeSampler(child.pid)
        _, status, _ = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        tree_peak.stop()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if child.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({child.returncode}):\n{err.read()[-3000:]}")
        return Measured(seconds, tree_peak.process_mib, tree_peak.mib, out.read())


class _TreeSampler(threading.Thread):
    """While a process runs: the largest total PSS of it and its descendants (`mib`), and the largest
    high-water mark of any one of them (`process_mib`)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.mib, self.process_mib, self._done = pid, 0.0, 0.0, threading.Event()
        self.start()

    def run(self) -> None:
        while True:
            pids = _tree(self.pid)
            self.mib = max(self.mib, sum(_status_mib(pid, "Pss:", "smaps_rollup") for pid in pids))
            self.process_mib = max([self.process_mib, *(_status_mib(pid, "VmHWM:", "status") for pid in pids)])
            if self._done.wait(_SAMPLE_EVERY_S):
                return

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(c) for c in children.read_text().split()]
            except OSError:  # the process ended meanwhile
                pass
    return found


def _status_mib(pid: int, field: str, file: str) -> float:
    """A size field of /proc/PID/<file> (kB there), in MiB; 0 once the process has ended."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):  # ended meanwhile (a zombie has no pages)
        pass
    return 0.0
