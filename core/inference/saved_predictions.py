"""Per-example validation predictions of a run's final evaluation, for misclassification reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sst2_tui.core.data.split import Split
from sst2_tui.core.inference.evaluation import EvalResult
from sst2_tui.core.json_text import parse_json
from sst2_tui.core.storage.files import atomic_write_text

FILE = "predictions.jsonl"


def write_predictions(run_dir: Path, validation: Split, result: EvalResult | None) -> None:
    if result is None or len(result.positive_probability) != len(validation):
        return
    lines = [json.dumps({"text": text, "label": label, "p_positive": round(p, 6)}, ensure_ascii=False)
             for text, label, p in zip(validation.texts, validation.labels, result.positive_probability, strict=True)]
    atomic_write_text(run_dir / FILE, "\n".join(lines) + "\n")


def read_predictions(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / FILE
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
