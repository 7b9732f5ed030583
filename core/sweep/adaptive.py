"""A sweep that stops itself when its answer is clear (`sweep --until-resolved`): it adds its points in
rounds, and after each round it decides, from the finished runs only, what the next round is.

1. **Race the settings on the tuning half** (successive halving, Jamieson & Talwalkar 2016): round 1
   trains one seed of every setting; after each round, a method keeps the better half of its settings
   (rounded up) by mean accuracy over their seeds on the tuning half, and trains one more seed of each
   survivor, until one is left: its chosen setting. A method given one setting has it from the start.
2. **Add judged seeds in rounds**: fresh confirmation seeds of each chosen setting (the grid runs of a
   method given one setting), 5 before the first look, 2 more a round.
3. **Look** at every pair of methods on the judging half after each round that added judged runs,
   with `core/sequential`'s levels: 0.1% spent at an early look, the rest at the last one (a look is
   the last when the next round would not fit the budget, or at the tenth look). A pair stops when it
   is won, practically equivalent, or unresolvable on these sentences; the sweep stops when every pair
   has, or at the budget (`--max-runs`, `--max-hours`).

Every decision is appended to the session's `decisions.jsonl` before the round it leads to is queued,
and a round already decided is never decided again (the points are worked out again from the same
decisions), so a killed scheduler loses none and `sweep --resume` goes on with the same decisions.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sst2_tui.core.config import RunConfig
from sst2_tui.core.errors import UserError
from sst2_tui.core.report.aligned import aligned_correctness, seed_spreads
from sst2_tui.core.stats.comparison import compare_all, estimate
from sst2_tui.core.stats.halves import split_halves
from sst2_tui.core.stats.seed_planner import default_margin
from sst2_tui.core.stats.sequential import FIRST_LOOK_SEEDS, INTERIM_ALPHA, MAX_LOOKS, SEEDS_PER_LOOK, futile
from sst2_tui.core.storage.decisions_file import Answer, Decision, DecisionKind, read_decisions
from sst2_tui.core.storage.sessions import RunRecord, Session, load_run
from sst2_tui.core.storage.sweep_file import SweepFile, UntilResolved
from sst2_tui.core.summary import Status
from sst2_tui.core.sweep.fresh_seeds import fresh_seeds
from sst2_tui.core.sweep_label import SweepLabel, sweep_label

ALPHA = 0.05
RACING = "successive halving: the better half of the settings by mean accuracy on the tuning half go on"
LOOKING = "Haybittle-Peto: 0.1% at each early look, the rest of 5% at the last; Bonferroni over the pairs"


def first_round(grid: list[RunConfig]) -> list[RunConfig]:
    """Round 1 from a grid of one seed (seed 0): one seed of each setting of a method given several
    (to race), 5 seeds of a method given one (judged from the start: `FIRST_LOOK_SEEDS`)."""
    settings: dict[str, set[str]] = {}
    for config in grid:
        if config.sweep is not None:
            settings.setdefault(config.sweep.method, set()).add(config.sweep.setting)
    points: list[RunConfig] = []
    for config in grid:
        label = config.sweep
        if label is None:
            continue
        for seed in range(FIRST_LOOK_SEEDS if len(settings[label.method]) == 1 else 1):
            points.append(_point(config, len(points) + 1, label, seed, confirmation=False, round_=1))
    return points


def _point(template: RunConfig, number: int, label: SweepLabel, seed: int, confirmation: bool, round_: int) -> RunConfig:
    return template.replace(seed=seed, sweep=SweepLabel(f"p{number:03d}", label.method, label.setting, seed,
                                                        confirmation=confirmation, round=round_))


@dataclass
class State:
    """The sweep as its finished runs and its decisions leave it, after a round."""

    round: int
    methods: list[str]
    given: dict[str, list[str]]
    dropped: dict[str, set[str]]
    chosen: dict[str, str]
    looks: list[int]
    """The rounds at which it looked."""
    closed: dict[str, str]
    """Pairs that stopped, and their answer."""
    stopped: bool
    points: list[RunConfig]
    finished: list[tuple[RunRecord, SweepLabel]] = field(default_factory=list)

    def survivors(self, method: str) -> list[str]:
        return [s for s in self.given[method] if s not in self.dropped[method]]

    def judged_points(self, method: str) -> list[SweepLabel]:
        """The points of a method's judged runs so far (finished or not)."""
        several = len(self.given[method]) > 1
        return [p.sweep for p in self.points if p.sweep and p.sweep.method == method and p.sweep.confirmation == several
                and p.sweep.setting == self.chosen.get(method)]


def _state(sweep: SweepFile, session: Session, decisions: list[Decision]) -> State:
    labels = [p.sweep for p in sweep.points if p.sweep is not None]
    methods = list(dict.fromkeys(label.method for label in labels))
    given = {m: list(dict.fromkeys(label.setting for label in labels if label.method == m and not label.confirmation))
             for m in methods}
    finished = [(r, label) for r in (load_run(f) for f in session.run_folders())
                if r.status == Status.FINISHED and (label := sweep_label(r.config)) is not None]
    return State(round=max((label.round for label in labels), default=1), methods=methods, given=given,
                 dropped={m: {d.setting or "" for d in decisions if d.kind == DecisionKind.DROPPED and d.method == m} for m in methods},
                 chosen={d.method or "": d.setting or "" for d in decisions if d.kind == DecisionKind.CHOSEN},
                 looks=sorted({d.round for d in decisions if d.kind == DecisionKind.LOOK}),
                 closed={d.pair: d.answer for d in decisions if d.kind == DecisionKind.LOOK and d.answer != Answer.GOING_ON},
                 stopped=any(d.kind == DecisionKind.END for d in decisions), points=list(sweep.points), finished=finished)


@dataclass(frozen=True)
class Round:
    """What a round's end decided, and the points of the next round (none: the sweep has stopped)."""

    decisions: list[Decision]
    points: list[RunConfig]


def next_round(sweep: SweepFile, session: Session) -> Round:
    """Called once every point of the sweep has ended. A round decided before (a scheduler killed
    after writing its decisions) is not decided again: only its points are worked out again."""
    options = sweep.until_resolved
    if options is None:
        return Round([], [])
    decisions, problem = read_decisions(session.path)
    if problem:
        raise UserError(f"{problem}; the sweep cannot go on until the line is mended or removed")
    state = _state(sweep, session, decisions)
    if state.stopped:
        return Round([], [])
    new: list[Decision] = []
    if not any(d.round == state.round for d in decisions):
        new = _decide(state, options, sweep.given_margin)
        state = _state(sweep, session, decisions + new)
    elif not state.stopped and not _fits(state, options, sum(_hours(r) for r, _ in state.finished)):
        # The round was decided before, but its `end` line is not in the file (cut by a kill or a full
        # disk at a line's end, or removed): the budget is checked here again, whatever the file says.
        new = [_budget_end(state, options, sum(_hours(r) for r, _ in state.finished))]
        state = _state(sweep, session, decisions + new)
    return Round(new, [] if state.stopped else _next_points(state, session.path.parent))


def _decide(state: State, options: UntilResolved, margin: float | None) -> list[Decision]:
    correct, sentences = _correct(state)
    tuning, judging = split_halves(sentences) if sentences else (np.zeros(0, int), np.zeros(0, int))
    found: list[Decision] = []
    for method in state.methods:
        if method in state.chosen:
            continue
        survivors = state.survivors(method)
        if len(survivors) == 1:
            text = (f"{method}: {survivors[0]}, its one setting" if len(state.given[method]) == 1
                    else f"{method}: {survivors[0]} chosen after round {state.round} on the tuning half")
            found.append(Decision(state.round, DecisionKind.CHOSEN, text, method, survivors[0], RACING))
            continue
        found += _race(state, method, survivors, correct, tuning)
    state_chosen = {**state.chosen, **{d.method or "": d.setting or "" for d in found if d.kind == DecisionKind.CHOSEN}}
    hours = sum(_hours(r) for r, _ in state.finished)
    after = dataclasses.replace(state, chosen=state_chosen, dropped={
        m: state.dropped[m] | {d.setting or "" for d in found if d.kind == DecisionKind.DROPPED and d.method == m} for m in state.methods})
    fits = _fits(after, options, hours)  # the round these decisions lead to (judged seeds once a setting is chosen)
    if len(state_chosen) == len(state.methods):
        judged = {m: [correct[id(r)][judging] for r, label in state.finished if label.method == m
                      and label.setting == state_chosen[m] and label.confirmation == (len(state.given[m]) > 1)]
                  for m in state.methods}
        if min(len(runs) for runs in judged.values()) >= FIRST_LOOK_SEEDS and state.round not in state.looks:
            pairs = len(state.methods) * (len(state.methods) - 1) // 2
            groups: dict[tuple[str, str, bool], list[np.ndarray]] = {}
            for record, label in state.finished:  # every run of a method is a seed of it: the spread pooled
                groups.setdefault((label.method, label.setting, label.confirmation), []).append(correct[id(record)])
            spreads = seed_spreads(groups, judging, {m: len(runs) for m, runs in judged.items()})
            found += _look(state, judged, margin if margin is not None else default_margin(len(judging), pairs),
                           final=not fits or len(state.looks) + 1 >= MAX_LOOKS, spreads=spreads)
    if any(d.kind == DecisionKind.END for d in found):
        return found
    if not fits:
        found.append(_budget_end(state, options, hours))
    return found


def _budget_end(state: State, options: UntilResolved, hours: float) -> Decision:
    why = (f"--max-runs {options.max_runs}: the next round would pass it" if hours < (options.max_hours or math.inf)
           else f"--max-hours {options.max_hours:g}: the finished runs used {hours:.3g} device-hours")
    return Decision(state.round, DecisionKind.END, f"stopped after round {state.round} at the budget ({why}; "
                    f"{len(state.points)} runs, {hours:.3g} device-hours)",
                    rule="the budget", answer=Answer.BUDGET, numbers={"runs": float(len(state.points)), "hours": hours})


def _race(state: State, method: str, survivors: list[str], correct: dict[int, np.ndarray], tuning: np.ndarray) -> list[Decision]:
    scores = {}
    for setting in survivors:
        runs = [correct[id(r)] for r, label in state.finished
                if label.method == method and label.setting == setting and not label.confirmation]
        scores[setting] = 100 * statistics.fmean(float(run[tuning].mean()) for run in runs) if runs else -math.inf
    ranked = sorted(survivors, key=lambda s: -scores[s])  # stable: ties keep the grid's order
    keep, best = math.ceil(len(ranked) / 2), ranked[0]
    found = []
    for setting in ranked[keep:]:
        if scores[setting] == -math.inf:
            text = f"dropped after round {state.round}: no run of it finished"
            numbers = {}
        elif scores[setting] == scores[best]:  # a tie is called a tie, and which was kept and why
            text = f"dropped after round {state.round}: tied with {best} on the tuning half; kept {best}, the first"
            numbers = {"tuning_points": scores[setting], "best_tuning_points": scores[best]}
        else:
            text = (f"dropped after round {state.round}: {scores[best] - scores[setting]:.1f} points below {best} "
                    "on the tuning half")
            numbers = {"tuning_points": scores[setting], "best_tuning_points": scores[best]}
        found.append(Decision(state.round, DecisionKind.DROPPED, text, method, setting, RACING, numbers))
    if keep == 1:
        tied = [s for s in ranked[1:] if scores[s] == scores[best]]
        why = (f"tied on the tuning half with {', '.join(tied)} ({scores[best]:.1f}%); kept {best}, the first" if tied
               else f"on the tuning half ({scores[best]:.1f}%)")
        found.append(Decision(state.round, DecisionKind.CHOSEN, f"{method}: {best} chosen after round {state.round} {why}",
                              method, best, RACING, {"tuning_points": scores[best]}))
    return found


def _look(state: State, judged: dict[str, list[np.ndarray]], margin: float, final: bool,
          spreads: dict[str, tuple[float, int]] | None = None) -> list[Decision]:
    """`margin` in accuracy points."""
    interim = len(state.looks)
    alpha = ALPHA - INTERIM_ALPHA * interim if final else INTERIM_ALPHA
    level = 1 - alpha
    found = []
    comparisons = compare_all({m: np.asarray(runs) for m, runs in judged.items()}, margin=margin, level=level,
                              spreads=spreads)
    for pair in comparisons:
        name = pair.direction
        if name in state.closed:
            continue
        answer = Answer(pair.decision) if pair.decision != "not resolved" else Answer.GOING_ON
        if answer == Answer.GOING_ON and futile(estimate(np.asarray(judged[pair.a_name])[None], np.asarray(judged[pair.b_name])[None]),
                                           pair.level, margin / 100)[0]:
            answer = Answer.UNRESOLVABLE
        text = (f"look {interim + 1} after round {state.round}{' (the last)' if final else ''}: "
                + (f"{pair.sentence()}" if answer != Answer.UNRESOLVABLE else
                   f"{name}: no number of seeds resolves it on these {pair.sentences} judging sentences "
                   f"({pair.interval_text()})"))
        found.append(Decision(state.round, DecisionKind.LOOK, text, rule=LOOKING, answer=answer, pair=name,
                              numbers={"points": pair.points, "low": pair.low, "high": pair.high, "level": pair.level,
                                       "family_level": level, "seeds_a": float(pair.seeds_a), "seeds_b": float(pair.seeds_b),
                                       "margin": margin}))
    closed = {**state.closed, **{d.pair: d.answer for d in found if d.answer != Answer.GOING_ON}}
    runs, hours = len(state.points), sum(_hours(r) for r, _ in state.finished)
    spent = f"{runs} runs, {hours:.3g} device-hours"
    if len(closed) == len(comparisons):
        found.append(Decision(state.round, DecisionKind.END, f"stopped after round {state.round}: every pair is answered "
                              f"({spent})", rule=LOOKING, answer=Answer.RESOLVED, numbers={"runs": float(runs), "hours": hours}))
    elif final:
        found.append(Decision(state.round, DecisionKind.END, f"stopped after round {state.round}: its last look "
                              f"({'the budget' if len(state.looks) + 1 < MAX_LOOKS else f'{MAX_LOOKS} looks'}; {spent}); "
                              "what is not answered stays not resolved", rule=LOOKING, answer=Answer.BUDGET,
                              numbers={"runs": float(runs), "hours": hours}))
    return found


def _next_points(state: State, sessions_dir: Path | None = None) -> list[RunConfig]:
    """The next round: one more seed of each setting still racing, and judged seeds of each chosen
    setting (5 before the first look, then 2 a round) while any of its pairs is open; judged seeds that
    no run of that setting in `sessions_dir` has used (`fresh_seeds.py`; None: only this sweep's)."""
    added: list[RunConfig] = []

    def add(method: str, setting: str, seed: int, confirmation: bool) -> None:
        template = next(p for p in state.points if p.sweep and (p.sweep.method, p.sweep.setting) == (method, setting))
        label = template.sweep
        assert label is not None
        added.append(_point(template, len(state.points) + len(added) + 1, label, seed, confirmation, state.round + 1))

    open_methods = {m for pair in _pairs(state.methods) if pair not in state.closed for m in pair.split(" − ")}
    for method in state.methods:
        seeds = [p.sweep.seed for p in state.points if p.sweep and p.sweep.method == method]
        if method not in state.chosen:
            for setting in state.survivors(method):
                used = [p.sweep.seed for p in state.points if p.sweep and (p.sweep.method, p.sweep.setting) == (method, setting)]
                add(method, setting, max(used) + 1, confirmation=False)
            continue
        if method not in open_methods:
            continue
        judged = len(state.judged_points(method))
        more = FIRST_LOOK_SEEDS - judged if judged < FIRST_LOOK_SEEDS else SEEDS_PER_LOOK
        several = len(state.given[method]) > 1
        template = next(p for p in state.points if p.sweep and (p.sweep.method, p.sweep.setting) == (method, state.chosen[method]))
        fresh = (fresh_seeds(sessions_dir, template, more, max(seeds), set(seeds)) if sessions_dir is not None
                 else [max(seeds) + offset for offset in range(1, more + 1)])
        for seed in fresh:
            add(method, state.chosen[method], seed, confirmation=several)
    return added


def _pairs(methods: list[str]) -> list[str]:
    return [f"{a} − {b}" for i, a in enumerate(methods) for b in methods[i + 1:]]


def _fits(state: State, options: UntilResolved, hours: float) -> bool:
    """Whether the next round (as if every pair stayed open) fits the budget."""
    if options.max_hours is not None and hours >= options.max_hours:
        return False
    return len(state.points) + len(_next_points(state)) <= options.max_runs


def _hours(record: RunRecord) -> float:
    summary = record.summary
    return ((summary.train_seconds or 0) + (summary.eval_seconds or 0)) / 3600 if summary else 0.0


def _correct(state: State) -> tuple[dict[int, np.ndarray], int]:
    if not state.finished:
        return {}, 0
    aligned = aligned_correctness([r for r, _ in state.finished])
    if aligned.problem:
        raise UserError(f"the sweep cannot decide its next round: {aligned.problem}")
    return aligned.correct, aligned.sentences

