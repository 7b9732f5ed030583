"""A demo comparison as a full grid and with `--until-resolved`, side by side (#37): the runs and
CPU-hours each spent, each one's verdict, and whether they agree.

Two pairs on the demo task (3,000 generated sentences, 300 validation, 2 epochs at batch 16, where
every seed learns): one that differs clearly (full against lora at learning rates too low for it to
leave chance) and one that does not (full against trainer: the same fine-tuning two ways).

    python -m benchmarks.adaptive_sweep          # about 15 minutes on 2 CPU cores

Writes benchmarks/results/adaptive_sweep-<machine>-<date>.json and prints the Markdown table for
RESULTS.md.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.common import machine, versions, write_results
from sst2_tui.core.report.sweep_verdict import sweep_verdict
from sst2_tui.core.run.self_command import sst2_command
from sst2_tui.core.storage.decisions_file import read_decisions
from sst2_tui.core.storage.sessions import Session, load_run

DEMO = ["--model", "demo", "--data", "demo", "--batch-size", "16", "--epochs", "2", "--parallel", "2"]
PAIRS = {
    "differs clearly (full vs lora at too low a learning rate)": ["--method", "full,lora", "--lr",
                                                                  "full=5e-4,1e-3", "lora=1e-5,3e-5"],
    "does not (full vs trainer)": ["--method", "full,trainer", "--lr", "5e-4,1e-3"],
}
MODES = {"full grid (3 seeds, 3 confirmation seeds)": ["--seeds", "0,1,2"],
         "--until-resolved --max-runs 24": ["--until-resolved", "--max-runs", "24"]}


@dataclass(frozen=True)
class SweepResult:
    exit_code: int
    runs: int
    cpu_hours: float
    wall_seconds: float
    answers: dict[str, str]
    verdict: list[str]
    stopped: str | None
    problem: str | None


def one_sweep(flags: list[str], root: Path) -> SweepResult:
    started = time.monotonic()
    done = subprocess.run([*sst2_command(), "sweep", *DEMO, *flags, "--sessions-dir", str(root), "--session", "s"],
                          capture_output=True, text=True, timeout=7200)
    wall = time.monotonic() - started
    session = Session.open(root / "s")
    records = [load_run(f) for f in session.run_folders()]
    seconds = sum((r.summary.train_seconds or 0) + (r.summary.eval_seconds or 0) for r in records if r.summary)
    verdict = sweep_verdict(session)
    stopped = [d.text for d in read_decisions(session.path)[0] if d.kind == "end"]
    return SweepResult(done.returncode, len(records), round(seconds / 3600, 4), round(wall, 1),
                       {p.a + " − " + p.b: p.decision for p in verdict.pairs}, [p.sentence for p in verdict.pairs],
                       stopped[0] if stopped else None, verdict.problem)


def main() -> int:
    results: dict[str, dict[str, SweepResult]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for pair, pair_flags in PAIRS.items():
            results[pair] = {}
            for mode, mode_flags in MODES.items():
                result = one_sweep([*pair_flags, *mode_flags], Path(folder) / f"{len(results)}-{len(results[pair])}")
                results[pair][mode] = result
                print(f"{pair} / {mode}: {result}", flush=True)
    agree = {pair: len({tuple(sorted(r.answers.items())) for r in found.values()}) == 1 for pair, found in results.items()}
    path = write_results("adaptive_sweep", {"machine": machine(), "versions": versions(), "demo": DEMO, "pairs": PAIRS,
                                            "modes": MODES, "results": {p: {m: asdict(r) for m, r in found.items()}
                                                                        for p, found in results.items()},
                                            "agree": agree})
    print("\n| pair | how | runs | CPU-hours | answer | why it stopped |")
    print("| --- | --- | --- | --- | --- | --- |")
    for pair, found in results.items():
        for mode, result in found.items():
            answer = "; ".join(f"{k}: {v}" for k, v in result.answers.items()) or str(result.problem)
            print(f"| {pair} | {mode} | {result.runs} | {result.cpu_hours:.3f} | {answer} | "
                  f"{result.stopped or 'the grid ran out'} |")
        print(f"| {pair} | the answers agree | {'yes' if agree[pair] else 'no'} | | | |")
    print(f"\n{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
