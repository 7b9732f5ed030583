"""A finished sweep written event by event, no training: 2 methods x 1 setting x 3 seeds, each run
with 4 evaluations whose spread over seeds is known, and per-sentence predictions at its best step
(what the verdict pairs). For the report's seed bands in a browser and the app's sweep curves."""

from __future__ import annotations

import json

from sst2_tui.core.device_info import DeviceInfo
from sst2_tui.core.events import Eval, RunFinished, RunStarted, Step
from sst2_tui.core.storage.files import EventLog
from sst2_tui.core.storage.sessions import Session
from sst2_tui.core.summary import Summary
from sst2_tui.core.sweep.grid import build_grid, parse_listed
from sst2_tui.core.sweep.state import write_sweep_file

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
