"""`--margin POINTS` (`sweep`, `report`) and the new-run form's margin field: one reader of the margin of
practical equivalence, so every place that takes one refuses the same values with the same line."""

from __future__ import annotations

from sst2_tui.core.errors import UserError, quote

MAX_MARGIN = 50.0


def margin_points(text: str | None, flag: str = "--margin") -> float | None:
    """Accuracy points above 0 and at most 50; None when not given (empty)."""
    if text is None or not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_MARGIN:  # NaN fails this too
        raise UserError(f"{flag} {quote(text)}: give accuracy points above 0 and at most {MAX_MARGIN:g}, e.g. 2 "
                        "(two methods within ±2 points are practically the same)")
    return value
