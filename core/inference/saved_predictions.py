"""Per-example validation predictions: of a run's final evaluation (`predictions.jsonl`, for the
report's most confident mistakes) and of its best evaluation (`best_predictions.jsonl`, rewritten
at each new best, so a killed run keeps it: what a sweep's verdict compares sentence by sentence).

    {"id": "9f2c41d07a3b", "text": "a gripping film .", "label": 1, "p_positive": 0.912, "step": 188}

Every row carries a stable sentence id (from the sentence's text, and how many times the same text
came before it), so two runs are compared sentence by sentence by id, never by line position, and
runs that scored different sentences are told apart. A file is read back through one validated
reader: a row with a field of the wrong type (`"label": "1"`, `"p_positive": "0.54"`) or a duplicated
id makes the whole file unusable, said in one line naming the file and line; never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sst2_tui.core.data.split import Split
from sst2_tui.core.storage.files import atomic_write_text
from sst2_tui.core.storage.own_files import read_plain
from sst2_tui.core.text.json_text import parse_json

FILE = "predictions.jsonl"
BEST_FILE = "best_predictions.jsonl"
if TYPE_CHECKING:  # only for an annotation: importing it imports torch (1.5 s of CPU a `report` never needs)
    from sst2_tui.core.inference.evaluation import EvalResult

MAX_FILE_BYTES = 256 * 1024 * 1024
"""A predictions file past this is refused unread (a validation set of a million sentences is ~150 MB)."""


def sentence_ids(texts: Sequence[str]) -> list[str]:
    """A stable id per sentence: 12 hex digits of its text's SHA-1, and `#k` for its k-th repeat
    (SST-2's dev set has none; other data may)."""
    seen: dict[str, int] = {}
    ids = []
    for text in texts:
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        count = seen.get(digest, 0)
        seen[digest] = count + 1
        ids.append(digest if count == 0 else f"{digest}#{count}")
    return ids


@dataclass(frozen=True)
class Prediction:
    id: str
    text: str
    label: int
    """0 (negative) or 1 (positive)."""
    p_positive: float
    step: int | None = None

    @property
    def predicted(self) -> int:
        return 1 if self.p_positive >= 0.5 else 0

    @property
    def correct(self) -> bool:
        return self.predicted == self.label


@dataclass(frozen=True)
class Predictions:
    """A predictions file read back: its rows, or (when it cannot be used) none and why."""

    rows: list[Prediction]
    problem: str | None = None

    def correctness(self) -> dict[str, bool]:
        return {row.id: row.correct for row in self.rows}


def write_predictions(run_dir: Path, validation: Split, result: EvalResult | None, step: int | None = None,
                      file: str = FILE) -> None:
    if result is None or len(result.positive_probability) != len(validation):
        return
    at = {} if step is None else {"step": step}
    lines = [json.dumps({"id": sentence_id, "text": text, "label": label, "p_positive": round(p, 6), **at}, ensure_ascii=False)
             for sentence_id, text, label, p in zip(sentence_ids(validation.texts), validation.texts, validation.labels,
                                                    result.positive_probability, strict=True)]
    atomic_write_text(run_dir / file, "\n".join(lines) + "\n")


def read_predictions(run_dir: Path, file: str = FILE) -> Predictions:
    """The file's rows, each checked for its types; a missing file has no rows and no problem."""
    path = run_dir / file
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return Predictions([], f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB; not read")
        data = read_plain(path)
    except FileNotFoundError:
        return Predictions([])
    except OSError as error:
        return Predictions([], f"{path}: unreadable ({error.strerror})")
    rows: list[Prediction] = []
    seen: set[str] = set()
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        row, why = _row(line, number)
        if row is not None and row.id in seen:
            why = f"sentence id {row.id!r} appears twice"
        if row is None or why:
            return Predictions([], f"{path} line {number}: {why}; "
                                   "the file is not used (the run's own evaluation is intact; evaluate it again to rewrite it)")
        seen.add(row.id)
        rows.append(row)
    return Predictions(rows)


def _row(line: bytes, number: int) -> tuple[Prediction | None, str]:
    try:
        value = parse_json(line)
    except ValueError as error:
        return None, str(error)
    if not isinstance(value, dict):
        return None, "not a JSON object"
    text, label, p, step = value.get("text"), value.get("label"), value.get("p_positive"), value.get("step")
    sentence_id = value.get("id")
    if sentence_id is None and isinstance(text, str):  # written before sentence ids: the same id, from the text
        sentence_id = sentence_ids([text])[0]
    if not isinstance(sentence_id, str) or not 0 < len(sentence_id) <= 64:
        return None, "its id is not a short text"
    if not isinstance(text, str):
        return None, "its text is not text"
    if isinstance(label, bool) or label not in (0, 1) or not isinstance(label, int):
        return None, f"its label is {_shown(label)}, not 0 or 1"
    if isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p) or not 0 <= p <= 1:
        return None, f"its p_positive is {_shown(p)}, not a number from 0 to 1"
    if step is not None and (isinstance(step, bool) or not isinstance(step, int) or step < 0):
        return None, f"its step is {_shown(step)}, not a whole number"
    return Prediction(sentence_id, text, label, float(p), step), ""


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, float) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Mistake:
    """A validation sentence the run got wrong, and how sure it was (the predicted label's probability)."""

    text: str
    label: int
    p_positive: float
    predicted: int
    confidence: float


def most_confident_mistakes(predictions: Predictions, top: int = 10) -> list[Mistake]:
    """Wrong predictions, most confident first (confidence = probability of the predicted label)."""
    wrong = [(row, row.p_positive if row.predicted == 1 else 1 - row.p_positive) for row in predictions.rows if not row.correct]
    wrong.sort(key=lambda found: -found[1])
    return [Mistake(row.text, row.label, row.p_positive, row.predicted, round(confidence, 4)) for row, confidence in wrong[:top]]
