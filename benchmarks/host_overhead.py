"""Host work per training step around the model, measured on GPT-2 small's structure.

Why: the GPU target (a `full` epoch of SST-2 in <= 8 s: 2,105 steps, 3.8 ms each) leaves little
room for the host once CUDA graphs replay the forward and backward. What our loop does around
the model (building the batch, the non-finite check, the optimizer, the device totals, steering,
events) is host work and kernel launches that no captured graph hides. This measures it where a
GPU is not needed: GPT-2 small's 12 blocks and every tensor it has, at a width of 12 (so the
arithmetic is nearly free and per-op dispatch dominates, as launches do on a GPU), on SST-2
sentences, batch 32, the loss read every 25 steps as on a GPU.

Stages, each per optimizer step (median of interleaved repeats in one process):
- `model`: forward and backward on ready batches (autocast as the run's precision plan says);
- `bare`: a minimal loop: build the batch, forward, backward, fused AdamW, zero_grad;
- `ours`: the `full` method through its step-wise generator (everything it does per step).
`ours - bare` is our per-step bookkeeping. Ops per step (counted at torch's dispatcher, forward
and backward) stand in for kernel launches.

    python -m benchmarks.host_overhead --data ../shared/data/sst2 --tokenizer ../shared/models/gpt2
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from benchmarks.common import machine, median, versions, write_results

COUNTED_STEP = 6


class OpCounter(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.ops = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops += 1
        return func(*args, **(kwargs or {}))


def narrow_gpt2(tokenizer_dir: Path, into: Path) -> Path:
    """GPT-2 small's config and tokenizer with every width set to 12: same tensors and ops, little arithmetic."""
    shutil.copytree(tokenizer_dir, into, dirs_exist_ok=True)
    config = json.loads((into / "config.json").read_text())
    config.update(n_embd=12, n_head=12, n_inner=48)
    (into / "config.json").write_text(json.dumps(config))
    return into


def run_config(args: argparse.Namespace, model: Path):
    from sst2_tui.core.config import RunConfig

    return RunConfig(method="full", model=str(model), init="random", data=args.data, train_subset=32 * args.steps,
                     eval_subset=32, batch_size=32, epochs=1, log_every=25, seed=0, keep_checkpoints=1,
                     save_every=10**6, export="none")


def time_ours(config, run_dir: Path) -> tuple[float, int]:
    from sst2_tui.core.controls import ControlChannel
    from sst2_tui.core.events import RunFinished
    from sst2_tui.core.methods import get_method

    summary: dict[str, Any] = {}
    for events in get_method("full")(config, ControlChannel(), run_dir):
        summary = next((e.summary.to_json() for e in events if isinstance(e, RunFinished)), summary)
    return summary["train_seconds"] / summary["steps"], summary["steps"]


def time_bare(config, run_dir: Path, *, optimizer_too: bool) -> tuple[float, int]:
    """Seconds per step of a minimal loop (or of forward and backward alone), and the ops of one steady step."""
    from sst2_tui.core.data.batching import BatchOrder, collate, to_device
    from sst2_tui.core.methods.prepare import prepare

    prep = prepare(config, run_dir)
    model, device, plan = prep.model.train(), prep.torch_device, prep.plan
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, eps=1e-4, fused=True)
    order = BatchOrder([len(x) for x in prep.train.ids], config.batch_size, config.seed, prep.steps_per_epoch)

    def batch_at(step: int) -> dict[str, torch.Tensor]:
        return to_device(collate(prep.train, order.at(step), prep.loaded.pad_id), device)

    ready = [batch_at(step) for step in range(prep.total_steps)] if not optimizer_too else None
    counter, ops = OpCounter(), 0
    started = time.perf_counter()
    for step in range(prep.total_steps):
        with counter if step == COUNTED_STEP else contextlib.nullcontext():
            batch = ready[step] if ready is not None else batch_at(step)
            with plan.autocast(device.type):
                loss = model(**batch).loss
            loss.backward()
            if optimizer_too:
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
        if step == COUNTED_STEP:
            ops, counter = counter.ops, OpCounter()
        if not optimizer_too:
            model.zero_grad(set_to_none=True)
    if device.type == "cuda":
        torch.cuda.synchronize()  # the queued steps must finish inside the timing
    return (time.perf_counter() - started) / prep.total_steps, ops


def ops_of_ours(config, run_dir: Path) -> int:
    """Dispatched ops in one steady step of `full` (its generator's seventh `next()`: step 6)."""
    from sst2_tui.core.controls import ControlChannel
    from sst2_tui.core.methods import get_method

    generator = get_method("full")(config, ControlChannel(), run_dir)
    for _ in range(COUNTED_STEP + 1):  # the first `next()` yields the run's first events, before any step
        next(generator)
    with OpCounter() as counter:
        next(generator)
    generator.close()
    return counter.ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="an SST-2 folder (train.tsv, dev.tsv)")
    parser.add_argument("--tokenizer", required=True, help="GPT-2's config and tokenizer folder")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--label", default="", help="names the code measured (e.g. a commit) in the results file")
    args = parser.parse_args()
    if args.steps < COUNTED_STEP + 2:
        parser.error(f"--steps must be at least {COUNTED_STEP + 2}: ops are counted at step {COUNTED_STEP}")
    timings: dict[str, list[float]] = {"model": [], "bare": [], "ours": []}
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = narrow_gpt2(Path(args.tokenizer), Path(tmp) / "gpt2-narrow")
        config = run_config(args, model_dir)
        ops: dict[str, int] = {}
        for repeat in range(args.repeats):
            where = Path(tmp) / f"r{repeat}"
            seconds, ops["model"] = time_bare(config, where / "model", optimizer_too=False)
            timings["model"].append(seconds)
            seconds, ops["bare"] = time_bare(config, where / "bare", optimizer_too=True)
            timings["bare"].append(seconds)
            timings["ours"].append(time_ours(config, where / "ours")[0])
            print(json.dumps({k: round(v[-1] * 1000, 3) for k, v in timings.items()}), flush=True)
        ops["ours"] = ops_of_ours(config, Path(tmp) / "ops")
    ms = {k: round(median(v) * 1000, 3) for k, v in timings.items()}
    result = {"label": args.label, "machine": machine(), "versions": versions(), "steps": args.steps,
              "precision": config.resolved().precision,
              "ms_per_step": ms, "ms_per_step_runs": {k: [round(x * 1000, 3) for x in v] for k, v in timings.items()},
              "bookkeeping_ms_per_step": round(ms["ours"] - ms["bare"], 3), "ops_per_step": ops,
              "ops_outside_forward_backward": ops["ours"] - ops["model"]}
    print(json.dumps(result["ms_per_step"]), json.dumps(ops))
    print(write_results("host_overhead" + (f"-{args.label}" if args.label else ""), result))


if __name__ == "__main__":
    main()
