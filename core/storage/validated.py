"""Files read back from a run or session folder are checked for types, not only for syntax: a
hand-edited or damaged file is reported by its path and skipped, never a traceback.

Each reader returns the value (or None) and a problem (or None) that names the file and field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sst2_tui.core.config import RunConfig
from sst2_tui.core.records import RecordError
from sst2_tui.core.storage.own_files import read_plain
from sst2_tui.core.summary import Summary
from sst2_tui.core.text.json_text import parse_json


def read_object(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """A JSON object from `path`; (None, None) when the file does not exist."""
    if not path.exists():
        return None, None
    try:
        value = parse_json(read_plain(path))
    except (OSError, ValueError) as error:
        return None, f"{path}: unreadable ({str(error)[:80]}); skipped"
    if not isinstance(value, dict):
        return None, f"{path}: holds a JSON {type(value).__name__}, not an object; skipped"
    return value, None


R = TypeVar("R")


def read_record(path: Path, read: Callable[[dict[str, object]], R]) -> tuple[R | None, str | None]:
    """A JSON record file through its reader (`Summary.from_json`, `RunConfig.from_json`: each raises
    RecordError naming the field); None and the problem, naming the file, where it is missing or
    does not read."""
    data, problem = read_object(path)
    if data is None:
        return None, problem
    try:
        return read(data), None
    except RecordError as error:
        return None, f"{path}: {error}; skipped"


def read_jsonl_records(path: Path, read: Callable[[dict[str, object]], R],
                      limit: int | None = None) -> tuple[list[R], str | None]:
    """Each line of a JSON-lines file through its reader (raising RecordError or ValueError that names
    the field), in order; at a damaged line, those before it and the problem, naming the file and
    line. A missing file has none; a last line without its newline (torn by a kill while it was
    written, or cut at `limit` bytes) is left out."""
    try:
        data = read_plain(path, limit)
    except FileNotFoundError:
        return [], None
    except OSError as error:
        return [], f"{path}: unreadable ({error.strerror})"
    found: list[R] = []
    for number, line in enumerate(data.split(b"\n")[:-1], start=1):
        if not line.strip():
            continue
        try:
            value = parse_json(line)
            if not isinstance(value, dict):
                raise RecordError("not a JSON object")
            found.append(read(value))
        except (ValueError, RecordError) as error:
            return found, f"{path} line {number}: {str(error)[:120]}"
    return found, None


def read_summary(path: Path) -> tuple[Summary | None, str | None]:
    return read_record(path, Summary.from_json)


def read_config(path: Path) -> tuple[RunConfig | None, str | None]:
    """A run's config.json as a RunConfig (keys of a newer version ignored)."""
    return read_record(path, RunConfig.from_json)
