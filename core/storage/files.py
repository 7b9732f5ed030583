"""Files that survive crashes: atomic JSON writes and an append-only JSON-lines event log."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sst2_tui.core.events import Event, event_from_json
from sst2_tui.core.records import to_json_value
from sst2_tui.core.storage.disk_space import MB, DiskFullError, is_disk_full
from sst2_tui.core.storage.own_files import check_own_folder, open_own, read_plain
from sst2_tui.core.text.json_text import parse_json


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


def readable_mode() -> int:
    """The mode a plain `open()` gives a new file: 0o666 less the umask (0o644 under umask 022).

    mkstemp creates its file 0o600; reports, summaries and configs are for the user (and whoever
    they share the session with) to read, as events.jsonl is. Read from /proc, because asking
    os.umask means setting it, which races with other threads creating files."""
    global _READABLE_MODE
    if _READABLE_MODE is None:
        umask = None
        try:
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("Umask:"):
                    umask = int(line.split()[1], 8)
        except (OSError, ValueError):
            pass
        if umask is None:
            umask = os.umask(0o022)
            os.umask(umask)
        _READABLE_MODE = 0o666 & ~umask
    return _READABLE_MODE


_READABLE_MODE: int | None = None


def atomic_write_text(path: Path, text: str) -> None:
    """Temp file in the same folder, fsync, rename: readers see the old file or the new one, never half.
    The file gets the mode a plain write would give it (the umask's), not mkstemp's owner-only. Only
    in a folder of this user's; a symbolic link planted at `path` is replaced, never followed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    check_own_folder(path.parent)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, readable_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        if is_disk_full(error) and not isinstance(error, DiskFullError):
            raise DiskFullError(path, path.name) from error
        raise
    fsync_dir(path.parent)


def atomic_write_json(path: Path, data: object) -> None:
    """`data` (plain JSON values, or records: written as their fields, see `to_json_value`) as JSON."""
    atomic_write_text(path, json.dumps(to_json_value(data), indent=2, ensure_ascii=False, default=str) + "\n")


def read_json(path: Path) -> Any:
    return parse_json(read_plain(path))


class EventLog:
    """Appends one JSON line per event with one unbuffered write, so a killed process leaves a
    readable log. A write cut short (disk full) is truncated back: the log never ends mid-line
    because of us, and the caller can append the same event again once there is room."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = open_own(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)  # less the umask, as open() does
        self._repair_final_newline(self._fd)

    @staticmethod
    def _repair_final_newline(descriptor: int) -> None:
        """A torn last line (no newline) must not swallow the next event: end it first."""
        size = os.fstat(descriptor).st_size
        if size and os.pread(descriptor, 1, size - 1) != b"\n":
            os.write(descriptor, b"\n")

    def append(self, event: Event, durable: bool = False) -> None:
        if self._fd is None:
            raise ValueError(f"{self.path}: the log is closed")
        data = (event.to_json() + "\n").encode("utf-8")
        size = os.fstat(self._fd).st_size
        try:
            written = 0
            while written < len(data):
                written += os.write(self._fd, data[written:])
            if durable:
                os.fsync(self._fd)
        except OSError as error:
            try:
                os.ftruncate(self._fd, size)  # shrinking needs no space
            except OSError:
                pass
            if is_disk_full(error):
                raise DiskFullError(self.path, "events", needed_bytes=MB) from error
            raise

    def close(self) -> None:
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError:
                pass
            os.close(self._fd)
            self._fd = None


@dataclass
class LogRead:
    events: list[Event] = field(default_factory=list)
    bad_lines: int = 0
    torn_tail: bool = False
    """The last line had no newline and did not parse: the writer was killed mid-line."""


def read_events(path: Path, upto: int | None = None) -> LogRead:
    """Read every line that parses (of the first `upto` bytes, if given); count (and skip) torn,
    garbage or non-UTF-8 lines."""
    result = LogRead()
    try:
        raw = read_plain(path, upto)
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
