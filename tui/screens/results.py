"""Side-by-side results: one row per run, then the effective settings that differ between runs."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from sst2_tui.core.report.compare import COLUMNS, differing_settings, result_row, session_notes, setting_text, settings_of
from sst2_tui.core.summary import Status, Summary
from sst2_tui.tui.run_view import RunView
from sst2_tui.tui.widgets.curve import Curve
from sst2_tui.tui.widgets.device_panel import describe_device


def rows_for(views: list[RunView]) -> list[dict[str, str]]:
    return [result_row(v.run_id, v.config, v.summary or _live_summary(v), describe_device(v.device) if v.device else "-",
                       v.status, v.trainable_params, v.total_params) for v in views]


def _live_summary(view: RunView) -> Summary:
    # the rates it trains with now (`l` and `e` change them mid-run), shown as "start -> now"
    return Summary(run_id=view.run_id, best_val_accuracy=view.best_accuracy, final_val_accuracy=view.accuracy,
                   precision=view.precision, train_samples_per_second=view.samples_per_second,
                   final_lr=view.lr, final_eps=view.eps, status=Status.of(view.status) or Status.LIVE)


# What matters most fits 80 columns; the rest shows for the highlighted run below the table, or as
# columns on a terminal wide enough for all of them. A sweep's points add their setting and seed.
NARROW_COLUMNS = ("run", "method", "best acc", "final acc", "s/epoch", "samples/s", "status")
NARROW_SWEEP_COLUMNS = ("run", "method", "point", "best acc", "s/epoch", "status")
ALL_COLUMNS_FROM_WIDTH = 150


def settings_table(views: list[RunView]) -> tuple[list[str], list[list[str]]]:
    """The settings that differ as a table: a row per setting, a column per run (`-`: never started)."""
    settings = [settings_of(v.config, v.effective) for v in views]
    keys = differing_settings(settings)
    header = ["setting", *(v.run_id for v in views)]
    return header, [[key, *(setting_text(key, one.get(key)) if one else "-" for one in settings)] for key in keys]


def accuracy_series(views: list[RunView]) -> dict[str, list[tuple[int, float]]]:
    """Each run's validation accuracy by step, labelled `01-full`: the methods compared on one chart."""
    return {v.run_id: v.accuracies for v in views if v.accuracies}


def family_of(views: list[RunView], run_id: str) -> list[RunView]:
    """The run's family (its root, the runs forked from it, from those, ...) in table order; just the run
    where nothing was forked from it and it is no fork."""
    by_id = {v.run_id: v for v in views}

    def parent(view: RunView) -> str | None:
        return view.config.fork.parent if view.config is not None and view.config.fork is not None else None

    root, seen = run_id, {run_id}
    while (up := parent(by_id[root])) in by_id and up not in seen:
        root = up
        seen.add(up)
    members = {root}
    grew = True
    while grew:
        found = {v.run_id for v in views if parent(v) in members} - members
        members |= found
        grew = bool(found)
    return [v for v in views if v.run_id in members]


def family_lines(views: list[RunView], view: RunView) -> list[str]:
    """The highlighted run's family as the report draws it: its lineage tree (80 columns) and, for a
    fork, did the change help? (read from the family's run folders; nothing for a run of no family)."""
    family = family_of(views, view.run_id)
    if len(family) < 2 or any(member.folder is None for member in family):
        return []
    from sst2_tui.core.report.forks import families_of
    from sst2_tui.core.storage.sessions import RunFolder, load_run

    [found] = families_of([load_run(RunFolder(member.folder)) for member in family if member.folder is not None])
    return [*found.tree, *(answer.text() for answer in found.answers if answer.child == view.run_id)]


class ResultsTable(Vertical):
    """The results table and the settings that differ, reusable by the sessions browser; with
    `compare_chart`, one accuracy chart with a line per run between the two."""

    def __init__(self, views: list[RunView], *, compare_chart: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.views = views
        self.rows = rows_for(views)
        self.settings = settings_table(views)
        self.columns: tuple[str, ...] = COLUMNS
        self.compare_chart = compare_chart
        self._family_lines: dict[int, list[str]] = {}
        """Each row's family lines, read once (reading a family's folders is too slow for every arrow key)."""

    def compose(self) -> ComposeResult:
        yield Label(Text("Results (validation accuracy)", style="bold"))
        yield DataTable(id="results-table", zebra_stripes=True, cursor_type="row")
        yield Static("", id="row-detail")
        notes = session_notes([(v.run_id, v.config, v.best_accuracy) for v in self.views])
        if notes:
            yield Static(Text("\n".join(notes), style="italic"), id="result-notes")
        if self.compare_chart:
            yield Curve("validation accuracy by step, one line per run", id="compare-chart", y_range=(0.0, 1.0))
        rows = self.settings[1]
        empty = "no differences" if len(self.views) > 1 else "one run: nothing to compare"
        yield Label(Text("Settings that differ between runs" + ("" if rows else f": {empty}"), style="bold"),
                    id="diff-title")
        # a row per setting, a column per run: more than a short terminal holds scrolls, both ways
        yield DataTable(id="diff-box", zebra_stripes=True, cursor_type="row")

    def on_mount(self) -> None:
        narrow = self.app.size.width < ALL_COLUMNS_FROM_WIDTH
        points = any(row["point"] for row in self.rows)
        self.columns = (NARROW_SWEEP_COLUMNS if points else NARROW_COLUMNS) if narrow else \
            tuple(c for c in COLUMNS if c != "point" or points)
        header, rows = self.settings
        diff = self.query_one("#diff-box", DataTable)
        diff.fixed_columns = 1  # the setting's name stays while the runs scroll past
        diff.add_columns(*header)
        for setting in rows:
            diff.add_row(Text(setting[0], style="bold"), *(Text(cell) for cell in setting[1:]))
        diff.set_class(not rows, "-empty")  # a class, not display: the stylesheet decides when it shows
        table = self.query_one("#results-table", DataTable)
        table.add_columns(*self.columns)
        for row in self.rows:
            table.add_row(*(Text(row[c]) for c in self.columns))
        forks = any(v.config is not None and v.config.fork is not None for v in self.views)  # a family's tree shows
        self.query_one("#row-detail").display = (narrow or forks) and bool(self.rows)
        if self.rows:
            self.show_detail(0)
        if self.compare_chart:
            chart = self.query_one("#compare-chart", Curve)
            chart.show_series(accuracy_series(self.views))
            if not accuracy_series(self.views):  # (an inline display would override the stylesheet's turns)
                chart.display = False

    @on(DataTable.RowHighlighted, "#results-table")
    def show_highlighted_run(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail(event.cursor_row)
        if self.compare_chart and 0 <= event.cursor_row < len(self.views):
            # a run of a family: the parent's curve and each fork's from its branch step, alone on the chart
            family = family_of(self.views, self.views[event.cursor_row].run_id)
            shown = family if len(family) > 1 else self.views
            self.query_one("#compare-chart", Curve).show_series(accuracy_series(shown))

    def show_detail(self, index: int) -> None:
        """The highlighted run's other columns, as `name value` pairs that wrap."""
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        text = Text()
        text.append(f"{row['run']}: ", style="bold")
        text.append("  ".join(f"{name} {row[name]}" for name in COLUMNS if name not in self.columns and row[name]))
        if index < len(self.views) and index not in self._family_lines:
            self._family_lines[index] = family_lines(self.views, self.views[index])
        if lines := self._family_lines.get(index):
            text.append("\n" + "\n".join(lines))
        self.query_one("#row-detail", Static).update(text)


# Below this height the chart and the settings take turns under the table (`c`); above, both show.
BOTH_FROM_HEIGHT = 36


class ResultsScreen(Screen):
    BINDINGS = [Binding("escape,r,q", "app.pop_screen", "Back"),
                Binding("c", "toggle_compare", "Chart/settings"),
                Binding("f", "fork", "Fork")]

    def __init__(self, views: list[RunView], title: str = "") -> None:
        super().__init__()
        self.views = views
        self.title_text = title

    def compose(self) -> ComposeResult:
        if self.title_text:
            yield Label(Text(self.title_text, style="bold"))
        if not self.views:
            yield Label("No runs in this session yet.")
        yield ResultsTable(self.views, compare_chart=True, id="results")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._layout()

    def on_resize(self) -> None:
        self._layout()

    def _takes_turns(self) -> bool:
        return self.size.height < BOTH_FROM_HEIGHT and bool(accuracy_series(self.views))

    def _layout(self) -> None:
        self.set_class(self._takes_turns(), "-turns")
        self.refresh_bindings()

    def action_fork(self) -> None:
        from sst2_tui.tui.screens.fork_dialog import ask_and_fork

        row = self.query_one("#results-table", DataTable).cursor_row
        if 0 <= row < len(self.views):
            ask_and_fork(self, self.views[row])

    def action_toggle_compare(self) -> None:
        self.toggle_class("-settings")
        # the arrow keys scroll the settings now (once shown: a hidden widget takes no focus)
        shown = "#diff-box" if self.has_class("-settings") else "#results-table"
        self.call_after_refresh(self.query_one(shown).focus)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self._takes_turns() if action == "toggle_compare" else True
