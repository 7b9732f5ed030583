"""A session's forked runs as families: the lineage tree (each line within 80 columns) and, for each fork
against its parent, "did the change help?" (core/stats/paired_runs.py), measured at the end of both
runs on the judging half of the validation sentences (core/stats/halves.py: the half no choice is made
on, so that a branch point or a change picked while watching the validation curve cannot inflate it).

A family is a run that was not forked and every run forked from it, from its forks, and so on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sst2_tui.core.inference.saved_predictions import FILE, read_predictions
from sst2_tui.core.stats.halves import tuning_mask
from sst2_tui.core.stats.paired_runs import PairedRuns, compare_runs
from sst2_tui.core.storage.sessions import RunRecord
from sst2_tui.core.summary import Status

TREE_WIDTH = 80
ONE_PAIR = ("The two runs share their history up to the branch point, and the interval is over sentences only: one "
            "pair of runs cannot say whether the change helps another seed (fork several seeds of the parent to ask that).")


@dataclass(frozen=True)
class ForkAnswer:
    """One fork against its parent at the end of both."""

    parent: str
    child: str
    branch_step: int
    changed: list[str]
    result: PairedRuns | None
    """None where it cannot be answered yet (`why_not` says why)."""
    why_not: str | None = None

    def text(self) -> str:
        """One plain sentence: what was compared, the numbers, the answer."""
        head = f"{self.child} against its parent {self.parent}"
        if self.result is None:
            return f"{head}: no answer yet ({self.why_not})."
        r = self.result
        words = {"helped": "the change helped", "hurt": "the change hurt",
                 "no difference shown": "no difference shown (these sentences cannot tell them apart)"}[r.answer]
        return (f"{head}, at the end, on the {r.sentences} judging sentences: {r.child_accuracy:.1f}% against "
                f"{r.parent_accuracy:.1f}%, {r.difference:+.1f} points ({100 * r.level:.0f}% interval {r.low:+.1f} to "
                f"{r.high:+.1f}; {r.only_child_right} sentences only the fork got right, {r.only_parent_right} only the "
                f"parent): {words}.")


@dataclass(frozen=True)
class Family:
    root: str
    members: list[str]
    """The root first, then its descendants in tree order."""
    tree: list[str]
    """The lineage tree, one line per run, each at most TREE_WIDTH characters."""
    answers: list[ForkAnswer]


def families_of(records: list[RunRecord]) -> list[Family]:
    """Every family with at least one fork, in the order their roots were made."""
    by_id = {record.run_id: record for record in records}
    children: dict[str, list[RunRecord]] = {}
    for record in records:
        fork = record.config.fork if record.config is not None else None
        if fork is not None and fork.parent in by_id and fork.parent != record.run_id:
            children.setdefault(fork.parent, []).append(record)
    roots = [r for r in records if r.run_id in children and _parent(r) not in by_id]
    families = []
    for root in roots:
        lines: list[str] = []
        members: list[str] = []
        answers: list[ForkAnswer] = []
        _walk(root, by_id, children, "", "", lines, members, answers, set())
        families.append(Family(root.run_id, members, lines, answers))
    return families


def _parent(record: RunRecord) -> str | None:
    return record.config.fork.parent if record.config is not None and record.config.fork is not None else None


def _walk(record: RunRecord, by_id: dict[str, RunRecord], children: dict[str, list[RunRecord]], lead: str, tail: str,
          lines: list[str], members: list[str], answers: list[ForkAnswer], seen: set[str]) -> None:
    if record.run_id in seen:  # a hand-edited config that makes a loop: each run once
        return
    seen.add(record.run_id)
    answer = fork_answer(by_id[_parent(record) or ""], record) if members else None  # the root has no parent here
    members.append(record.run_id)
    if answer is not None:
        answers.append(answer)
    lines.append(_clip(lead + _node(record, answer)))
    kids = children.get(record.run_id, [])
    for index, child in enumerate(kids):
        last = index == len(kids) - 1
        _walk(child, by_id, children, tail + ("└─ " if last else "├─ "), tail + ("   " if last else "│  "),
              lines, members, answers, seen)


def _node(record: RunRecord, answer: ForkAnswer | None) -> str:
    summary = record.summary
    accuracy = summary.final_val_accuracy if summary is not None else None
    ended = f"{100 * accuracy:.1f}%" if accuracy is not None else record.status.value
    fork = record.config.fork if record.config is not None else None
    if fork is None or answer is None:
        return f"{record.run_id}  {ended}"
    change = ", ".join(fork.changed) or "nothing changed"
    short = {"helped": "helped", "hurt": "hurt", "no difference shown": "no difference"}
    verdict = f"; judged {answer.result.difference:+.1f}: {short[answer.result.answer]}" if answer.result is not None else ""
    return f"{record.run_id}  at step {fork.branch_step}: {change}  ({ended}{verdict})"


def _clip(line: str) -> str:
    return line if len(line) <= TREE_WIDTH else line[:TREE_WIDTH - 1] + "…"


def fork_answer(parent: RunRecord, child: RunRecord) -> ForkAnswer:
    """The fork against its parent, each by its final evaluation (predictions.jsonl), on the judging half
    of the sentences both scored; or why there is no answer yet."""
    fork = child.config.fork if child.config is not None else None
    assert fork is not None
    label = (parent.run_id, child.run_id, fork.branch_step, list(fork.changed))
    for record in (parent, child):
        if record.status != Status.FINISHED:
            return ForkAnswer(*label, None, f"{record.run_id} is {record.status.value}; both must finish")
    found = [read_predictions(record.folder.path) for record in (parent, child)]
    for record, predictions in zip((parent, child), found, strict=True):
        if predictions.problem or not predictions.rows:
            return ForkAnswer(*label, None, predictions.problem or f"{record.folder.path / FILE} is missing")
    first, second = (p.correctness() for p in found)
    shared = sorted(set(first) & set(second))
    if len(shared) < len(first) or len(shared) < len(second):
        return ForkAnswer(*label, None, "the two runs were scored on different validation sentences")
    judging = [sentence for sentence, tuning in zip(shared, tuning_mask(shared), strict=True) if not tuning]
    result = compare_runs(np.array([first[s] for s in judging]), np.array([second[s] for s in judging]))
    return ForkAnswer(*label, result)
