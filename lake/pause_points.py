"""Named points where a test may freeze a process, to kill it there and prove the lake survives.

`LAKEHOUSE_PAUSE_AT=<point>` makes the process, on reaching that point, write its pid to the file named
by `LAKEHOUSE_PAUSE_FLAG` and then block; the test waits for the flag and sends SIGKILL. Unset (always,
outside tests), a pause point costs one environment lookup.
"""

from __future__ import annotations

import os
import time
from pathlib import Path


def pause_point(name: str) -> None:
    if os.environ.get("LAKEHOUSE_PAUSE_AT") != name:
        return
    flag = os.environ.get("LAKEHOUSE_PAUSE_FLAG")
    if flag:
        Path(flag).write_text(str(os.getpid()))
    while True:  # until killed
        time.sleep(60)
