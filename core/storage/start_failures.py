"""Sweep points whose `run` process ended before it made a run folder (`start-failures.jsonl` in
the session): the model folder gone since the sweep started, a data file that turned unreadable, a
crash at import. Without a run folder such a point had no line, no count and no reason anywhere but
the queue runner's log ("Sweep: 3 of 3 runs finished" for a 4-point grid). The queue runner appends
one line per failed start, with the last line the process printed on stderr (sst2-tui's one-line
reason); `sweep`, the app's sweep page and the report say each one that has no run folder since.

    {"point": "p002", "exit_code": 2, "reason": "sst2-tui run: --model /models/x: no such folder", "time": 1.7e9}
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from sst2_tui.core.records import record_from_json, to_json_value
from sst2_tui.core.storage.own_files import append_own, drop_torn_tail
from sst2_tui.core.storage.validated import read_jsonl_records

FILE = "start-failures.jsonl"
REASON_CHARS = 300
LIMIT = 1 << 20
"""Bytes read at most (a point fails to start once per try: a few hundred lines at the very most)."""


@dataclass(frozen=True)
class StartFailure:
    point: str
    """The sweep point (`p002`) whose run never made its folder."""
    exit_code: int
    """The `run` process's exit code (negative: killed by that signal)."""
    reason: str
    """The last line it printed on stderr; empty when it printed none."""
    time: float = 0.0

    def why(self) -> str:
        return self.reason or (f"killed by signal {-self.exit_code}" if self.exit_code < 0 else f"exit code {self.exit_code}")

    def line(self) -> str:
        return f"{self.point} failed to start: {self.why()}"


def record_start_failure(session_path: Path, failure: StartFailure) -> None:
    stamped = failure if failure.time else StartFailure(failure.point, failure.exit_code,
                                                        failure.reason[:REASON_CHARS], time.time())
    drop_torn_tail(session_path / FILE)  # a torn last line would swallow this one
    append_own(session_path / FILE, (json.dumps(to_json_value(stamped)) + "\n").encode("utf-8"))


def read_start_failures(session_path: Path) -> tuple[list[StartFailure], str | None]:
    """Every failed start in order (a point tried again and failed again is there twice), or those
    before a damaged line and the problem, naming the file and line; a missing file has none."""
    return read_jsonl_records(session_path / FILE, lambda value: record_from_json(StartFailure, value), LIMIT)


def unstarted(session_path: Path, points_with_a_folder: set[str]) -> list[StartFailure]:
    """The latest failed start of each point that has no run folder now (one that started since,
    by `sweep --resume`, is its run's to tell)."""
    failures, _ = read_start_failures(session_path)
    latest = {f.point: f for f in failures if f.point not in points_with_a_folder}
    return sorted(latest.values(), key=lambda f: f.point)
