"""Every evaluation's per-sentence correctness, compactly (`evaluations.jsonl` in the run folder):
what lets a sweep's verdict choose each run's step on the tuning half of the validation sentences
and judge it on the other half (`core/stats/halves.py`), with no step chosen on the sentences that judge.

    {"sentences": ["9f2c41d07a3b", "03aa6c1e9b20", ...]}      the ids, once, in the evaluation's order
    {"step": 188, "correct": "q/3+..."}                        one line per evaluation: 1 bit per sentence

A line is appended after each evaluation (~150 bytes for SST-2's 872 sentences), so a run killed
at any point keeps every evaluation it finished; a torn last line (killed while writing) is left
out. A resumed run that evaluates a step again replaces that step's line when read. Read back
through one validated reader: a damaged file is one line naming the file and line, never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sst2_tui.core.storage.disk_space import DiskFullError, is_disk_full
from sst2_tui.core.storage.files import atomic_write_text
from sst2_tui.core.storage.own_files import append_own, drop_torn_tail, open_plain, read_plain
from sst2_tui.core.text.json_text import parse_json

FILE = "evaluations.jsonl"
MAX_FILE_BYTES = 256 * 1024 * 1024


def _packed(correct: Sequence[bool]) -> str:
    return base64.b64encode(np.packbits(np.asarray(correct, dtype=bool)).tobytes()).decode("ascii")


def append_evaluation(run_dir: Path, ids: Sequence[str], step: int, correct: Sequence[bool]) -> None:
    """Add one evaluation; the file is started (with the sentence ids) when absent or when it holds
    other sentences (then its earlier evaluations are of another validation set and are dropped)."""
    if len(ids) != len(correct):
        raise ValueError(f"{len(ids)} sentence ids but {len(correct)} results")
    path = run_dir / FILE
    header = json.dumps({"sentences": list(ids)}) + "\n"
    start = _first_ids(path) != list(ids)
    line = json.dumps({"step": step, "correct": _packed(correct)}) + "\n"
    try:
        if not start:
            drop_torn_tail(path)
        # Through the own-files layer (a planted link is refused): a new file is written whole, then
        # each evaluation appended, on disk before the run goes on (an evaluation is minutes of work).
        if start:
            atomic_write_text(path, header + line)
        else:
            append_own(path, line.encode("utf-8"), sync=True)
    except OSError as error:
        if is_disk_full(error):
            raise DiskFullError(path, path.name) from error
        raise


def _first_ids(path: Path) -> list[str] | None:
    try:
        with open_plain(path) as file:
            value = parse_json(file.readline())
    except (OSError, ValueError):
        return None
    ids, why = _header(value)
    return None if why else ids


@dataclass(frozen=True)
class EvaluationLog:
    """A run's evaluations read back: the sentence ids, and per evaluation (ordered by step) its step
    and correctness (`correct[e, s]`: evaluation e got sentence s right); or none, and why."""

    ids: list[str] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    correct: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    problem: str | None = None

    def at_step(self, step: int) -> np.ndarray | None:
        return self.correct[self.steps.index(step)] if step in self.steps else None


def read_evaluations(run_dir: Path) -> EvaluationLog:
    """The file's evaluations, each line checked; a missing file has none and no problem."""
    path = run_dir / FILE
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return EvaluationLog(problem=f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB; not read")
        data = read_plain(path)
    except FileNotFoundError:
        return EvaluationLog()
    except OSError as error:
        return EvaluationLog(problem=f"{path}: unreadable ({error.strerror})")
    lines = data.split(b"\n")
    if lines and lines[-1].strip():
        lines = lines[:-1]  # no newline yet: torn by a kill while writing
    ids: list[str] | None = None
    by_step: dict[int, np.ndarray] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = parse_json(line)
        except ValueError as error:
            return _damaged(path, number, str(error))
        if ids is None:
            ids, why = _header(value)
            if why:
                return _damaged(path, number, why)
            continue
        step, correct, why = _evaluation(value, len(ids))
        if why:
            return _damaged(path, number, why)
        by_step[step] = correct
    steps = sorted(by_step)
    correct = np.stack([by_step[s] for s in steps]) if steps else np.zeros((0, len(ids or [])), dtype=bool)
    return EvaluationLog(ids or [], steps, correct)


def _damaged(path: Path, number: int, why: str) -> EvaluationLog:
    return EvaluationLog(problem=f"{path} line {number}: {why}; the file is not used")


def _header(value: object) -> tuple[list[str], str]:
    ids = value.get("sentences") if isinstance(value, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) and 0 < len(i) <= 64 for i in ids):
        return [], "not the header (an object with 'sentences', a list of sentence ids)"
    if len(set(ids)) != len(ids):
        return [], "a sentence id appears twice"
    return ids, ""


def _evaluation(value: object, sentences: int) -> tuple[int, np.ndarray, str]:
    nothing = np.zeros(0, dtype=bool)
    if not isinstance(value, dict):
        return 0, nothing, "not a JSON object"
    step, packed = value.get("step"), value.get("correct")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        return 0, nothing, "its step is not a whole number"
    try:
        raw = base64.b64decode(packed, validate=True) if isinstance(packed, str) else None
    except (binascii.Error, ValueError):
        raw = None
    if raw is None or len(raw) != (sentences + 7) // 8:
        return 0, nothing, f"its 'correct' is not {sentences} results packed in base64"
    return step, np.unpackbits(np.frombuffer(raw, dtype=np.uint8))[:sentences].astype(bool), ""
