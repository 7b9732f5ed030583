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
    """The true class (0, 1, ...; with two classes 0 is negative and 1 positive)."""
    p_positive: float
    """P(class 1)."""
    step: int | None = None

    given: int | None = None
    """The class it was given, where the file says (more than two classes); else from p_positive."""
    p_given: float | None = None
    """The probability of that class, where the file says."""

    @property
    def predicted(self) -> int:
        if self.given is not None:
            return self.given
        return 1 if self.p_positive >= 0.5 else 0

    @property
    def confidence(self) -> float:
        """The probability of the class it was given."""
        if self.p_given is not None:
            return self.p_given
        return self.p_positive if self.predicted == 1 else 1 - self.p_positive

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
    many = bool(result.probabilities) and len(result.probabilities[0]) > 2
    lines = []
    for index, (sentence_id, text, label, p) in enumerate(zip(sentence_ids(validation.keys), validation.texts, validation.labels,
                                                              result.positive_probability, strict=True)):
        row: dict[str, object] = {"id": sentence_id, "text": text}
        if validation.pairs is not None:
            row["pair"] = validation.pairs[index]
        row.update({"label": label, "p_positive": round(p, 6)})
        if many:  # two classes: p_positive says it all (and the file reads as it always did)
            given = result.predicted[index]
            row.update({"predicted": given, "p_predicted": round(result.probabilities[index][given], 6)})
        lines.append(json.dumps({**row, **at}, ensure_ascii=False))
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
    given, p_given, pair = value.get("predicted"), value.get("p_predicted"), value.get("pair")
    sentence_id = value.get("id")
    if sentence_id is None and isinstance(text, str):  # written before sentence ids: the same id, from the text
        sentence_id = sentence_ids([text if not isinstance(pair, str) else f"{text}\t{pair}"])[0]
    if not isinstance(sentence_id, str) or not 0 < len(sentence_id) <= 64:
        return None, "its id is not a short text"
    if not isinstance(text, str):
        return None, "its text is not text"
    if not isinstance(label, int) or not _class_id(label):
        return None, f"its label is {_shown(label)}, not a class number (0, 1, ...)"
    if given is not None and not _class_id(given):
        return None, f"its predicted is {_shown(given)}, not a class number (0, 1, ...)"
    if p_given is not None and not _probability(p_given):
        return None, f"its p_predicted is {_shown(p_given)}, not a number from 0 to 1"
    if pair is not None and not isinstance(pair, str):
        return None, "its pair is not text"
    if not isinstance(p, int | float) or not _probability(p):
        return None, f"its p_positive is {_shown(p)}, not a number from 0 to 1"
    if step is not None and (isinstance(step, bool) or not isinstance(step, int) or step < 0):
        return None, f"its step is {_shown(step)}, not a whole number"
    return Prediction(sentence_id, text, label, float(p), step, given, None if p_given is None else float(p_given)), ""


def _class_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1000


def _probability(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value <= 1


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
    wrong = [(row, row.confidence) for row in predictions.rows if not row.correct]
    wrong.sort(key=lambda found: -found[1])
    return [Mistake(row.text, row.label, row.p_positive, row.predicted, round(confidence, 4)) for row, confidence in wrong[:top]]
