"""A sweep's verdict from its session: the table per method and setting (mean ± std over seeds),
each method's best setting chosen on one half of the validation sentences and judged on the other,
each pair of methods compared by a paired bootstrap, and what each cost. The statistics are in
`core/report/verdict.py`; this reads the runs and words the result."""

from __future__ import annotations

import itertools
import statistics
from typing import Any

import numpy as np

from sst2_tui.core.inference.saved_predictions import BEST_FILE, read_predictions
from sst2_tui.core.report.verdict import choose_best, mean_accuracy, paired_bootstrap, split_halves
from sst2_tui.core.storage.sessions import RunRecord, Session, load_run

HALVES_NOTE = ("Each method's best setting is chosen on one fixed, seeded half of the validation sentences and scored "
               "on the other half, so choosing among settings does not inflate the winner's score.")
METHOD_ORDER = ("full", "trainer", "lora")


def _sweep(record: RunRecord) -> dict[str, Any] | None:
    sweep = ((record.config or {}).get("extra") or {}).get("sweep")
    return sweep if isinstance(sweep, dict) and isinstance(sweep.get("setting"), str) else None


def aligned_correctness(records: list[RunRecord]) -> tuple[dict[int, np.ndarray], str | None]:
    """Each run's per-sentence correctness at its best step, all in one sentence order (by sentence
    id, never by line position); or why there is none: a run without a usable predictions file, or
    two runs that scored different sentences (named, with how many they share)."""
    read = {id(r): read_predictions(r.folder.path, BEST_FILE) for r in records}
    for record in records:
        predictions = read[id(record)]
        if predictions.problem:
            return {}, f"{record.run_id}'s predictions cannot be used ({predictions.problem})"
        if not predictions.rows:
            return {}, f"{record.run_id} has no per-sentence predictions ({BEST_FILE})"
    first = records[0]
    order = sorted(read[id(first)].correctness())
    for record in records[1:]:
        theirs = read[id(record)].correctness()
        if set(theirs) != set(order):
            shared = len(set(theirs) & set(order))
            return {}, (f"{first.run_id} and {record.run_id} scored different validation sentences ({shared} shared of "
                        f"{len(order)} and {len(theirs)}); every point of a sweep needs the same validation set "
                        "(the same --data, --eval-subset and --data-seed)")
    return {id(r): np.asarray([read[id(r)].correctness()[key] for key in order], dtype=float) for r in records}, None


def _mean_std(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else None)


def sweep_verdict(session: Session) -> dict[str, Any]:
    records = [r for r in (load_run(f) for f in session.run_folders()) if _sweep(r) is not None]
    finished = [r for r in records if r.status == "finished"]
    groups: dict[tuple[str, str], list[RunRecord]] = {}
    for record in finished:
        sweep = _sweep(record)
        groups.setdefault((str(sweep.get("method")), sweep["setting"]), []).append(record)
    table = []
    for (method, setting), runs in sorted(groups.items(), key=lambda g: (_order(g[0][0]), g[0][1])):
        best = [r.summary["best_val_accuracy"] for r in runs if isinstance((r.summary or {}).get("best_val_accuracy"), float)]
        epoch = [r.summary["seconds_per_epoch"] for r in runs if isinstance((r.summary or {}).get("seconds_per_epoch"), float)]
        mean, std = _mean_std(best)
        table.append({"method": method, "setting": setting, "n": len(runs), "seeds": sorted(_sweep(r)["seed"] for r in runs),
                      "best_mean": mean, "best_std": std, "seconds_per_epoch": _mean_std(epoch)[0]})
    result: dict[str, Any] = {"runs": len(records), "finished": len(finished), "table": table, "chosen": [],
                              "pairs": [], "cost": [], "note": HALVES_NOTE, "problem": None,
                              "all_finished": bool(records) and len(finished) == len(records),
                              "not_finished": [f"{r.folder.run_id} ({r.status})" for r in records if r.status != "finished"]}
    if not finished:
        result["problem"] = "no point has finished yet"
    else:
        correct, problem = aligned_correctness(finished)
        if problem:
            result["problem"] = f"{problem}: no paired verdict"
        else:
            _judge(result, groups, correct, len(next(iter(correct.values()))))
    result["lines"] = _lines(result)
    return result


def _order(method: str) -> int:
    return METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER)


def _judge(result: dict[str, Any], groups: dict, correct: dict[int, np.ndarray], sentences: int) -> None:
    tuning, judging = split_halves(sentences, seed=0)
    best_runs: dict[str, list[np.ndarray]] = {}
    for method in sorted({m for m, _ in groups}, key=_order):
        settings = {setting: [correct[id(r)] for r in runs] for (m, setting), runs in groups.items() if m == method}
        chosen = choose_best(settings, tuning)
        best_runs[method] = settings[chosen]
        runs = groups[(method, chosen)]
        seconds = [float((r.summary or {}).get("train_seconds") or 0) + float((r.summary or {}).get("eval_seconds") or 0)
                   for r in groups_all(groups, method)]
        device = str((runs[0].summary or {}).get("device") or "")
        unit = "GPU" if "cuda" in device.lower() or "gpu" in device.lower() else "CPU"
        judged = mean_accuracy(settings[chosen], judging)
        per_run = statistics.fmean(float((r.summary or {}).get("train_seconds") or 0) for r in runs)
        result["chosen"].append({"method": method, "setting": chosen, "n": len(runs),
                                 "tuning_accuracy": mean_accuracy(settings[chosen], tuning), "judged_accuracy": judged})
        result["cost"].append({"method": method, "unit": unit, "seconds_all_runs": round(sum(seconds), 1),
                               "seconds_per_run": round(per_run, 1),
                               "points_per_hour": round(100 * judged / (per_run / 3600), 1) if per_run > 0 else None})
    for a, b in itertools.combinations(best_runs, 2):
        difference = paired_bootstrap(a, best_runs[a], b, best_runs[b], judging)
        result["pairs"].append({"a": a, "b": b, "points": difference.points, "low": difference.low, "high": difference.high,
                                "real": difference.real, "sentence": difference.sentence()})
    result["sentences"] = {"tuning": len(tuning), "judging": len(judging)}


def groups_all(groups: dict, method: str) -> list[RunRecord]:
    return [r for (m, _), runs in groups.items() if m == method for r in runs]


def _lines(result: dict[str, Any]) -> list[str]:
    lines = [f"Sweep: {result['finished']} of {result['runs']} runs finished"
             + (f"; not finished: {', '.join(result['not_finished'])}" if result["not_finished"] else "")]
    for row in result["table"]:
        mean, std = row["best_mean"], row["best_std"]
        shown = "-" if mean is None else f"{100 * mean:.1f}" + (f" ± {100 * std:.1f}" if std is not None else " (n=1: no spread)")
        lines.append(f"  {row['method']:<8} {row['setting']:<24} best acc {shown}  n={row['n']}")
    if result["problem"]:
        return [*lines, f"No verdict: {result['problem']}."]
    for chosen in result["chosen"]:
        lines.append(f"  best {chosen['method']}: {chosen['setting']} (chosen on {result['sentences']['tuning']} sentences, "
                     f"{100 * chosen['judged_accuracy']:.1f}% on the other {result['sentences']['judging']})")
    lines += [f"Verdict: {pair['sentence']}" for pair in result["pairs"]]
    return lines
