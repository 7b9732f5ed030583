"""Everything a session report says, as plain data: the one source for md, html, json and csv.

Repeated configurations (the same settings with different seeds) are grouped, with mean and
standard deviation of best and final validation accuracy. Noise: one run's accuracy on n
validation sentences has a standard error of sqrt(p(1-p)/n), about one point at 90% on 872.
"""

from __future__ import annotations

import json
import math
import statistics
from typing import Any

from sst2_tui.core.events import Checkpoint, Control, Eval, Exported, Nonfinite, Paused, Resumed, RunFailed, RunStarted, Step
from sst2_tui.core.inference.saved_predictions import most_confident_mistakes, read_predictions
from sst2_tui.core.report.compare import differing_settings, result_row, settings_of
from sst2_tui.core.storage.sessions import RunRecord, Session
from sst2_tui.core.summary import Status
from sst2_tui.core.words import event_line

SCHEMA_VERSION = 1
CSV_COLUMNS = ("run_id", "method", "model", "init", "seed", "lr", "eps", "final_lr", "final_eps",
               "precision", "epochs", "batch_size", "status",
               "steps", "best_val_accuracy", "final_val_accuracy", "seconds_per_epoch", "train_samples_per_second",
               "trainable_params", "total_params", "nonfinite_events", "group")
GROUP_IGNORES = ("seed", "extra")


def standard_error(accuracy: float | None, n: int | None) -> float | None:
    if accuracy is None or not n:
        return None
    return math.sqrt(max(accuracy * (1 - accuracy), 0.0) / n)


def mean_std(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    mean = statistics.fmean(values)
    return mean, (statistics.stdev(values) if len(values) > 1 else None)  # one run has no spread: None, not 0


def group_key(config: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in sorted(config.items()) if k not in GROUP_IGNORES}, sort_keys=True, default=str)


TIMELINE = {Control: Control.type, Paused: Paused.type, Resumed: Resumed.type, Nonfinite: Nonfinite.type, Exported: Exported.type,
            Checkpoint: "checkpoint"}


def _timeline(record: RunRecord) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for event in record.events:
        kind = TIMELINE.get(type(event))
        line = event_line(event, detail=True) if kind else None
        if line is not None:
            if isinstance(event, Control):
                kind = {"set_lr": "set lr", "set_eps": "set eps"}.get(str(event.command.get("kind")), "stop")
            items.append({"step": getattr(event, "step", None), "kind": kind, "detail": line.split(": ", 1)[1]})
    return items


def _failure(record: RunRecord) -> dict[str, str] | None:
    """Why a run that did not finish ended, in its own words (its `run_failed` event), or for a run
    whose process vanished, what that means and how to go on."""
    failed = next((e for e in reversed(record.events) if isinstance(e, RunFailed)), None)
    if failed is not None:
        return {"error": failed.error, "hint": failed.hint}
    if record.status == Status.DIED:
        return {"error": "its process ended without finishing: killed, out of memory, or a reboot",
                "hint": f"Resume it from its last checkpoint: sst2-tui run --resume {record.folder.path}"}
    return None


def run_data(record: RunRecord) -> dict[str, Any]:
    started = record.started
    config = started.config if isinstance(started, RunStarted) else record.config
    summary = record.summary.to_json() if record.summary else {}
    evals = [e for e in record.events if isinstance(e, Eval)]
    n = evals[-1].n if evals else None
    predictions = read_predictions(record.folder.path)
    return {
        "run_id": record.run_id,
        "status": record.status,
        "config": config,
        "summary": summary,
        "effective": started.effective if isinstance(started, RunStarted) else {},
        "device": started.device if isinstance(started, RunStarted) else {},
        "versions": started.versions if isinstance(started, RunStarted) else {},
        "evaluation_only": config.get("method") == "evaluate",
        "loss_curve": [[e.step, e.loss] for e in record.events if isinstance(e, Step)],
        "accuracy_curve": [[e.step, e.accuracy] for e in evals],
        "validation_n": n,
        "standard_error": standard_error(record.summary.final_val_accuracy if record.summary else None, n),
        "timeline": _timeline(record),
        "misclassified": most_confident_mistakes(predictions),
        "unusable_files": [predictions.problem] if predictions.problem else [],
        "bad_log_lines": record.bad_lines,
        "failure": _failure(record),
        "row": result_row(record.run_id, config, record.summary, record.summary.device or "" if record.summary else "", record.status,
                          started.trainable_params if isinstance(started, RunStarted) else None,
                          started.total_params if isinstance(started, RunStarted) else None),
    }


def groups_of(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Configurations run more than once (the same settings but the seed), with mean and spread of
    their finished runs. A group none of whose runs finished is left out (nothing to average); one
    whose runs all share a seed says so: its spread is run-to-run noise, not seed variation."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        grouped.setdefault(group_key(run["config"]), []).append(run)
    result = []
    for members in grouped.values():
        finished = [r for r in members if r["summary"].get("best_val_accuracy") is not None]
        if len(members) < 2 or not finished:
            continue
        best_mean, best_std = mean_std([r["summary"]["best_val_accuracy"] for r in finished])
        final_values = [r["summary"]["final_val_accuracy"] for r in finished if r["summary"].get("final_val_accuracy") is not None]
        final_mean, final_std = mean_std(final_values)
        first = members[0]["config"]
        seeds = [r["config"].get("seed") for r in finished]
        result.append({"runs": [r["run_id"] for r in members], "n": len(finished), "method": first.get("method"),
                       "model": first.get("model"), "seeds": seeds,
                       "over": "seeds" if len(set(seeds)) > 1 else "repeats of one seed",
                       "best_mean": best_mean, "best_std": best_std, "final_mean": final_mean, "final_std": final_std})
    return result


def _sweep_verdict(session: Session) -> dict[str, Any] | None:
    """A sweep's session (sweep.json, or runs labelled as points: `--print-commands` lines run by
    another scheduler): its verdict; any other session: None."""
    from sst2_tui.core.storage.sweep_file import SWEEP_FILE

    if not (session.path / SWEEP_FILE).is_file() and not any(
            "sweep" in ((record.config or {}).get("extra") or {}) for record in session.runs()):
        return None
    from sst2_tui.core.report.sweep_verdict import sweep_verdict

    return sweep_verdict(session).to_dict()


def session_data(session: Session) -> dict[str, Any]:
    records = session.runs()
    runs = [run_data(record) for record in records]
    groups = groups_of(runs)
    for index, group in enumerate(groups, start=1):
        for run in runs:
            if run["run_id"] in group["runs"]:
                run["group"] = f"g{index}"
        group["id"] = f"g{index}"
    first_started = next((r for r in runs if r["device"]), None)
    return {
        "schema_version": SCHEMA_VERSION,
        "session": session.name,
        "created": session.meta.get("created"),
        "host": session.meta.get("host"),
        "device": first_started["device"] if first_started else {},
        "versions": first_started["versions"] if first_started else {},
        "runs": runs,
        "groups": groups,
        "sweep": _sweep_verdict(session),
        "differing_settings": differing_settings([settings_of(r["config"], r["effective"]) for r in runs]),
        "skipped_files": session.problems + [problem for record in records for problem in record.problems]
        + [problem for run in runs for problem in run["unusable_files"]],
    }
