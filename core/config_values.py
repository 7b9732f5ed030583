"""A run setting's values as a person types and reads them: a learning rate or eps parsed and shown
the same way everywhere, a weight decay parsed, and the error that names the field a value is wrong
for (`ConfigError`). Out of `config.py`, which re-exports them; one place each."""

from __future__ import annotations

import math

from sst2_tui.core.errors import UserError, quote


def format_rate(value: object) -> str:
    """A learning rate or eps the same way everywhere: `1e-3`, `2.5e-4`, `1e-8` (`-` when unknown)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "-"
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"



class ConfigError(UserError, ValueError):
    """A configuration value is out of range; `field` names the offending field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


def parse_rate(text: str | float, what: str = "learning rate") -> float:
    """Parse a learning rate or eps typed by a person: finite, > 0 and <= 1, spaces trimmed."""
    if isinstance(text, str):
        stripped = text.strip()
        if not stripped:
            raise ValueError(f"{what} is empty; type a number such as 2e-5")
        try:
            value = float(stripped)
        except ValueError:
            raise ValueError(f"{what} {quote(stripped)} is not a number; type one such as 2e-5") from None
    elif isinstance(text, bool) or not isinstance(text, int | float):
        raise ValueError(f"{what} must be a number, not {quote(text)}")
    else:
        try:
            value = float(text)
        except OverflowError:  # a whole number past float range (10**400)
            raise ValueError(f"{what} must be at most 1, not {quote(text, 20)}") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, not {value}")
    if value <= 0:
        raise ValueError(f"{what} must be greater than 0, not {value:g}")
    if value > 1:
        raise ValueError(f"{what} must be at most 1, not {value:g}")
    return value


def parse_weight_decay(text: str | float) -> float:
    """Parse an AdamW weight decay typed by a person: a number in [0, 1), spaces trimmed."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise ValueError(f"weight decay must be a number, not {quote(text)}")
    try:
        value = float(text.strip() if isinstance(text, str) else text)
    except (ValueError, OverflowError):
        raise ValueError(f"weight decay {quote(text)} is not a number; type one such as 0.01") from None
    if not 0 <= value < 1:  # NaN fails this too
        raise ValueError(f"weight decay must be from 0 to below 1, not {value:g}")
    return value
