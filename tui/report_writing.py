"""`x`: write a session's report (html, md, csv, json) off the UI thread and say where, or why not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sst2_tui.core.errors import why_not_written


def write_and_tell(session_dir: Path, tell: Callable[..., object]) -> None:
    """On a worker thread; `tell(text, severity=...)` reaches the user (the app's notify, through
    `call_from_thread`)."""
    from sst2_tui.core.report.files import write_report

    try:
        written = write_report(session_dir).paths
    except OSError as error:
        where = error.filename or session_dir
        tell(f"Export failed writing {where}: {why_not_written(error)}. Then press x again; earlier report files are "
             "unchanged.", severity="error")
        return
    tell(f"Report written: {written[0].parent}/report.html (and .md, .csv, .json)", severity="information")
