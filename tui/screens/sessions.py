"""Past sessions from the sessions folder; opening one shows its results and curves, and `u`
continues an interrupted (or stopped) run from its newest complete checkpoint."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from sst2_tui.core.errors import UserError
from sst2_tui.core.events import RunStarted
from sst2_tui.core.storage.sessions import Session, list_sessions, overview
from sst2_tui.core.summary import Status
from sst2_tui.tui.run_view import RunView, view_from_events
from sst2_tui.tui.screens.results import ResultsTable
from sst2_tui.tui.widgets.curve import Curve


def load_runs(session: Session) -> list[tuple[RunView, Path]]:
    views = []
    for record in session.runs():
        started = record.started
        method = started.method if isinstance(started, RunStarted) else (record.config.method if record.config else "?")
        view = view_from_events(record.run_id, method, record.events, record.config, status=record.status)
        if record.summary:
            view.summary = record.summary
        view.folder = record.folder.path
        views.append((view, record.folder.path))
    return views


class SessionsScreen(Screen):
    BINDINGS = [Binding("escape,b,q", "app.pop_screen", "Back")]

    def __init__(self, sessions_dir: Path) -> None:
        super().__init__()
        self.sessions_dir = sessions_dir
        self.sessions: list[Session] = []

    def compose(self) -> ComposeResult:
        yield Label(Text(f"Sessions in {self.sessions_dir} (Enter opens one)", style="bold"))
        yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("session", "created", "runs", "best acc", "status")
        self.sessions = list_sessions(self.sessions_dir)
        problems: list[str] = []
        for session in self.sessions:
            row = overview(session)
            problems += row.problems
            table.add_row(Text(row.name), Text(row.created), Text(str(row.runs)),
                          Text(f"{row.best_accuracy:.4f}" if row.best_accuracy is not None else "-"), Text(row.statuses))
        if problems:
            self.notify(f"{len(problems)} unreadable file(s) skipped, e.g. {problems[0]}", severity="warning",
                        markup=False, timeout=10)
        if not self.sessions:
            table.add_row(Text("no sessions yet"), Text(""), Text(""), Text(""), Text(""))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.sessions):
            self.app.push_screen(SessionDetailScreen(self.sessions[event.cursor_row]))


class SessionDetailScreen(Screen):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back"), Binding("u", "resume_run", "Resume run"),
                Binding("f", "fork", "Fork")]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        runs = load_runs(session)
        self.views = [view for view, _ in runs]
        self.run_dirs = [path for _, path in runs]
        self.highlighted = 0

    def compose(self) -> ComposeResult:
        yield Label(Text(f"Session {self.session.name} (highlight a run to see its curves; u resumes an interrupted run)",
                         style="bold"))
        yield ResultsTable(self.views, id="detail-results")
        with Horizontal(id="charts"):
            yield Curve("training loss", id="loss-chart")
            yield Curve("validation accuracy", id="accuracy-chart", y_range=(0.0, 1.0))
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.views:
            self._show(0)

    @on(DataTable.RowHighlighted, "#results-table")
    def show_highlighted_run(self, event: DataTable.RowHighlighted) -> None:
        self.highlighted = event.cursor_row
        self._show(event.cursor_row)

    def action_fork(self) -> None:
        from sst2_tui.tui.screens.fork_dialog import ask_and_fork

        if 0 <= self.highlighted < len(self.views):
            ask_and_fork(self, self.views[self.highlighted])

    def action_resume_run(self) -> None:
        from sst2_tui.core.run.resume import plan_resume
        from sst2_tui.tui.messages import ResumeRun
        from sst2_tui.tui.run_queue import Resumption

        if not 0 <= self.highlighted < len(self.views):
            return
        view, run_dir = self.views[self.highlighted], self.run_dirs[self.highlighted]
        if not ((status := Status.of(view.status)) and status.is_resumable):
            self.notify(f"{view.run_id} is {view.status}; only an interrupted or stopped run can be resumed.",
                        severity="warning", markup=False)
            return
        try:
            plan = plan_resume(run_dir)
        except UserError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        # The checkpoint is chosen when the resume starts, with the session locked: checked again then.
        self.post_message(ResumeRun(Resumption(plan.config, self.session.path, plan.folder)))
        while len(self.app.screen_stack) > 2:  # back to the dashboard to watch it
            self.app.pop_screen()

    def _show(self, index: int) -> None:
        if 0 <= index < len(self.views):
            self.query_one("#loss-chart", Curve).show(self.views[index].losses)
            self.query_one("#accuracy-chart", Curve).show(self.views[index].accuracies)
