"""A sweep's verdict from its session: the table per method and setting (mean ± std over seeds);
each run's step and each method's setting chosen on the tuning half of the validation sentences;
the chosen setting judged on the judging half, on its confirmation runs (fresh seeds) where the
method was given several settings; each pair of methods compared there (`core/comparison.compare_all`:
a seed x sentence interval, simultaneous over the pairs, and three answers), and what each cost.
The choices are `core/report/verdict.py`'s; this reads the runs and words the result."""

from __future__ import annotations

import dataclasses
import statistics

import numpy as np

from sst2_tui.core.report.aligned import aligned_correctness, seed_spreads
from sst2_tui.core.report.budget import BudgetCurve, budget_curve, crossing_sentences
from sst2_tui.core.report.collapsed import CLASS_NAMES, collapsed_runs
from sst2_tui.core.report.verdict import choose_best, mean_accuracy, split_halves
from sst2_tui.core.report.verdict_records import (
    Chosen,
    Cost,
    Dropped,
    PairVerdict,
    SettingRow,
    SweepVerdict,
    TaskVerdict,
    _mean_std,
)
from sst2_tui.core.stats.across_tasks import across_tasks
from sst2_tui.core.stats.comparison import LEVEL, compare_all
from sst2_tui.core.stats.seed_planner import default_margin, margin_reason
from sst2_tui.core.storage.decisions_file import DecisionKind, read_decisions
from sst2_tui.core.storage.sessions import RunRecord, Session, load_run
from sst2_tui.core.storage.start_failures import unstarted
from sst2_tui.core.storage.sweep_file import SweepFile, SweepFileError, read_sweep_file
from sst2_tui.core.summary import Status
from sst2_tui.core.sweep_label import SweepLabel, sweep_label

Key = tuple[str, str, bool]
METHOD_ORDER = ("full", "trainer", "lora")


def _sweep(record: RunRecord) -> SweepLabel | None:
    return sweep_label(record.config)


def sweep_verdict(session: Session, margin: float | None = None) -> SweepVerdict:
    """The verdict of the sweep in `session`; `margin` (points) overrides the sweep's own (--margin).
    A sweep across tasks (`--data A,B`) gets each task's verdict, as a sweep of that task alone would,
    and per pair of methods one line across the tasks."""
    every = [load_run(f) for f in session.run_folders()]
    labelled = [(r, label) for r in every if (label := _sweep(r)) is not None]
    sweep_file = _sweep_file(session)
    tasks = _tasks(labelled, sweep_file)
    if len(tasks) < 2:
        return _one_task(session, every, labelled, sweep_file, margin)
    return _across(session, every, labelled, sweep_file, margin, tasks)


def _tasks(labelled: list[tuple[RunRecord, SweepLabel]], sweep_file: SweepFile | None) -> dict[str, str]:
    """{task: its --data} in the order the sweep gave them ({} or one for a sweep of one task)."""
    configs = [c for c in sweep_file.points if c.sweep] if sweep_file else []
    found = {c.sweep.task: c.data for c in configs if c.sweep}
    for record, label in labelled:
        found.setdefault(label.task, record.config.data if record.config is not None else "")
    return found


def _across(session: Session, every: list[RunRecord], labelled: list[tuple[RunRecord, SweepLabel]],
            sweep_file: SweepFile | None, margin: float | None, tasks: dict[str, str]) -> SweepVerdict:
    """Each task judged alone, the table and the counts over all of them, and the line across tasks."""
    parts = []
    for task, data in tasks.items():
        own = [(r, label) for r, label in labelled if label.task == task]
        part = _one_task(session, [r for r, _ in own], own, sweep_file.for_task(task) if sweep_file else None, margin)
        parts.append(TaskVerdict(task, data, part))
    records = [r for r, _ in labelled]
    verdict = SweepVerdict(len(records), sum(p.verdict.runs_finished for p in parts), [],
                           [line for p in parts for line in p.verdict.not_finished], tasks=parts)
    verdict.forks_left_out = [r.run_id for r in every if r.config is not None and r.config.fork is not None]
    verdict.unstarted = [f.line() for f in unstarted(session.path, {label.point for _, label in labelled})]
    verdict.session_dir = str(session.path)
    _count_to_come(verdict, sweep_file, records)
    if not verdict.runs_finished:
        verdict.problem = "no point has finished yet"
    pairs = {(p.a, p.b) for part in parts for p in part.verdict.pairs}
    for a, b in sorted(pairs, key=lambda pair: (_order(pair[0]), _order(pair[1]))):
        found = [(part.task, pair) for part in parts for pair in part.verdict.pairs if (pair.a, pair.b) == (a, b)]
        if len(found) == len(parts):  # a pair judged on every task (one not judged yet leaves no mean)
            verdict.across.append(across_tasks(found))
    return verdict


def _one_task(session: Session, every: list[RunRecord], labelled: list[tuple[RunRecord, SweepLabel]],
              sweep_file: SweepFile | None, margin: float | None) -> SweepVerdict:
    """The verdict of one task's runs (all of a sweep of one task)."""
    records = [r for r, _ in labelled]
    seed_of = {id(r): label.seed for r, label in labelled}
    finished = [r for r in records if r.status == Status.FINISHED]
    groups: dict[Key, list[RunRecord]] = {}
    for record, label in labelled:
        if record.status == Status.FINISHED:
            groups.setdefault((label.method, label.setting, label.confirmation), []).append(record)
    table = []
    for (method, setting, confirmation), runs in sorted(groups.items(), key=lambda g: (_order(g[0][0]), g[0][2], g[0][1])):
        best = [r.summary.best_val_accuracy for r in runs if r.summary and r.summary.best_val_accuracy is not None]
        epoch = [r.summary.seconds_per_epoch for r in runs if r.summary and r.summary.seconds_per_epoch is not None]
        mean, std = _mean_std(best)
        table.append(SettingRow(method, setting, len(runs), sorted(seed_of[id(r)] for r in runs), mean, std,
                                _mean_std(epoch)[0], confirmation))
    verdict = SweepVerdict(len(records), len(finished), table,
                           [f"{r.folder.run_id} ({r.status})" for r in records if r.status != Status.FINISHED],
                           dropped=_dropped(labelled))
    verdict.forks_left_out = [r.run_id for r in every if r.config is not None and r.config.fork is not None]
    verdict.decisions = read_decisions(session.path)[0]
    points = {c.sweep.point for c in sweep_file.points if c.sweep} if sweep_file else None
    verdict.unstarted = [f.line() for f in unstarted(session.path, {label.point for _, label in labelled})
                         if points is None or f.point in points]
    verdict.session_dir = str(session.path)
    _count_to_come(verdict, sweep_file, records)
    verdict.budget = _budget(groups)
    verdict.budget_sentences = crossing_sentences(verdict.budget)
    if not finished:
        verdict.problem = "no point has finished yet"
        return verdict
    aligned = aligned_correctness(finished)
    if aligned.problem:
        verdict.problem = f"{aligned.problem}: no paired verdict"
        return verdict
    given: dict[str, set[str]] = {}
    for _, label in labelled:
        if not label.confirmation:
            given.setdefault(label.method, set()).add(label.setting)
    methods = len({label.method for _, label in labelled})
    judging = aligned.sentences - aligned.sentences // 2
    given_margin = margin if margin is not None else (sweep_file.given_margin if sweep_file else None)
    verdict.margin = given_margin if given_margin is not None else default_margin(judging, max(methods * (methods - 1) // 2, 1))
    verdict.margin_text = margin_reason(verdict.margin, judging, given=given_margin is not None)
    _judge(verdict, groups, aligned.correct, aligned.sentences, {m: len(s) for m, s in given.items()})
    verdict.chosen_on_all = aligned.chosen_on_all
    if aligned.labels is not None:
        _name_collapsed(verdict, labelled, aligned.correct, aligned.labels)
    return verdict


def _sweep_file(session: Session) -> SweepFile | None:
    try:
        return read_sweep_file(session.path)
    except SweepFileError:  # runs labelled as points without a sweep.json (`--print-commands` lines run by hand)
        return None


def _count_to_come(verdict: SweepVerdict, sweep_file: SweepFile | None, records: list[RunRecord]) -> None:
    """How many runs the sweep will have and how many are still to come (live, queued, or not yet added)."""
    ended = sum(1 for r in records if not r.status.is_live) + len(verdict.unstarted)
    if sweep_file is None:
        verdict.planned_runs, verdict.planned_exact = len(records), True
        verdict.to_come = max(len(records) - ended, 0)
        return
    verdict.planned_runs, verdict.planned_exact = sweep_file.planned_runs()
    verdict.confirmations_due = bool(sweep_file.confirm_seeds) and sweep_file.until_resolved is None and (
        not sweep_file.confirmations or any(r.status.is_live for r in records))
    stopped = any(d.kind == DecisionKind.END for d in verdict.decisions)
    if sweep_file.until_resolved is not None and stopped:
        verdict.planned_runs, verdict.planned_exact = len(sweep_file.points), True
    if verdict.planned_exact:
        verdict.to_come = max(verdict.planned_runs - ended, 0)
    else:
        verdict.to_come = max(len(sweep_file.points) - ended, 1)  # it has not stopped: more rounds may come


def _name_collapsed(verdict: SweepVerdict, labelled: list[tuple[RunRecord, SweepLabel]], correct: dict[int, np.ndarray],
                    labels: np.ndarray) -> None:
    """Mark every finished run that answers one class for (almost) every sentence, in its table row and the verdict."""
    judged = {(c.method, c.setting, c.judged_on == "confirmation") for c in verdict.chosen}
    runs = [(r.folder.run_id, label.method, label.setting, label.confirmation, correct[id(r)])
            for r, label in labelled if id(r) in correct]
    names = next((tuple(r.started.label_names) for r, _ in labelled if r.started is not None), CLASS_NAMES)
    verdict.collapsed, counts = collapsed_runs(runs, labels, judged, names)  # the task's own class names
    verdict.table = [dataclasses.replace(row, collapsed=counts.get((row.method, row.setting, row.confirmation), 0))
                     for row in verdict.table]


def _budget(groups: dict[Key, list[RunRecord]]) -> list[BudgetCurve]:
    """Per method, from its finished grid points (confirmation runs are not part of the search)."""
    curves = []
    for method in sorted({m for m, _, _ in groups}, key=_order):
        runs = [r for (m, _, confirmation), found in groups.items() if m == method and not confirmation for r in found]
        best = [r.summary.best_val_accuracy for r in runs if r.summary and r.summary.best_val_accuracy is not None]
        if best:
            curves.append(budget_curve(method, best, statistics.fmean(_run_seconds(r) for r in runs) / 3600))
    return curves


def chosen_settings(groups: dict[Key, list[np.ndarray]], tuning: np.ndarray) -> dict[str, str]:
    """Each method's setting chosen on the tuning half from its grid runs (confirmation runs never choose)."""
    chosen = {}
    for method in sorted({m for m, _, _ in groups}, key=_order):
        settings = {setting: runs for (m, setting, confirmation), runs in groups.items()
                    if m == method and not confirmation and runs}
        if settings:
            chosen[method] = choose_best(settings, tuning)
    return chosen


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


def _judge(verdict: SweepVerdict, groups: dict[Key, list[RunRecord]], correct: dict[int, np.ndarray], sentences: int,
           given: dict[str, int]) -> None:
    tuning, judging = split_halves(sentences)
    arrays = {key: [correct[id(r)] for r in runs] for key, runs in groups.items()}
    judged: dict[str, np.ndarray] = {}
    decided = {d.method: d.setting for d in verdict.decisions if d.kind == DecisionKind.CHOSEN and d.method and d.setting}
    chosen = {**chosen_settings(arrays, tuning), **decided}  # a sweep that raced its settings chose as it went
    looks = [d.numbers["family_level"] for d in verdict.decisions if d.kind == DecisionKind.LOOK and "family_level" in d.numbers]
    for method, setting in chosen.items():
        if (method, setting, False) not in arrays:
            continue
        confirmation = arrays.get((method, setting, True), [])
        settings = given.get(method, 1)
        on = "confirmation" if confirmation and settings > 1 else "grid"
        runs = confirmation if on == "confirmation" else arrays[(method, setting, False)]
        judged[method] = np.asarray(runs)[:, judging]
        verdict.chosen.append(Chosen(method, setting, len(runs), mean_accuracy(arrays[(method, setting, False)], tuning),
                                     mean_accuracy(runs, judging), settings, on))
        chosen_runs = groups[(method, setting, on == "confirmation")]
        device = (chosen_runs[0].summary.device if chosen_runs[0].summary else None) or ""
        unit = "GPU" if "cuda" in device.lower() or "gpu" in device.lower() else "CPU"
        verdict.cost.append(Cost(method, unit, round(sum(_run_seconds(r) for r in groups_all(groups, method)) / 3600, 4),
                                 round(statistics.fmean(_run_seconds(r) for r in chosen_runs) / 3600, 4)))
    per_run = {cost.method: cost.hours_per_run for cost in verdict.cost}
    spreads = seed_spreads(arrays, judging, {m: len(runs) for m, runs in judged.items()})
    for pair in compare_all(judged, margin=verdict.margin, level=looks[-1] if looks else LEVEL,  # the last look's level
                            spreads=spreads):
        pace = per_run.get(pair.a_name, 0.0) + per_run.get(pair.b_name, 0.0)  # one more seed of each
        verdict.pairs.append(PairVerdict(pair.a_name, pair.b_name, pair.points, pair.low, pair.high, pair.level,
                                         pair.decision, pair.margin, pair.p_a_better, pair.split.seeds_share,
                                         pair.seeds_needed, pair.sentence(), pair.headline(pace or None), pair.details(),
                                         pair.df, pair.family_level))
    verdict.tuning_sentences, verdict.judging_sentences = len(tuning), len(judging)


def _run_seconds(record: RunRecord) -> float:
    summary = record.summary
    return (summary.train_seconds or 0) + (summary.eval_seconds or 0) if summary else 0.0


def groups_all(groups: dict[Key, list[RunRecord]], method: str) -> list[RunRecord]:
    """Every finished run of a method: its grid and its confirmation runs (the cost counts them all)."""
    return [r for (m, _, _), runs in groups.items() if m == method for r in runs]
