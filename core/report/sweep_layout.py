"""A sweep's part of a report: the table per method and setting, the settings chosen on one half
of the validation sentences and judged on the other, the paired intervals and their verdict in
plain words, the cost, and each method's best setting as a mean curve with ±1 std over seeds."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

from sst2_tui.core.report.blocks import Block, BudgetCharts, Heading, Paragraph, SeedBand, SeedBands, Table
from sst2_tui.core.summary import Status
from sst2_tui.core.sweep_label import sweep_label
from sst2_tui.core.text.words import mean_std_text

if TYPE_CHECKING:  # content imports this module's callers; the records are only named here
    from sst2_tui.core.report.content import RunReport
    from sst2_tui.core.report.sweep_verdict import SweepVerdict


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def seed_bands(sweep: SweepVerdict, runs: list[RunReport]) -> list[SeedBand]:
    """Per method, its chosen setting's validation curve over its finished seeds (the grid's count):
    mean and std at each step that every one of them evaluated."""
    bands = []
    for task, part in sweep.each_task():  # across tasks: each task's methods, named with their task
        bands += _task_bands(part, runs, task)
    return bands


def _task_bands(sweep: SweepVerdict, runs: list[RunReport], task: str) -> list[SeedBand]:
    bands = []
    for chosen in sweep.chosen:
        curves = [dict((int(step), acc) for step, acc in run.accuracy_curve) for run in runs
                  if (label := sweep_label(run.config)) and label.method == chosen.method and (not task or label.task == task)
                  and label.setting == chosen.setting and label.confirmation == (chosen.judged_on == "confirmation")
                  and run.accuracy_curve and run.status == Status.FINISHED]
        steps = sorted(set.intersection(*(set(c) for c in curves))) if curves else []
        if not steps:
            continue
        points = [(float(step), statistics.fmean(c[step] for c in curves),
                   statistics.stdev(c[step] for c in curves) if len(curves) > 1 else 0.0) for step in steps]
        bands.append(SeedBand(f"{task + ' ' if task else ''}{chosen.method} ({chosen.setting})", len(curves), points))
    return bands


def budget_blocks(sweep: SweepVerdict) -> list[Block]:
    """The budget curves: a sentence per pair, the charts (HTML), and the numbers as a table."""
    if not sweep.budget:
        return []
    longest = max(curve.points for curve in sweep.budget)
    rows = [[str(n), *(f"{100 * c.expected[n - 1]:.1f} ({n * c.hours_per_point:.3g} h)" if n <= c.points else "-"
                       for c in sweep.budget)] for n in range(1, longest + 1)]
    return [Heading(3, "Budget: the best validation accuracy to expect after n grid points"),
            Paragraph("Per method, the expected best of n of its finished grid points drawn at random (Tang et al. "
                      "2020's unbiased estimator of Dodge et al. 2019's curve), against n and against device-hours; "
                      "on all the validation sentences and the grid's runs (not the verdict's judging half). {}",
                      (" ".join(sweep.budget_sentences),)),
            BudgetCharts({c.method: [[float(n), v] for n, v in enumerate(c.expected, start=1)] for c in sweep.budget},
                         {c.method: [[n * c.hours_per_point, v] for n, v in enumerate(c.expected, start=1)] for c in sweep.budget}),
            Table(["points tried", *(f"{c.method}: expected best acc % (device-hours)" for c in sweep.budget)], rows)]


def across_blocks(sweep: SweepVerdict, runs: list[RunReport]) -> list[Block]:
    """A sweep across tasks: the task x method table (judged accuracy per cell, each pair's answer per
    task, the mean over tasks), the line across tasks per pair, then each task as a sweep of it alone."""
    header, rows = sweep.task_table(intervals=True)
    word = sweep.answer_word()
    blocks: list[Block] = [
        Heading(2, f"Sweep across {len(sweep.tasks)} tasks: which method is better"),
        Paragraph("{} of {} runs finished.{}", (sweep.runs_finished, sweep.runs,
                                                 f" Not finished: {', '.join(sweep.not_finished)}."
                                                 if sweep.not_finished else "")),
        *(Paragraph("{}", (line.strip(),)) for line in sweep.unstarted_lines()),
        Paragraph("Each task is judged as a sweep of it alone: its settings chosen on its own tuning half, its "
                  "methods compared on its own judging half. A method's cell is its judged accuracy % (runs judged); "
                  "a pair's cell its difference in points, its interval (95% for all pairs together) and the task's answer; "
                  "the last column is the mean over these tasks, over their seeds and sentences (not over tasks not "
                  "tried).", ()),
        Table(["method, or pair (a − b)", *header[1:]], rows),
        *(Paragraph("{}: {}.", (word, line)) for line in sweep.across_sentences()),
    ]
    if sweep.problem:
        blocks.append(Paragraph("No verdict: {}.", (sweep.problem,)))
    for part in sweep.tasks:
        own = [run for run in runs if (label := sweep_label(run.config)) is not None and label.task == part.task]
        blocks += sweep_blocks(part.verdict, own, f"Task {part.task} ({part.data}): which method is better")
    return blocks


def sweep_blocks(sweep: SweepVerdict, runs: list[RunReport], title: str = "Sweep: which method is better") -> list[Block]:
    """The verdict first (each pair in plain words), then the grid it rests on, each method's chosen
    setting, the cost, and the chosen settings' curves over seeds."""
    if sweep.tasks:
        return across_blocks(sweep, runs)
    blocks: list[Block] = [
        Heading(2, title),
        Paragraph("{} of {} runs finished.{}", (sweep.runs_finished, sweep.runs,
                                                 f" Not finished: {', '.join(sweep.not_finished)}."
                                                 if sweep.not_finished else "")),
        *(Paragraph("{}", (line.strip(),)) for line in sweep.unstarted_lines()),
    ]
    if sweep.problem:
        blocks.append(Paragraph("No verdict: {}.", (sweep.problem,)))
    else:
        word = sweep.answer_word()
        blocks += [Heading(3, f"{word}: on the judging half ({sweep.judging_sentences} sentences), intervals over seeds "
                              "and sentences, 95% for all pairs together"),
                   *(Paragraph("{}: {}. ({})", (word, pair.headline or pair.sentence, pair.details))
                     for pair in sweep.pairs),
                   Table(["method", "setting (chosen on the tuning half)", "runs judged", "judged accuracy %"],
                         [[c.method, f"{c.setting} of {c.settings}" if c.settings > 1 else c.setting,
                           f"{c.n} {c.judged_on}", f"{100 * c.judged_accuracy:.1f}"] for c in sweep.chosen]),
                   Table(["pair", "difference, points", "interval", "answer", "P(a beats b)", "variance from seeds",
                          "from sentences", "seeds of each for a ±margin gap"],
                         [[f"{p.a} − {p.b}", f"{p.points:+.2f}", f"{100 * p.level:.3g}%: {p.low:+.2f} to {p.high:+.2f}",
                           p.decision, "too few seeds" if p.p_a_better is None else f"{p.p_a_better:.2f}",
                           f"{100 * p.seeds_share:.0f}%", f"{100 * (1 - p.seeds_share):.0f}%",
                           "over 40" if p.seeds_needed is None else str(p.seeds_needed)] for p in sweep.pairs]),
                   Paragraph("{}.", (sweep.margin_text[0].upper() + sweep.margin_text[1:],)),
                   *(Paragraph("{}.", (line.strip(),)) for line in
                     sweep.collapsed_lines() + sweep.dropped_lines() + sweep.caveats())]
    blocks.append(Table(["method", "setting", "runs", "seeds", "best acc % on all sentences (mean ± std)", "s/epoch"],
                        [[row.method, row.setting + (" (confirmation)" if row.confirmation else ""), str(row.n),
                          ",".join(map(str, row.seeds)),
                          mean_std_text(row.best_mean, row.best_std),
                          "-" if row.seconds_per_epoch is None else f"{row.seconds_per_epoch:.1f}"] for row in sweep.table]))
    blocks += budget_blocks(sweep)
    if sweep.decisions:
        blocks += [Heading(3, "Rounds and decisions (--until-resolved)"),
                   Paragraph("Each round was decided from the runs of the rounds before it: settings raced on the tuning "
                             "half (successive halving), judged seeds added to the chosen ones, a look at every pair "
                             "after each round at the sequential design's level.", ()),
                   Table(["round", "method", "setting", "decision"],
                         [[str(d.round), d.method or "", d.setting or "", d.text] for d in sweep.decisions])]
    if sweep.problem:
        return blocks
    blocks += [
        Heading(3, "Each method's best setting"),
        Paragraph("{} (Tuning half: {} sentences; judging half: {}.)", (sweep.note, sweep.tuning_sentences, sweep.judging_sentences)),
        Table(["method", "settings given", "chosen setting", "tuning half acc % (grid)", "judged runs", "judging half acc %"],
              [[c.method, str(c.settings), c.setting, _pct(c.tuning_accuracy), f"{c.n} {c.judged_on}",
                _pct(c.judged_accuracy)] for c in sweep.chosen]),
        Heading(3, "Cost"),
        Table(["method", "device", "device-hours, all its runs", "device-hours per run (chosen setting)"],
              [[c.method, c.unit, f"{c.hours_all_runs:.3f}", f"{c.hours_per_run:.3f}"] for c in sweep.cost]),
    ]
    bands = seed_bands(sweep, runs)
    if bands:
        blocks += [Heading(3, "Best settings: validation accuracy, mean and ±1 std over seeds"),
                   SeedBands(bands)]
    return blocks
