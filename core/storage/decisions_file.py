"""A sweep's decisions (`decisions.jsonl` in its session, `sweep --until-resolved`): each setting
dropped, each setting chosen, each look at the verdict and why the sweep stopped, with the round,
the time, the numbers it rested on and the rule, one JSON line each, appended before the next round
is queued, so a killed scheduler loses none and `sweep --resume` goes on with the same decisions.

    {"round": 2, "kind": "dropped", "method": "lora", "setting": "lr=1e-4", "rule": "successive halving ...",
     "numbers": {"tuning_points": 81.2, "best_tuning_points": 84.3}, "text": "dropped after round 2: ...", "time": 1.7e9}

Read back through one validated reader: a damaged line is one line naming the file and line.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from sst2_tui.core.records import RecordError, Word, record_from_json, to_json_value
from sst2_tui.core.storage.disk_space import DiskFullError, is_disk_full
from sst2_tui.core.storage.own_files import append_own, drop_torn_tail
from sst2_tui.core.storage.validated import read_jsonl_records

FILE = "decisions.jsonl"


class DecisionKind(Word):
    DROPPED = "dropped"
    """A setting out of the race."""
    CHOSEN = "chosen"
    """A method's setting."""
    LOOK = "look"
    """A pair judged at a look: `numbers` holds the interval and its level."""
    END = "end"
    """The sweep stopped, and why."""


class Answer(Word):
    """A look's answer for its pair (`core/stats/sequential.STOPS`), or why the sweep stopped."""

    NONE = ""
    A_BETTER = "a better"
    B_BETTER = "b better"
    EQUIVALENT = "equivalent"
    UNRESOLVABLE = "unresolvable"
    GOING_ON = "going on"
    RESOLVED = "resolved"
    """The sweep stopped: every pair is answered."""
    BUDGET = "budget"
    """The sweep stopped at its budget (or its last look)."""


KINDS = tuple(kind.value for kind in DecisionKind)


@dataclass(frozen=True)
class Decision:
    round: int
    """The round whose finished runs it rested on."""
    kind: DecisionKind
    text: str
    """What the app's grid, `sweep` and the report say."""
    method: str | None = None
    setting: str | None = None
    rule: str = ""
    """The rule that decided, in words."""
    numbers: dict[str, float] = field(default_factory=dict)
    """The numbers it rested on, named (accuracy points, levels, runs, hours)."""
    answer: Answer = Answer.NONE
    """A look's answer for its pair (`core/stats/sequential.STOPS`) or why the sweep stopped."""
    pair: str = ""
    """A look's pair, `lora − full`."""
    time: float = 0.0


def append_decisions(session_path: Path, decisions: list[Decision]) -> None:
    if not decisions:
        return
    path = session_path / FILE
    now = time.time()
    lines = "".join(json.dumps(to_json_value(d if d.time else Decision(**{**d.__dict__, "time": now}))) + "\n"
                    for d in decisions)
    try:  # through the own-files layer: a planted link is refused, never appended through (#46)
        drop_torn_tail(path)  # a torn last line would swallow the first of these
        append_own(path, lines.encode("utf-8"), sync=True)  # on disk before the round they decide is queued
    except OSError as error:
        if is_disk_full(error):
            raise DiskFullError(path, path.name) from error
        raise


def read_decisions(session_path: Path) -> tuple[list[Decision], str | None]:
    """The decisions, or (when the file is damaged) those before the damage and the problem, naming
    the file and line; a missing file has none."""
    return read_jsonl_records(session_path / FILE, _decision)


def _decision(value: dict[str, object]) -> Decision:
    if value.get("kind") not in KINDS:
        raise RecordError(f"kind {value.get('kind')!r} is not one of {', '.join(KINDS)}")
    return record_from_json(Decision, value)
