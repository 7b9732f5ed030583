"""`g`: a sweep as a grid (methods x settings: state, runs done of all, mean accuracy so far) and its
running points, one line each with their last loss and accuracy; Enter on one follows it on the
dashboard, where space, l, e and s steer it as any run. `c` shows instead one chart per method: its
best setting's mean validation curve over seeds between dotted ±1 std edges (the report's bands).
Under the grid, the verdict so far (worked out again each time a run finishes). Read from the
session on a worker thread once a second."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Label, Static

from sst2_tui.core.report.sweep_verdict import SweepVerdict
from sst2_tui.core.storage.decisions_file import DecisionKind
from sst2_tui.core.sweep.state import GoingPoint, GridState
from sst2_tui.tui.widgets.curve import Curve


class FollowPoint(Message):
    """Up to the app: follow this running point's run folder on the dashboard."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__()
        self.run_dir = run_dir


def verdict_text(verdict: SweepVerdict, state: GridState) -> str:
    """The verdict panel: the answer first, pair by pair (`sweep`'s and the report's words: "Verdict"
    only once no run is left to come, "So far (...)" before), then the numbers it compares (each
    method's judged runs on the judging half), then what it rests on."""
    unstarted = verdict.unstarted_lines()
    if verdict.tasks:  # across tasks: the task x method table and the line across first, then each task's verdict
        return "\n".join(verdict.lines()[1:])
    if verdict.problem:
        return "\n".join([f"So far ({state.finished} of {state.total} runs): no verdict yet ({verdict.problem})", *unstarted])
    raced = [f"  {cell.method} {cell.setting}: {cell.dropped}" for cell in state.cells if cell.dropped]
    stopped = [f"  {d.text}" for d in verdict.decisions if d.kind == DecisionKind.END]
    return "\n".join([*verdict.answer_lines(), *unstarted, *verdict.judged_lines(), *verdict.collapsed_lines(), *stopped, *raced,
                      *verdict.dropped_lines(), *verdict.caveats()])


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


class SweepScreen(Screen):
    # Short words, and g (this screen) left out of the footer: at 80 columns every other key shows.
    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("c", "toggle_curves", "Curves"),
                Binding("g", "noop", "Sweep", show=False)]

    def __init__(self, session_path: Path) -> None:
        super().__init__()
        self.session_path = session_path
        self.going: list[GoingPoint] = []
        self.curves_shown = False
        self._verdict_of: tuple[int, int] | None = None
        """How many runs had finished, and points failed to start, when the verdict was last worked out
        (it changes only then)."""
        self.collapsed: dict[tuple[str, str, str, bool], int] = {}
        """Per task, method, setting and confirmation: its runs that answer one class everywhere (from the verdict)."""
        self._task_column = False
        """A sweep across tasks shows a task column first (added once its points are read)."""

    def compose(self) -> ComposeResult:
        yield Label(f"Sweep {self.session_path.name}: reading...", id="sweep-title")
        yield DataTable(id="sweep-grid", cursor_type="none", zebra_stripes=True)
        with VerticalScroll(id="sweep-verdict-box"):  # the answer first; the rest scrolls, never cut
            yield Static("", id="sweep-verdict")
        yield Label("Running now (Enter follows the highlighted one)", id="sweep-running-title")
        yield DataTable(id="sweep-running", cursor_type="row")
        yield Label("Best setting per method: mean validation accuracy over seeds, ±1 std dotted",
                    id="sweep-curves-title")
        yield Horizontal(id="sweep-curves")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#sweep-grid", DataTable).add_columns("method", "setting", "state", "done", "mean acc % (all)")
        self.query_one("#sweep-running", DataTable).add_columns("run", "point", "seed", "step", "loss", "acc %")
        self.query_one("#sweep-running", DataTable).focus()
        self.refresh_grid()
        self.set_interval(1.0, self.refresh_grid)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sweep")
    def refresh_grid(self) -> None:
        from sst2_tui.core.storage.sessions import Session
        from sst2_tui.core.sweep.state import grid_state

        session = Session.open(self.session_path)
        state = grid_state(session)
        self.app.call_from_thread(self._show, state)
        ended = (state.finished, sum(cell.unstarted for cell in state.cells))
        if ended != self._verdict_of:
            from sst2_tui.core.report.sweep_verdict import sweep_verdict

            self._verdict_of = ended
            verdict = sweep_verdict(session)
            collapsed = {(task, row.method, row.setting, row.confirmation): row.collapsed
                         for task, part in verdict.each_task() for row in part.table if row.collapsed}
            self.app.call_from_thread(self._show_verdict, verdict_text(verdict, state), collapsed, state)
        if self.curves_shown:
            from sst2_tui.core.report.content import session_report
            from sst2_tui.core.report.sweep_layout import seed_bands

            data = session_report(session)
            bands = seed_bands(data.sweep, data.runs) if data.sweep else []
            self.app.call_from_thread(self._show_bands, bands)

    def action_noop(self) -> None:
        """g on the sweep screen: already here."""

    def action_toggle_curves(self) -> None:
        self.curves_shown = not self.curves_shown
        self.set_class(self.curves_shown, "-curves")
        if self.curves_shown:
            self.refresh_grid()

    def _show_verdict(self, text: str, collapsed: dict[tuple[str, str, str, bool], int], state: GridState) -> None:
        self.query_one("#sweep-verdict", Static).update(text)
        if collapsed != self.collapsed:
            self.collapsed = collapsed
            self._show(state)

    def _show_bands(self, bands: list) -> None:
        """One chart per method, each titled by its method and setting and how many seeds it holds,
        all on one shared y axis (a method that learns less must look lower, not the same)."""
        box = self.query_one("#sweep-curves", Horizontal)
        title = self.query_one("#sweep-curves-title", Label)
        if not bands:
            title.update("Best setting per method: no point has finished yet")
            return
        title.update("Best setting per method: mean validation accuracy over seeds, ±1 std dotted")
        panes: list[Widget] = list(box.query(".sweep-chart"))
        for _ in range(len(panes), len(bands)):
            added = Vertical(Label("", classes="sweep-chart-title"), Curve("", y_range=(0.0, 1.0)), classes="sweep-chart")
            box.mount(added)
            panes.append(added)
        values = [v for band in bands for _, m, d in band.points for v in (m - d, m + d)]
        low, high = max(0.0, min(values) - 0.02), min(1.0, max(values) + 0.02)
        if high <= low:
            low, high = max(0.0, low - 0.05), min(1.0, high + 0.05)
        for band, pane in zip(bands, panes, strict=False):
            pane.query_one(".sweep-chart-title", Label).update(f"{band.label}: {band.seeds} seed(s)")
            chart = pane.query_one(Curve)
            chart.set_y_range(low, high)
            mean = [(int(s), m) for s, m, _ in band.points]
            chart.show_series({"mean": mean, "+1 std": [(int(s), m + d) for s, m, d in band.points],
                               "-1 std": [(int(s), m - d) for s, m, d in band.points]},
                              markers={"+1 std": "dot", "-1 std": "dot"})

    def _show(self, state: GridState) -> None:
        self.query_one("#sweep-title", Label).update(
            f"Sweep {self.session_path.name}: {state.finished} of {state.total_text()} runs finished")
        grid = self.query_one("#sweep-grid", DataTable)
        grid.clear()
        if any(cell.task for cell in state.cells) and not self._task_column:
            self._task_column = True
            grid.clear(columns=True)
            grid.add_columns("task", "method", "setting", "state", "done", "mean acc % (all)")
        for cell in state.cells:
            setting = cell.setting + (" (confirm)" if cell.confirmation else "")
            collapsed = self.collapsed.get((cell.task, cell.method, cell.setting, cell.confirmation), 0)
            grid.add_row(*([cell.task] if self._task_column else []), cell.method, setting,
                         cell.state + (f", {collapsed} collapsed" if collapsed else ""),
                         f"{cell.finished}/{cell.total}", _pct(cell.mean_accuracy))
        running = self.query_one("#sweep-running", DataTable)
        highlighted = running.cursor_row
        running.clear()
        self.going = state.going
        for point in self.going:
            running.add_row(point.run_id, point.point, str(point.seed), str(point.step),
                            "-" if point.loss is None else f"{point.loss:.4f}", _pct(point.accuracy))
        if self.going:
            running.move_cursor(row=min(highlighted, len(self.going) - 1))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a running point."""
        event.stop()
        if 0 <= event.cursor_row < len(self.going):
            self.post_message(FollowPoint(self.going[event.cursor_row].run_dir))
