"""A sweep's verdict from its session: the table per method and setting (mean ± std over seeds),
each method's best setting chosen on one half of the validation sentences and judged on the other,
each pair of methods compared on the judging half (`core/comparison.compare_all`: a seed x sentence
interval, simultaneous over the pairs, and three answers), and what each cost. The halves are in
`core/report/verdict.py`; this reads the runs and words the result."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sst2_tui.core.comparison import MARGIN_POINTS, compare_all
from sst2_tui.core.inference.saved_predictions import BEST_FILE, read_predictions
from sst2_tui.core.records import to_json_value
from sst2_tui.core.report.verdict import choose_best, mean_accuracy, split_halves
from sst2_tui.core.storage.sessions import RunRecord, Session, load_run
from sst2_tui.core.summary import Status
from sst2_tui.core.sweep_label import SweepLabel, sweep_label
from sst2_tui.core.words import mean_std_text

HALVES_NOTE = ("Each method's best setting is chosen on one fixed, seeded half of the validation sentences and scored "
               "on the other half, so choosing among settings does not inflate the winner's score.")
METHOD_ORDER = ("full", "trainer", "lora")


def _sweep(record: RunRecord) -> SweepLabel | None:
    return sweep_label(record.config)


def aligned_correctness(records: list[RunRecord]) -> tuple[dict[int, np.ndarray], str | None]:
    """Each run's per-sentence correctness at its best step, all in one sentence order (by sentence
    id, never by line position); or why there is none: a run without a usable predictions file, or
    two runs that scored different sentences (named, with how many they share)."""
    read = {id(r): read_predictions(r.folder.path, BEST_FILE) for r in records}
    for record in records:
        predictions = read[id(record)]
        if predictions.problem:
            return {}, f"{record.run_id}'s predictions cannot be used ({predictions.problem})"
        if not predictions.rows:
            return {}, f"{record.run_id} has no per-sentence predictions ({BEST_FILE})"
    first = records[0]
    order = sorted(read[id(first)].correctness())
    for record in records[1:]:
        theirs = read[id(record)].correctness()
        if set(theirs) != set(order):
            shared = len(set(theirs) & set(order))
            return {}, (f"{first.run_id} and {record.run_id} scored different validation sentences ({shared} shared of "
                        f"{len(order)} and {len(theirs)}); every point of a sweep needs the same validation set "
                        "(the same --data, --eval-subset and --data-seed)")
    return {id(r): np.asarray([read[id(r)].correctness()[key] for key in order], dtype=float) for r in records}, None


def _mean_std(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else None)


@dataclass(frozen=True)
class SettingRow:
    """One method and setting: its finished seeds' best accuracies, mean ± std."""

    method: str
    setting: str
    n: int
    seeds: list[int]
    best_mean: float | None
    best_std: float | None
    seconds_per_epoch: float | None


@dataclass(frozen=True)
class Chosen:
    """A method's best setting, chosen on the tuning half, and its accuracy on each half."""

    method: str
    setting: str
    n: int
    tuning_accuracy: float
    judged_accuracy: float


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
    p_a_better: float
    """The chance a fresh seed of `a` beats a fresh seed of `b` on these sentences."""
    seeds_share: float
    """The share of the difference's variance that comes from the training seeds (the rest: sentences)."""
    seeds_needed: int | None
    sentence: str

    @property
    def real(self) -> bool:
        return self.decision in ("a better", "b better")


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

    def dropped_lines(self) -> list[str]:
        return [f"  {d.method}: {d.count} of {d.runs} run(s) did not finish ({d.how}); the verdict rests on the others"
                for d in self.dropped]

    @property
    def all_finished(self) -> bool:
        return self.runs > 0 and self.runs_finished == self.runs

    def lines(self) -> list[str]:
        """The verdict as `sweep` prints it."""
        lines = [f"Sweep: {self.runs_finished} of {self.runs} runs finished"
                 + (f"; not finished: {', '.join(self.not_finished)}" if self.not_finished else "")]
        for row in self.table:
            lines.append(f"  {row.method:<8} {row.setting:<24} best acc {mean_std_text(row.best_mean, row.best_std)}  n={row.n}")
        if self.problem:
            return [*lines, f"No verdict: {self.problem}."]
        for chosen in self.chosen:
            lines.append(f"  best {chosen.method}: {chosen.setting} (chosen on {self.tuning_sentences} sentences, "
                         f"{100 * chosen.judged_accuracy:.1f}% on the other {self.judging_sentences})")
        lines += [f"Verdict: {pair.sentence}" for pair in self.pairs]
        return lines + self.dropped_lines()

    def to_dict(self) -> dict[str, Any]:
        fields = to_json_value(self)  # NaN (an interval with one seed) as text: session.json stays JSON
        assert isinstance(fields, dict)
        return {**fields, "all_finished": self.all_finished, "lines": self.lines(),
                "sentences": {"tuning": self.tuning_sentences, "judging": self.judging_sentences}}


def sweep_verdict(session: Session) -> SweepVerdict:
    labelled = [(r, label) for r in (load_run(f) for f in session.run_folders()) if (label := _sweep(r)) is not None]
    records = [r for r, _ in labelled]
    seed_of = {id(r): label.seed for r, label in labelled}
    finished = [r for r in records if r.status == Status.FINISHED]
    groups: dict[tuple[str, str], list[RunRecord]] = {}
    for record, label in labelled:
        if record.status == Status.FINISHED:
            groups.setdefault((label.method, label.setting), []).append(record)
    table = []
    for (method, setting), runs in sorted(groups.items(), key=lambda g: (_order(g[0][0]), g[0][1])):
        best = [r.summary.best_val_accuracy for r in runs if r.summary and r.summary.best_val_accuracy is not None]
        epoch = [r.summary.seconds_per_epoch for r in runs if r.summary and r.summary.seconds_per_epoch is not None]
        mean, std = _mean_std(best)
        table.append(SettingRow(method, setting, len(runs), sorted(seed_of[id(r)] for r in runs), mean, std,
                                _mean_std(epoch)[0]))
    verdict = SweepVerdict(len(records), len(finished), table,
                           [f"{r.folder.run_id} ({r.status})" for r in records if r.status != Status.FINISHED],
                           dropped=_dropped(labelled))
    if not finished:
        verdict.problem = "no point has finished yet"
        return verdict
    correct, problem = aligned_correctness(finished)
    if problem:
        verdict.problem = f"{problem}: no paired verdict"
    else:
        _judge(verdict, groups, correct, len(next(iter(correct.values()))))
    return verdict


def _dropped(labelled: list[tuple[RunRecord, SweepLabel]]) -> list[Dropped]:
    """Per method, its ended runs that did not finish (live ones are on their way, not dropped)."""
    found = []
    for method in sorted({label.method for _, label in labelled}, key=_order):
        runs = [r for r, label in labelled if label.method == method]
        ended = [r.status for r in runs if r.status != Status.FINISHED and not r.status.is_live]
        if ended:
            counts = {status: ended.count(status) for status in dict.fromkeys(ended)}
            found.append(Dropped(method, len(ended), len(runs), ", ".join(f"{n} {status}" for status, n in counts.items())))
    return found


def _order(method: str) -> int:
    return METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER)


def _judge(verdict: SweepVerdict, groups: dict, correct: dict[int, np.ndarray], sentences: int) -> None:
    tuning, judging = split_halves(sentences, seed=0)
    best_runs: dict[str, list[np.ndarray]] = {}
    for method in sorted({m for m, _ in groups}, key=_order):
        settings = {setting: [correct[id(r)] for r in runs] for (m, setting), runs in groups.items() if m == method}
        chosen = choose_best(settings, tuning)
        best_runs[method] = settings[chosen]
        runs = groups[(method, chosen)]
        seconds = [_run_seconds(r) for r in groups_all(groups, method)]
        device = (runs[0].summary.device if runs[0].summary else None) or ""
        unit = "GPU" if "cuda" in device.lower() or "gpu" in device.lower() else "CPU"
        verdict.chosen.append(Chosen(method, chosen, len(runs), mean_accuracy(settings[chosen], tuning),
                                     mean_accuracy(settings[chosen], judging)))
        verdict.cost.append(Cost(method, unit, round(sum(seconds) / 3600, 4),
                                 round(statistics.fmean(_run_seconds(r) for r in runs) / 3600, 4)))
    judged = {method: np.asarray(runs)[:, judging] for method, runs in best_runs.items()}
    for pair in compare_all(judged, margin=MARGIN_POINTS):
        verdict.pairs.append(PairVerdict(pair.a_name, pair.b_name, pair.points, pair.low, pair.high, pair.level,
                                         pair.decision, pair.margin, pair.p_a_better, pair.split.seeds_share,
                                         pair.seeds_needed, pair.sentence()))
    verdict.tuning_sentences, verdict.judging_sentences = len(tuning), len(judging)


def _run_seconds(record: RunRecord) -> float:
    summary = record.summary
    return (summary.train_seconds or 0) + (summary.eval_seconds or 0) if summary else 0.0


def groups_all(groups: dict, method: str) -> list[RunRecord]:
    return [r for (m, _), runs in groups.items() if m == method for r in runs]
