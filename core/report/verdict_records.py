"""A sweep's verdict as records: each setting's row, each method's chosen setting, each pair's answer,
what it cost, what was dropped, and the whole `SweepVerdict` with its lines in the words `sweep`,
`report`, the app's `g` and the trackers show (read from a session by `core/report/sweep_verdict.py`)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any

from sst2_tui.core.records import to_json_value
from sst2_tui.core.report.budget import BudgetCurve
from sst2_tui.core.report.collapsed import Collapsed
from sst2_tui.core.stats.across_tasks import AcrossTasks
from sst2_tui.core.stats.comparison import LEVEL
from sst2_tui.core.storage.decisions_file import Decision, DecisionKind
from sst2_tui.core.text.words import mean_std_text

HALVES_NOTE = ("Each run's step and each method's setting are chosen on one fixed, seeded half of the validation "
               "sentences; the verdict is measured on the other half, on fresh confirmation seeds of the chosen setting "
               "where a method was given several, so neither choosing a step nor choosing a setting inflates the winner.")


def _mean_std(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else None)


@dataclass(frozen=True)
class SettingRow:
    """One method and setting: its finished seeds' best accuracies, mean ± std (confirmation runs a row of their own)."""

    method: str
    setting: str
    n: int
    seeds: list[int]
    best_mean: float | None
    best_std: float | None
    seconds_per_epoch: float | None
    confirmation: bool = False
    collapsed: int = 0
    """Its finished runs that answer one class for (almost) every sentence (`core/report/collapsed.py`)."""


@dataclass(frozen=True)
class Chosen:
    """A method's best setting, chosen on the tuning half, and what the verdict judges of it."""

    method: str
    setting: str
    n: int
    """Runs judged."""
    tuning_accuracy: float
    """The chosen setting's grid runs on the tuning half (what chose it)."""
    judged_accuracy: float
    """The runs judged, on the judging half."""
    settings: int = 1
    """How many settings the method was given in the grid."""
    judged_on: str = "grid"
    """`confirmation`: fresh seeds of the chosen setting; `grid`: the grid's runs of it."""

    @property
    def optimistic(self) -> bool:
        """Judged on the seeds that also chose among several settings: a lucky seed flatters it."""
        return self.settings > 1 and self.judged_on == "grid"

    def line(self, tuning: int, judging: int) -> str:
        """`  lora: 88.1%  (lr=3e-4 of 2 settings, chosen on 436 sentences; 3 confirmation runs)`: the
        number the verdict compares first."""
        chose = (f"{self.setting} of {self.settings} settings, chosen on {tuning} sentences" if self.settings > 1
                 else f"{self.setting}, its one setting")
        runs = f"{self.n} confirmation run(s)" if self.judged_on == "confirmation" else f"{self.n} grid run(s)"
        return f"  {self.method}: {100 * self.judged_accuracy:.1f}%  ({chose}; {runs})"


@dataclass(frozen=True)
class PairVerdict:
    """`a` minus `b` at their chosen settings on the judging half, in accuracy points, and what that
    says (`core/comparison.Comparison`, kept as the report's JSON holds it)."""

    a: str
    b: str
    points: float
    low: float
    high: float
    """The interval, simultaneous over all pairs at `level`."""
    level: float
    decision: str
    """`a better`, `b better`, `equivalent` (within ±margin points) or `not resolved`."""
    margin: float
    p_a_better: float | None
    """The chance a fresh seed of `a` beats a fresh seed of `b` on these sentences (None: too few seeds to say)."""
    seeds_share: float
    """The share of the difference's variance that comes from the training seeds (the rest: sentences)."""
    seeds_needed: int | None
    sentence: str
    """The headline and its numbers, as one line."""
    headline: str = ""
    """One sentence to act on (`lora is better than full by about 4.7 points (95% sure ...)`)."""
    details: str = ""
    """The numbers behind it: the interval, its level, the odds where there are seeds enough."""
    df: float = math.nan
    """The interval's degrees of freedom (what the line across tasks reads its variance back with)."""
    family_level: float = LEVEL
    """The level for all pairs together (`level` is this pair's share of it)."""

    @property
    def real(self) -> bool:
        return self.decision in ("a better", "b better")

    @property
    def a_name(self) -> str:
        return self.a

    @property
    def b_name(self) -> str:
        return self.b


@dataclass(frozen=True)
class Cost:
    method: str
    unit: str
    """CPU or GPU: what the hours are of."""
    hours_all_runs: float
    """Device-hours of every run of the method (training and evaluation, all its settings)."""
    hours_per_run: float
    """Device-hours of one run at its chosen setting (training and evaluation)."""


@dataclass(frozen=True)
class Dropped:
    """A method's runs that did not finish, counted and said (a diverged seed is not a silent survivor)."""

    method: str
    count: int
    runs: int
    how: str
    """`1 failed, 1 died`."""


@dataclass
class SweepVerdict:
    """A sweep's verdict, typed; `to_dict` is what the report's JSON holds."""

    runs: int
    runs_finished: int
    table: list[SettingRow]
    not_finished: list[str]
    chosen: list[Chosen] = field(default_factory=list)
    pairs: list[PairVerdict] = field(default_factory=list)
    cost: list[Cost] = field(default_factory=list)
    problem: str | None = None
    tuning_sentences: int = 0
    judging_sentences: int = 0
    note: str = HALVES_NOTE
    dropped: list[Dropped] = field(default_factory=list)
    """Per method, its runs that did not finish (diverged, failed, died, stopped): the verdict rests on the others."""
    budget: list[BudgetCurve] = field(default_factory=list)
    """Per method, the expected best validation accuracy after 1..N of its finished grid points (Tang et al. 2020)."""
    budget_sentences: list[str] = field(default_factory=list)
    """Who is ahead at each budget, in grid points and in device-hours, or where the curves cross."""
    chosen_on_all: int = 0
    """Runs from before per-evaluation logs, whose step was chosen on all the sentences (a small leak)."""
    forks_left_out: list[str] = field(default_factory=list)
    """Forked runs in the sweep's session (`sst2-tui fork`): never part of the verdict, said so."""
    decisions: list[Decision] = field(default_factory=list)
    """`--until-resolved`: every setting dropped or chosen, every look, and why it stopped (decisions.jsonl)."""
    margin: float = 0.0
    """Practical equivalence: within ±margin accuracy points (given with --margin, or the default for these sentences)."""
    margin_text: str = ""
    """Why this margin, in a line."""
    collapsed: list[Collapsed] = field(default_factory=list)
    """Finished runs that answer one class for (almost) every sentence: counted as they scored, named."""
    planned_runs: int = 0
    """The runs the sweep will have in all (its grid and confirmation runs; an `--until-resolved` budget: at most)."""
    planned_exact: bool = True
    confirmations_due: bool = False
    """Confirmation runs are planned and not yet judged (they come once the grid has ended)."""
    to_come: int = 0
    """Runs not ended yet, or not yet added (confirmation runs): while any is, the answer is "so far"."""
    unstarted: list[str] = field(default_factory=list)
    """Points whose process ended before it made a run folder, each with its reason (start-failures.jsonl)."""
    session_dir: str = ""
    """Where the sweep is (what `sweep --resume` is given)."""
    tasks: list[TaskVerdict] = field(default_factory=list)
    """A sweep across tasks (`sweep --data A,B`): each task's own verdict, as a sweep of that task alone
    would give it; empty for a sweep of one task (whose verdict is this record itself)."""
    across: list[AcrossTasks] = field(default_factory=list)
    """A sweep across tasks: per pair of methods, the answers counted and the mean difference over the tasks."""

    def each_task(self) -> list[tuple[str, SweepVerdict]]:
        """(task, its verdict) for each task; `[("", self)]` for a sweep of one task."""
        return [(part.task, part.verdict) for part in self.tasks] if self.tasks else [("", self)]

    @property
    def final(self) -> bool:
        """No run is left to come: the answer is the verdict, not "so far"."""
        return self.to_come == 0 and self.runs > 0

    def answer_word(self) -> str:
        """`Verdict`, or `So far (8 of 12 runs; 4 to come)` while runs are left."""
        if self.final:
            return "Verdict"
        total = f"{self.planned_runs}" if self.planned_exact else f"at most {self.planned_runs}"
        return f"So far ({self.runs_finished} of {total} runs; {self.to_come if self.planned_exact else 'more'} to come)"

    def judged_lines(self) -> list[str]:
        """The numbers the verdict compares: per method, its judged runs on the judging half."""
        if not self.chosen:
            return []
        return [f"Judged on the other {self.judging_sentences} sentences (what the verdict compares):",
                *(chosen.line(self.tuning_sentences, self.judging_sentences) for chosen in self.chosen)]

    def answer_lines(self) -> list[str]:
        """Each pair: its headline after `Verdict:` or `So far (...):`, its numbers indented under it."""
        word = self.answer_word()
        return [line for pair in self.pairs for line in (f"{word}: {pair.headline or pair.sentence}",
                                                          *([f"  {pair.details}"] if pair.details else []))]

    def collapsed_lines(self) -> list[str]:
        return [f"  Collapsed: {c.text()} ({'judged, counted as it scored' if c.judged else 'not judged'})"
                for c in self.collapsed]

    def caveats(self) -> list[str]:
        """What the numbers may include that they should not, said with what would remove it."""
        found = [(f"  {c.method}'s numbers so far are its grid runs, which also chose its setting (a little "
                  "optimistic); its confirmation runs, on fresh seeds, will be judged instead") if self.confirmations_due
                 else (f"  {c.method}'s numbers include selection optimism: its setting was chosen with the same seeds "
                       "they are judged on (confirmation runs, `sweep --confirm-seeds N`, judge the chosen setting on "
                       "fresh seeds)") for c in self.chosen if c.optimistic]
        if self.chosen_on_all:
            found.append(f"  {self.chosen_on_all} run(s) predate per-evaluation logs: their step was chosen on all "
                         "the sentences, the judging half too")
        if self.forks_left_out:
            found.append(f"  left out of the verdict: {', '.join(self.forks_left_out)} (forks share their parent's "
                         "history up to the branch point: no seed of any setting)")
        return found

    def dropped_lines(self) -> list[str]:
        return [f"  {d.method}: {d.count} of {d.runs} run(s) did not finish ({d.how}); the verdict rests on the others"
                for d in self.dropped]

    @property
    def all_finished(self) -> bool:
        return self.runs > 0 and self.runs_finished == self.runs and not self.unstarted

    def head_line(self) -> str:
        total = f"{self.planned_runs}" if self.planned_exact else f"at most {self.planned_runs}"
        return (f"Sweep: {self.runs_finished} of {total} runs finished"
                + (f"; not finished: {', '.join(self.not_finished)}" if self.not_finished else "")
                + (f"; {len(self.unstarted)} failed to start" if self.unstarted else ""))

    def unstarted_lines(self) -> list[str]:
        """Each point that never made its run folder, and what to do (said once)."""
        if not self.unstarted:
            return []
        return [*(f"  {line}" for line in self.unstarted),
                f"  (mend the cause, then `sst2-tui sweep --resume {self.session_dir or 'SESSION_DIR'}` starts them again)"]

    def lines(self) -> list[str]:
        """The verdict as `sweep` and `report` print it: the answer first (a short terminal shows it),
        then the numbers it is computed from, then the grid it rests on."""
        if self.tasks:
            return self._across_lines()
        lines = [self.head_line(), *self.unstarted_lines()]
        if self.problem:
            return [*lines, f"No verdict: {self.problem}.", *self.table_lines()]
        lines += self.answer_lines() + self.judged_lines() + self.collapsed_lines()
        lines += [f"  {self.margin_text}"] if self.margin_text else []
        lines += [f"Stopped: {d.text}" for d in self.decisions if d.kind == DecisionKind.END]
        lines += self.dropped_lines() + self.caveats() + self.table_lines()
        return lines + [f"Budget (all sentences, the grid's runs): {sentence}" for sentence in self.budget_sentences]

    def table_lines(self) -> list[str]:
        if not self.table:
            return []
        sentences = self.tuning_sentences + self.judging_sentences
        lines = [f"Each setting's runs, best accuracy on all {sentences or 'the'} validation sentences (mean ± std over seeds):"]
        for row in self.table:
            setting = row.setting + (" (confirmation)" if row.confirmation else "")
            collapsed = f"  {row.collapsed} collapsed" if row.collapsed else ""
            lines.append(f"  {row.method:<8} {setting:<24} {mean_std_text(row.best_mean, row.best_std)}  n={row.n}{collapsed}")
        return lines

    def _across_lines(self) -> list[str]:
        """A sweep across tasks: the task x method table and the line across tasks first, then each
        task's verdict as a sweep of that task alone gives it (under its name, indented)."""
        lines = [self.head_line(), *self.unstarted_lines(), *self.task_table_lines()]
        lines += [f"{self.answer_word()} {line}" for line in self.across_sentences()]
        for part in self.tasks:
            lines += [f"Task {part.task} ({part.data}):", *(f"  {line}" for line in part.verdict.lines()[1:])]
        return lines + self.caveats()

    def across_sentences(self) -> list[str]:
        return [line.sentence() for line in self.across]

    def task_table(self, intervals: bool = False) -> tuple[list[str], list[list[str]]]:
        """The GLUE-like table of a sweep across tasks: per method its judged accuracy on each task (the
        judging half, its judged runs) and the mean over tasks; per pair each task's answer and the
        line across tasks, with each interval where `intervals` (the report's wider table). (header, rows)."""
        methods = list(dict.fromkeys(c.method for part in self.tasks for c in part.verdict.chosen))
        header = ["", *(part.task for part in self.tasks), "mean"]
        rows = []
        for method in methods:
            found = [next((c for c in part.verdict.chosen if c.method == method), None) for part in self.tasks]
            cells = [f"{100 * c.judged_accuracy:.1f} ({c.n})" if c else "-" for c in found]
            mean = (f"{100 * statistics.fmean(c.judged_accuracy for c in found if c):.1f}"
                    if all(found) else "-")
            rows.append([method, *cells, mean])
        for line in self.across:
            cells = []
            for part in self.tasks:
                pair = next((p for p in part.verdict.pairs if (p.a, p.b) == (line.a_name, line.b_name)), None)
                cells.append(_pair_cell(pair.points, pair.low, pair.high, decision_word(pair.decision, pair.a, pair.b),
                                        intervals) if pair else "-")
            rows.append([f"{line.a_name} − {line.b_name}", *cells,
                         _pair_cell(line.points, line.low, line.high,
                                    decision_word(line.decision, line.a_name, line.b_name), intervals)])
        return header, rows

    def task_table_lines(self) -> list[str]:
        header, rows = self.task_table()
        if not rows:
            return []
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        return ["Judged accuracy % per task (runs judged); each pair's difference in points and its answer:",
                *("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                  for row in [header, *rows])]

    def closing_lines(self) -> list[str]:
        """The verdict for a short log box, where the last lines show: the runs, the choices, the
        caveats, the numbers compared, and the answer itself last (the table is in `lines`, `g` and the report)."""
        if self.tasks:
            return [self.head_line(), *(line.strip() for line in self.unstarted_lines()), *self.task_table_lines(),
                    *(f"{part.task}: {part.verdict.answer_word()}: {pair.headline or pair.sentence}"
                      for part in self.tasks for pair in part.verdict.pairs),
                    *(f"{self.answer_word()} {line}" for line in self.across_sentences())]
        unstarted = [line.strip() for line in self.unstarted_lines()]
        if self.problem:
            return [self.head_line(), *unstarted, f"No verdict: {self.problem}."]
        return [self.head_line(), *unstarted, *(f"Budget (all sentences, the grid's runs): {s}" for s in self.budget_sentences),
                *(line.strip() for line in self.dropped_lines() + self.caveats() + self.collapsed_lines()),
                *(f"Stopped: {d.text}" for d in self.decisions if d.kind == DecisionKind.END),
                *(line.strip() for line in self.judged_lines()),
                *(pair.details for pair in self.pairs if pair.details),  # the numbers, then the answers last
                *(f"{self.answer_word()}: {pair.headline or pair.sentence}" for pair in self.pairs)]

    def to_dict(self) -> dict[str, Any]:
        fields = to_json_value(self)  # NaN (an interval with one seed) as text: session.json stays JSON
        assert isinstance(fields, dict)
        for chosen, saved in zip(self.chosen, fields["chosen"], strict=True):
            saved["optimistic"] = chosen.optimistic
        fields["tasks"] = [{"task": part.task, "data": part.data, "verdict": part.verdict.to_dict()} for part in self.tasks]
        for line, saved in zip(self.across, fields["across"], strict=True):
            saved.update(decision=line.decision, sentence=line.sentence())
        return {**fields, "all_finished": self.all_finished, "lines": self.lines(),
                "sentences": {"tuning": self.tuning_sentences, "judging": self.judging_sentences}}


@dataclass
class TaskVerdict:
    """One task of a sweep across tasks: its short name, its `--data` and its own verdict."""

    task: str
    data: str
    verdict: SweepVerdict


def _pair_cell(points: float, low: float, high: float, answer: str, intervals: bool) -> str:
    """`-2.7 can't tell`, or with its interval `-2.7 (-11.6 to +7.7) can't tell`."""
    if intervals and math.isfinite(low) and math.isfinite(high):
        return f"{points:+.1f} ({low:+.1f} to {high:+.1f}) {answer}"
    return f"{points:+.1f} {answer}"


def decision_word(decision: str, a: str, b: str) -> str:
    """A pair's answer in a table cell: `lora better`, `the same`, `can't tell`."""
    return {"a better": f"{a} better", "b better": f"{b} better", "equivalent": "the same"}.get(decision, "can't tell")
