"""Files read back from a run or session folder are checked for types, not only for syntax: a
hand-edited or damaged file is reported by its path and skipped, never a traceback.

Each reader returns the value (or None) and a problem (or None) that names the file and field.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from pathlib import Path
from typing import Any

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import quote
from sst2_tui.core.events import value_matches
from sst2_tui.core.json_text import parse_json
from sst2_tui.core.summary import STATUSES, summary_types

SUMMARY_TYPES: dict[str, Any] = {**summary_types(), "run_id": str, "status": str}
"""A summary read back: each known field of the type `core/summary.Summary` declares."""


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


def summary_problem(summary: dict[str, Any]) -> str | None:
    """Why a run summary cannot be used, or None."""
    for name, hint in SUMMARY_TYPES.items():
        if name in summary and not value_matches(summary[name], hint):
            return f"field {name!r} is {quote(summary[name], 40)}, not {_type_name(hint)}"
    for name in ("best_val_accuracy", "final_val_accuracy"):
        value = summary.get(name)
        if value is not None and not (math.isfinite(value) and 0.0 <= value <= 1.0):
            return f"field {name!r} is {value!r}, not an accuracy between 0 and 1"
    if "status" in summary and summary["status"] not in STATUSES:
        return f"field 'status' is {quote(summary['status'], 40)}, not one of {', '.join(STATUSES)}"
    return None


def config_problem(config: dict[str, Any]) -> str | None:
    """Why a saved run config cannot be used, or None (unknown keys from newer versions are fine)."""
    hints = _config_types()
    for name, value in config.items():
        if name in hints and not value_matches(value, hints[name]):
            return f"field {name!r} is {quote(value, 40)}, not {_type_name(hints[name])}"
    return None


def read_summary(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    summary, problem = read_object(path)
    if summary is not None and (why := summary_problem(summary)):
        return None, f"{path}: {why}; skipped"
    return summary, problem


def read_config(path: Path) -> tuple[dict[str, Any], str | None]:
    config, problem = read_object(path)
    if config is not None and (why := config_problem(config)):
        return {}, f"{path}: {why}; skipped"
    return config or {}, problem


def _config_types() -> dict[str, Any]:
    hints = typing.get_type_hints(RunConfig)
    return {f.name: hints[f.name] for f in dataclasses.fields(RunConfig)}


def _type_name(hint: Any) -> str:
    names = {int: "a whole number", float: "a number", str: "text", dict: "an object", list: "a list", type(None): "null"}
    args = typing.get_args(hint) or (hint,)
    return " or ".join(names.get(typing.get_origin(a) or a, str(a)) for a in args)
