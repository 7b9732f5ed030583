"""`sst2-tui sessions`: a table of saved sessions."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def session_rows(sessions_dir: Path) -> list[dict]:
    from core.storage.sessions import list_sessions

    rows = []
    for session in list_sessions(sessions_dir):
        runs = session.runs()
        accuracies = [r.summary.get("best_val_accuracy") for r in runs if r.summary and r.summary.get("best_val_accuracy") is not None]
        statuses = sorted({r.status for r in runs})
        rows.append({"name": session.name, "date": session.meta.get("created", ""), "runs": len(runs),
                     "best": max(accuracies) if accuracies else None, "status": ", ".join(statuses) or "empty"})
    return rows


def sessions_command(sessions_dir: Path) -> int:
    console = Console()
    rows = session_rows(sessions_dir)
    if not rows:
        console.print(f"no sessions in {escape(str(sessions_dir))}")
        return 0
    table = Table(title=f"sessions in {escape(str(sessions_dir))}")
    for column in ("name", "date", "runs", "best accuracy", "status"):
        table.add_column(column, justify="right" if column in ("runs", "best accuracy") else "left")
    for row in rows:
        best = f"{row['best']:.4f}" if row["best"] is not None else "-"
        table.add_row(escape(row["name"]), escape(row["date"]), str(row["runs"]), best, escape(row["status"]))
    console.print(table)
    return 0
