"""#35: the seven status words live in one place, `core/summary.Status`, with the predicates everyone
needs; no module of core, cli or tui writes one as a string literal (88 did, with `("live", "paused")`
written out four times and a tuple holding a status the set lacked)."""

from __future__ import annotations

import ast
from pathlib import Path

from sst2_tui.core.summary import Status

ROOT = Path(__file__).resolve().parent.parent
WORDS = {status.value for status in Status}


def literals() -> list[str]:
    found = []
    for folder in ("core", "cli", "tui"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "core" / "summary.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            # an event's JSON `type` (`Paused.type = "paused"`) names an event, not a status
            event_types = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.AnnAssign)
                           and isinstance(node.target, ast.Name) and node.target.id == "type"}
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in WORDS
                        and id(node) not in event_types):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    return found


def test_no_status_word_is_written_as_a_literal_outside_the_enum():
    assert literals() == []


def test_the_predicates_say_what_each_status_means():
    assert {s for s in Status if s.is_live} == {Status.LIVE, Status.PAUSED}
    assert {s for s in Status if s.is_resumable} == {Status.INTERRUPTED, Status.STOPPED, Status.DIED}
    assert Status.of("finished") is Status.FINISHED and Status.of("nope") is None
    assert f"{Status.DIED}" == "died" and Status.FAILED == "failed"
