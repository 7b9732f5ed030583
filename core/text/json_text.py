"""The one JSON parser for everything sst2-tui reads (configs, summaries, sessions, event lines,
control lines, the queue, predict input, checkpoint metadata): whatever the bytes, it returns a
value or raises ValueError with a short reason, never RecursionError, UnicodeError or OverflowError.

What it refuses beyond json's own syntax: invalid UTF-8, nesting deeper than MAX_DEPTH (the C
scanner recurses: a 4,001-byte `[[[...` line was a RecursionError), a lone surrogate in a string
(`"\\ud800"` cannot be written back out, printed or tokenized), whole numbers past 64 bits (a
401-digit number overflowed every float() after it)."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64
MAX_WHOLE = 2**63


def parse_json(data: str | bytes) -> Any:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValueError(f"not UTF-8 (byte {error.start})") from None
    if nested_deeper_than(data, MAX_DEPTH):
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg} at line {error.lineno} column {error.colno})") from None
    _check_values(value)
    return value


def nested_deeper_than(text: str, limit: int) -> bool:
    """A quick bound on bracket nesting (brackets inside strings count too: an overestimate is safe).
    Also the bound for TOML (`read_config_file`), whose parser recurses per level too."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def _check_values(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("a string holds a lone surrogate (not text)") from None
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= MAX_WHOLE:
            raise ValueError("a whole number past 64 bits")
