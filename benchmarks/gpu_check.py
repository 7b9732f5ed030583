"""The CUDA paths CI cannot test: autocast, GradScaler, the fused AdamW's on-device step skipping,
device detection and memory figures, and the fp16-pure NaN diagnosis.

    python3 -m benchmarks.gpu_check --model ../shared/models/gpt2 --data ../shared/data/sst2

Each method for 100 steps on GPT-2 small (random weights) and real SST-2, at `auto` and `fp16`;
then `fp16-pure` with eps 1e-8, as the reference experiment did. Writes benchmarks/results/.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.common import machine, versions, write_results
from sst2_tui.core.config import RunConfig
from sst2_tui.core.events import Nonfinite, RunStarted, Step, WarningEvent
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session


def one(config: RunConfig) -> dict[str, Any]:
    events: list = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        outcome = execute(config, Session.create(Path(tmp), "check"), on_event=events.append, headless=True)
    steps = [e for e in events if isinstance(e, Step)]
    run_started = next((e for e in events if isinstance(e, RunStarted)), None)
    return {
        "method": config.method, "precision": config.precision, "eps": config.eps,
        "status": outcome.summary.status, "error": outcome.error,
        "steps": outcome.summary.steps, "samples_per_second": outcome.summary.train_samples_per_second,
        "first_loss": steps[0].loss if steps else None, "last_loss": steps[-1].loss if steps else None,
        "loss_reads": len(steps), "skipped_steps": outcome.summary.skipped_steps,
        "best_val_accuracy": outcome.summary.best_val_accuracy, "peak_memory_mb": outcome.summary.peak_memory_mb,
        "memory_in_use_mb_last_step": steps[-1].memory_mb if steps else None,
        "effective": run_started.effective if run_started else None,
        "device": run_started.device if run_started else None,
        "resolved_precision": run_started.precision if run_started else None,
        "warnings": [e.message for e in events if isinstance(e, WarningEvent)],
        "nonfinite": [{"step": e.step, "what": e.what, "diagnosis": e.diagnosis, "action": e.action,
                       "restored_step": e.restored_step} for e in events if isinstance(e, Nonfinite)],
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    base = RunConfig(model=args.model, init="random", data=args.data, train_subset=32 * args.steps, batch_size=32,
                     epochs=1, keep_checkpoints=1)
    cases = [base.replace(method=m, precision=p) for p in ("auto", "fp16") for m in ("full", "trainer", "lora")]
    cases.append(base.replace(method="full", precision="fp16-pure", eps=1e-8))
    results: list[dict[str, Any]] = []
    path = None
    for config in cases:
        try:
            result = one(config)
        except Exception as error:  # noqa: BLE001 - record and go on: one broken path must not hide the others
            result = {"method": config.method, "precision": config.precision, "error": repr(error),
                      "traceback": traceback.format_exc()}
        results.append(result)
        print({k: result.get(k) for k in ("method", "precision", "status", "steps", "samples_per_second", "first_loss",
                                          "last_loss", "skipped_steps", "peak_memory_mb", "error")}, flush=True)
        for key in ("warnings", "nonfinite"):
            if result.get(key):
                print(f"  {key}: {result[key]}", flush=True)
        path = write_results("gpu_check", {"machine": machine(), "versions": versions(), "results": results}, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
