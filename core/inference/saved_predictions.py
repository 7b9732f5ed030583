"""Per-example validation predictions: of a run's final evaluation (`predictions.jsonl`, for the
report's most confident mistakes) and of its best evaluation (`best_predictions.jsonl`, rewritten
at each new best, so a killed run keeps it: what a sweep's verdict compares sentence by sentence)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sst2_tui.core.data.split import Split
from sst2_tui.core.inference.evaluation import EvalResult
from sst2_tui.core.json_text import parse_json
from sst2_tui.core.storage.files import atomic_write_text

FILE = "predictions.jsonl"
BEST_FILE = "best_predictions.jsonl"


def write_predictions(run_dir: Path, validation: Split, result: EvalResult | None, step: int | None = None,
                      file: str = FILE) -> None:
    if result is None or len(result.positive_probability) != len(validation):
        return
    at = {} if step is None else {"step": step}
    lines = [json.dumps({"text": text, "label": label, "p_positive": round(p, 6), **at}, ensure_ascii=False)
             for text, label, p in zip(validation.texts, validation.labels, result.positive_probability, strict=True)]
    atomic_write_text(run_dir / file, "\n".join(lines) + "\n")


def read_predictions(run_dir: Path, file: str = FILE) -> list[dict[str, Any]]:
    path = run_dir / file
    rows: list[dict[str, Any]] = []
    if not path.exists():
        return rows
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = parse_json(line)
        except ValueError:
            continue
        if isinstance(row, dict) and {"text", "label", "p_positive"} <= set(row):
            rows.append(row)
    return rows


def most_confident_mistakes(rows: list[dict[str, Any]], top: int = 10) -> list[dict[str, Any]]:
    """Wrong predictions, most confident first (confidence = probability of the predicted label)."""
    mistakes = []
    for row in rows:
        predicted = 1 if row["p_positive"] >= 0.5 else 0
        if predicted != row["label"]:
            confidence = row["p_positive"] if predicted == 1 else 1 - row["p_positive"]
            mistakes.append({**row, "predicted": predicted, "confidence": round(confidence, 4)})
    return sorted(mistakes, key=lambda r: -r["confidence"])[:top]
