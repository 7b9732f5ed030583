"""Files read back from a run or session folder are checked for types, not only for syntax: a
hand-edited or damaged file is reported by its path and skipped, never a traceback.

Each reader returns the value (or None) and a problem (or None) that names the file and field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import quote
from sst2_tui.core.json_text import parse_json
from sst2_tui.core.records import RecordError, field_types, type_name, value_matches
from sst2_tui.core.summary import Summary


def read_object(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """A JSON object from `path`; (None, None) when the file does not exist."""
    if not path.exists():
        return None, None
    try:
        value = parse_json(path.read_bytes())
    except (OSError, ValueError) as error:
        return None, f"{path}: unreadable ({str(error)[:80]}); skipped"
    if not isinstance(value, dict):
        return None, f"{path}: holds a JSON {type(value).__name__}, not an object; skipped"
    return value, None


def config_problem(config: dict[str, Any]) -> str | None:
    """Why a saved run config cannot be used, or None (unknown keys from newer versions are fine)."""
    hints = field_types(RunConfig)
    for name, value in config.items():
        if name in hints and not value_matches(value, hints[name]):
            return f"field {name!r} is {quote(value, 40)}, not {type_name(hints[name])}"
    return None


def read_summary(path: Path) -> tuple[Summary | None, str | None]:
    data, problem = read_object(path)
    if data is None:
        return None, problem
    try:
        return Summary.from_json(data), None
    except RecordError as error:
        return None, f"{path}: {error}; skipped"


def read_config(path: Path) -> tuple[dict[str, Any], str | None]:
    config, problem = read_object(path)
    if config is not None and (why := config_problem(config)):
        return {}, f"{path}: {why}; skipped"
    return config or {}, problem
