"""Files that survive crashes: atomic JSON writes and an append-only JSON-lines event log."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.events import Event, event_from_json


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Temp file in the same folder, fsync, rename: readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class EventLog:
    """Appends one JSON line per event and flushes it, so a killed process leaves a readable log."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._repair_final_newline()
        self._handle = path.open("a", encoding="utf-8")

    def _repair_final_newline(self) -> None:
        """A torn last line (no newline) must not swallow the next event: end it first."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb+") as handle:
            handle.seek(-1, os.SEEK_END)
            if handle.read(1) != b"\n":
                handle.write(b"\n")

    def append(self, event: Event, durable: bool = False) -> None:
        self._handle.write(event.to_json() + "\n")
        self._handle.flush()
        if durable:
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()


@dataclass
class LogRead:
    events: list[Event] = field(default_factory=list)
    bad_lines: int = 0
    torn_tail: bool = False
    """The last line had no newline and did not parse: the writer was killed mid-line."""


def read_events(path: Path) -> LogRead:
    """Read every line that parses; count (and skip) torn, garbage or non-UTF-8 lines."""
    result = LogRead()
    try:
        raw = path.read_bytes()
    except OSError:
        return result
    lines = raw.split(b"\n")
    ends_with_newline = raw.endswith(b"\n")
    if ends_with_newline:
        lines = lines[:-1]
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            result.events.append(event_from_json(line.decode("utf-8")))
        except (UnicodeDecodeError, ValueError, TypeError):
            result.bad_lines += 1
            if index == len(lines) - 1 and not ends_with_newline:
                result.torn_tail = True
    return result
