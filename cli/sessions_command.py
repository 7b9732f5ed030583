"""`sst2-tui sessions`: a table of saved sessions; unreadable files are named on stderr and skipped."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def sessions_command(sessions_dir: Path) -> int:
    from core.storage.sessions import list_sessions, overview

    console = Console()
    rows = [overview(session) for session in list_sessions(sessions_dir)]
    for problem in (p for row in rows for p in row.problems):
        sys.stderr.write(f"sst2-tui sessions: warning: {problem}\n")
    if not rows:
        console.print(f"no sessions in {escape(str(sessions_dir))}")
        return 0
    table = Table(title=f"sessions in {escape(str(sessions_dir))}",
                  caption=f"a report: sst2-tui report {escape(str(sessions_dir))}/NAME")
    for column in ("name", "date", "runs", "best accuracy", "status"):
        table.add_column(column, justify="right" if column in ("runs", "best accuracy") else "left",
                         overflow="fold" if column == "name" else "ellipsis")
    for row in rows:
        best = f"{row.best_accuracy:.4f}" if row.best_accuracy is not None else "-"
        table.add_row(escape(row.name), escape(row.created), str(row.runs), best, escape(row.statuses))
    console.print(table)
    return 0
