"""How each event and each device is worded, once, for every front end: the app's log and device
panel, the command line's progress lines, the report's timeline, summaries and model cards."""

from __future__ import annotations

from sst2_tui.core.config import format_rate
from sst2_tui.core.events import (
    SETTING_OF,
    Checkpoint,
    Control,
    DiskFull,
    Eval,
    Event,
    Exported,
    Nonfinite,
    Paused,
    Resumed,
    RunFailed,
    WarningEvent,
)

PAUSE_REASONS = {"nonfinite": " (NaN)", "disk_full": " (disk full)"}


def event_line(event: Event, detail: bool = False) -> str | None:
    """The event as one line ("step 12: non-finite loss, paused"); `detail` adds the diagnosis a
    record keeps (the report). None for events that are not lines (steps, predictions, the start)."""
    step = f"step {getattr(event, 'step', '?')}: "
    if isinstance(event, Eval):
        own = f", {event.metric_name} {event.metric:.4f}" if event.metric_name and event.metric is not None else ""
        return step + f"val acc {event.accuracy:.4f} (best {event.best_accuracy:.4f}, n={event.n}{own})"
    if isinstance(event, Control):
        return _control_line(event, step)
    if isinstance(event, Paused):
        return step + Paused.type + PAUSE_REASONS.get(event.reason, "")
    if isinstance(event, Resumed):
        return step + "resumed"
    if isinstance(event, Nonfinite):
        restored = f"; weights restored from step {event.restored_step}" if event.restored_step is not None else ""
        return step + f"non-finite {event.what}, {event.action}{restored}" + (f": {event.diagnosis}" if detail else "")
    if isinstance(event, Checkpoint):
        return step + f"checkpoint ({event.reason})"
    if isinstance(event, Exported):
        accuracy = f" (val acc {event.accuracy:.4f})" if event.accuracy is not None else ""
        return step + f"exported {event.what}{accuracy}"
    if isinstance(event, DiskFull):
        return step + event.message
    if isinstance(event, WarningEvent):
        return event.message if event.code == "resumed" else f"warning: {event.message}"
    if isinstance(event, RunFailed):
        return f"failed: {event.error}"
    return None


def _control_line(event: Control, step: str) -> str | None:
    kind = event.command.kind
    if kind in SETTING_OF:
        name = SETTING_OF[kind]
        old, new = format_rate(event.old), format_rate(event.new)
        return step + (f"{name} {old} -> {new}" if old != new else f"{name} stays {new}")
    if kind == "stop":
        return step + "stop requested"
    return None


def printable(text: str) -> str:
    """`text` with every control or unprintable character shown as its escape (`\\x1b`), for a
    terminal: a name from disk must not move the cursor, retitle the window or ring the bell."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


NO_SPREAD = "n=1: no spread"


def mean_std_text(mean: float | None, std: float | None, digits: int = 1) -> str:
    """An accuracy's mean ± std over runs in points (`85.0 ± 7.1`), worded once for every screen and
    report: one run has no spread (`70.0 (n=1: no spread)`, never `± 0.0`); nothing is `-`."""
    if mean is None:
        return "-"
    shown = f"{100 * mean:.{digits}f}"
    return f"{shown} ± {100 * std:.{digits}f}" if std is not None else f"{shown} ({NO_SPREAD})"
