"""A finished sweep written event by event, no training: 2 methods x 1 setting x 3 seeds, each run
with 4 evaluations whose spread over seeds is known, and per-sentence predictions at its best step
(what the verdict pairs). For the report's seed bands in a browser and the app's sweep curves."""

from __future__ import annotations

import json

import numpy as np

from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import Eval, RunFinished, RunStarted, Step
from sst2_tui.core.inference.evaluation_log import append_evaluation
from sst2_tui.core.stats.halves import split_halves
from sst2_tui.core.storage.files import EventLog
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.summary import Status, Summary
from sst2_tui.core.sweep.grid import build_grid, parse_listed
from sst2_tui.core.sweep.state import write_sweep_file
from sst2_tui.core.sweep.sweep import Sweep

SENTENCES = 40
# each method's accuracy at its 4 evaluations, and how far each seed lies from that (a wide band)
CURVES = {"full": [0.55, 0.65, 0.75, 0.8], "lora": [0.5, 0.55, 0.6, 0.65]}
SEED_OFFSET = {0: -0.08, 1: 0.0, 2: 0.08}


def recorded_sweep(sessions_dir, name: str = "sweep") -> Session:
    session = Session.create(sessions_dir, name, label="sweep")
    points = build_grid({"method": parse_listed("--method", ["full,lora"]), "model": parse_listed("--model", ["demo"]),
                         "data": parse_listed("--data", ["demo"])}, list(SEED_OFFSET))
    write_sweep_file(session.path, points, 1)
    for config in points:
        sweep = config.sweep
        folder = session.new_run(config)
        folder.config_path.write_text(json.dumps(config.to_dict()))
        log = EventLog(folder.events_path)
        log.append(RunStarted(run_id=folder.run_id, method=config.method, config=config, effective={"x": 1},
                              device=DeviceInfo("cpu", "CPU"), precision="fp32", trainable_params=1, total_params=1,
                              versions={}, train_examples=100, eval_examples=SENTENCES, total_steps=40, steps_per_epoch=10,
                              time=0.0))
        accuracies = [a + SEED_OFFSET[sweep.seed] for a in CURVES[config.method]]
        for index, accuracy in enumerate(accuracies, start=1):
            log.append(Step(step=10 * index, epoch=index, loss=1.0 / index, lr=1e-3, eps=1e-8, samples_per_second=1.0,
                            tokens_per_second=1.0, memory_mb=None, time=0.0))
            log.append(Eval(step=10 * index, epoch=index, accuracy=accuracy, loss=0.5, n=SENTENCES,
                            best_accuracy=max(accuracies[:index]), seconds=1.0, time=0.0))
        summary = Summary(run_id=folder.run_id, best_val_accuracy=max(accuracies), final_val_accuracy=accuracies[-1],
                          seconds_per_epoch=1.0, train_seconds=4.0)
        log.append(RunFinished(summary=summary, time=0.0))
        log.close()
        folder.summary_path.write_text(json.dumps(summary.to_json()))
        right = round(max(accuracies) * SENTENCES)
        rows = [{"text": f"sentence {i}", "label": i % 2, "p_positive": (0.9 if i % 2 else 0.1) if i < right else
                 (0.1 if i % 2 else 0.9), "step": 40} for i in range(SENTENCES)]
        (folder.path / "best_predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return session


# -- a sweep with two settings of lora (confirmation runs due), recorded from evaluation logs ----------
SMALL_SENTENCES = 60
IDS = [f"s{i:02d}" for i in range(SMALL_SENTENCES)]
"""Sentence ids in sorted order: the halves index them directly."""
TUNING, JUDGING = split_halves(SMALL_SENTENCES)  # over the sorted ids: IDS are sorted already


def accurate(rng: np.random.Generator, tuning: float, judging: float) -> np.ndarray:
    correct = np.zeros(SMALL_SENTENCES, dtype=bool)
    correct[TUNING] = rng.random(len(TUNING)) < tuning
    correct[JUDGING] = rng.random(len(JUDGING)) < judging
    return correct


def record_run(session: Session, config, evaluations: list[np.ndarray], status: Status = Status.FINISHED,
               ids: list[str] = IDS, labels: list[int] | None = None, label_names: list[str] | None = None) -> None:
    """A run's events and evaluation log; with `labels`, its best predictions too (the sentences' true
    classes, which the verdict's collapsed-run check reads), named by `label_names` (SST-2's by default)."""
    folder = session.new_run(config)
    folder.config_path.write_text(json.dumps(config.to_dict()))
    log = EventLog(folder.events_path)
    named = {"label_names": label_names} if label_names else {}
    log.append(RunStarted(run_id=folder.run_id, method=config.method, config=config, effective={}, device=DeviceInfo("cpu", "CPU"),
                          precision="fp32", trainable_params=1, total_params=1, versions={}, train_examples=100,
                          eval_examples=len(ids), total_steps=40, steps_per_epoch=10, time=0.0, **named))
    if labels is not None:
        rows = [{"id": i, "text": i, "label": label, "p_positive": 0.5} for i, label in zip(ids, labels, strict=True)]
        (folder.path / "best_predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    for index, correct in enumerate(evaluations, start=1):
        append_evaluation(folder.path, ids, 10 * index, correct.tolist())
    summary = Summary(run_id=folder.run_id, status=status, train_seconds=36.0,
                      best_val_accuracy=max(float(c.mean()) for c in evaluations))
    log.append(RunFinished(summary=summary, time=0.0))
    log.close()
    folder.summary_path.write_text(json.dumps(summary.to_json()))


def planned_sweep(tmp_path, confirm_seeds: int = 3) -> Sweep:
    points = build_grid({"method": parse_listed("--method", ["full,lora"]), "lr": parse_listed("--lr", ["lora=1e-4,3e-4"]),
                         "model": parse_listed("--model", ["demo"]), "data": parse_listed("--data", ["demo"])}, [0, 1, 2])
    session = Session.create(tmp_path, "sw", label="sweep")
    write_sweep_file(session.path, points, 1, confirm_seeds=confirm_seeds)
    return Sweep.open(session.path)


def run_grid(sweep: Sweep, rng: np.random.Generator) -> None:
    """lora lr=3e-4 is better on the tuning half; each run's later evaluation is better on the judging
    half only (a step chosen on all sentences would take it)."""
    for config in sweep.file.grid:
        good = config.method == "lora" and config.sweep.setting == "lr=3e-4"
        tuning = 0.9 if good else 0.7
        record_run(sweep.session, config, [accurate(rng, tuning, 0.6), accurate(rng, tuning - 0.2, 1.0)])
