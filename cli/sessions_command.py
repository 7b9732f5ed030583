"""`sst2-tui sessions [--json]`: saved sessions and the state of each run (live runs with their pid,
step and how long since their last event; died runs with their last checkpoint). Unreadable
files are named on stderr and skipped."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape as escape_markup
from rich.table import Table

from sst2_tui.core.records import to_json_value
from sst2_tui.core.storage.queue_file import QueueState
from sst2_tui.core.storage.sessions import RunOverview
from sst2_tui.core.text.words import printable


def escape(text: str) -> str:
    """Text from disk (a folder name, a model path) shown in a terminal: markup escaped and control
    characters made visible, so a name holding escape codes cannot retitle or recolour the terminal."""
    return escape_markup(printable(text))


@dataclass(frozen=True)
class SessionOverview:
    """One session as `sst2-tui sessions` lists it (`--json`: this record as JSON)."""

    name: str
    path: str
    created: str
    runs: list[RunOverview]
    queue: QueueState


def sessions_data(sessions_dir: Path) -> list[SessionOverview]:
    from sst2_tui.core.storage.queue_file import Resume, SessionQueue, queue_state
    from sst2_tui.core.storage.sessions import list_sessions, run_overview

    data = []
    for session in list_sessions(sessions_dir):
        records = session.runs()
        for problem in session.problems + [p for r in records for p in r.problems]:
            sys.stderr.write(f"sst2-tui sessions: warning: {problem}\n")
        waiting = {entry.run_dir for entry in SessionQueue(session.path).entries() if isinstance(entry, Resume)}
        data.append(SessionOverview(session.name, str(session.path), str(session.meta.get("created", "")),
                                    [run_overview(record, record.folder.path in waiting) for record in records],
                                    queue_state(session.path)))
    return data


def _detail(run: RunOverview) -> str:
    state = _state(run)
    return f"{run.forked}; {state}" if run.forked and state else run.forked or state


def _state(run: RunOverview) -> str:
    if run.queued:
        return "waits in the queue to go on" + (f" from step {run.last_checkpoint_step}" if run.last_checkpoint_step else "")
    if run.status.is_live:
        return f"pid {run.pid}, last event {run.seconds_since_last_event or 0:.0f} s ago"
    if run.status.is_resumable and run.last_checkpoint_step is not None:
        return f"resumable from step {run.last_checkpoint_step}"
    return ""


def sessions_command(sessions_dir: Path, as_json: bool = False) -> int:
    data = sessions_data(sessions_dir)
    if as_json:
        print(json.dumps(to_json_value(data), indent=2))
        return 0
    console = Console()
    if not data:
        console.print(f"no sessions in {escape(str(sessions_dir))}")
        return 0
    table = Table(title=f"sessions in {escape(str(sessions_dir))}",
                  caption=f"a report: sst2-tui report {escape(str(sessions_dir))}/NAME")
    for column in ("session / run", "status", "step", "best acc", ""):
        table.add_column(column, justify="right" if column in ("step", "best acc") else "left",
                         overflow="fold" if column == "session / run" else "ellipsis")
    for session in data:
        table.add_row(f"[bold]{escape(session.name)}[/]", "", "", "", escape(session.created[:16]))
        for run in session.runs:
            step = f"{run.step}/{run.total_steps}" if run.total_steps else str(run.step)
            best = f"{run.best_val_accuracy:.4f}" if run.best_val_accuracy is not None else "-"
            status = f"queued (was {run.status})" if run.queued else str(run.status)
            table.add_row("  " + escape(run.run_id), status, step, best, escape(_detail(run)))
        if not session.runs:
            table.add_row("  (no runs)", "", "", "", "")
        queue = session.queue
        if queue.stalled:
            table.add_row(f"  queue: {queue.waiting} waiting", "[red]stalled[/]", "", "",
                          f"its runner was killed; restart it: sst2-tui queue-runner {escape(session.path)} --start")
        elif queue.waiting:
            table.add_row(f"  queue: {queue.waiting} waiting", "queued", "", "", "the session's queue runner starts them")
    console.print(table)
    return 0
