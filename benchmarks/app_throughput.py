"""Training throughput of a run watched by the app vs the headless `sst2-tui run`, same config,
interleaved; and what watching costs the app's own process.

    .venv/bin/python -m benchmarks.app_throughput [--repeats 3] [--epochs 4]

Each measurement is a fresh process, as a user would start it: `sst2-tui run ...` for headless,
and the real `SST2App` (rendering every frame through Textual's headless driver) for the app,
which starts the run as its own process and follows its folder. Targets: the watched run trains
at >= 97% of headless (median of the repeats), and the app uses <= 5% of one core on average
while it follows the run (its CPU time over the run's wall time). Writes benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import machine, median, versions, write_results
from sst2_tui.core.config import RunConfig
from sst2_tui.core.run.self_command import sst2_command

APP_DRIVER = r"""
import asyncio, json, resource, sys, time
from pathlib import Path
from sst2_tui.core.config import RunConfig
from sst2_tui.tui.app import SST2App

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)  # this process only: the run is another one
    return usage.ru_utime + usage.ru_stime

async def drive():
    config = RunConfig.from_dict(json.loads(sys.argv[1]))
    app = SST2App(Path(sys.argv[2]), queue=[config], session_name="app")
    async with app.run_test(size=(120, 36)) as pilot:
        while app.current is None or app.current.step < 1:
            await pilot.pause(0.05)
        cpu0, wall0 = cpu(), time.monotonic()
        while app.current.summary is None or app.handle is not None:
            # asyncio.sleep, not pilot.pause: the pilot's pause walks every widget and forces a
            # full screen update each call (1.3% of a core at 5 calls a second, on an idle app),
            # which a real app never does.
            await asyncio.sleep(0.2)
        share = (cpu() - cpu0) / (time.monotonic() - wall0)
        print(json.dumps({**app.current.summary.to_json(), "app_cpu_share": share}))

asyncio.run(drive())
"""


def headless(config: RunConfig, root: Path) -> float:
    command = [*sst2_command(), "run", "--quiet", "--sessions-dir", str(root), "--model", config.model,
               "--data", config.data, "--epochs", str(config.epochs), "--batch-size", str(config.batch_size),
               "--eval-every", str(config.eval_every), "--method", config.method]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return float(json.loads(out.strip().splitlines()[-1])["train_samples_per_second"])


def in_app(config: RunConfig, root: Path, cpu_shares: list[float]) -> float:
    command = [sys.executable, "-c", APP_DRIVER, json.dumps(config.to_dict()), str(root)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    cpu_shares.append(round(result["app_cpu_share"], 4))
    return float(result["train_samples_per_second"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=float, default=4)
    parser.add_argument("--method", default="full")
    args = parser.parse_args()
    config = RunConfig(model="demo", data="demo", epochs=args.epochs, batch_size=16, eval_every=25, method=args.method)
    results: dict[str, list[float]] = {"headless": [], "app": []}
    cpu_shares: list[float] = []
    # ignore_cleanup_errors: a run's detached queue runner may still be letting go of its files
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        for repeat in range(args.repeats):
            order = (("headless", headless), ("app", lambda c, r: in_app(c, r, cpu_shares)))
            for name, fn in order if repeat % 2 == 0 else order[::-1]:
                value = fn(config, Path(tmp) / f"{name}-{repeat}")
                results[name].append(value)
                print(f"{name:<9} {value:8.1f} samples/s", flush=True)
    ratio = median(results["app"]) / median(results["headless"])
    share = sum(cpu_shares) / len(cpu_shares)
    print(f"watched / headless = {ratio:.3f} (target >= 0.97); app CPU {100 * share:.1f}% of one core (target <= 5%)")
    path = write_results("app_throughput", {"machine": machine(), "versions": versions(), "config": config.to_dict(),
                                            "samples_per_second": results, "median_ratio_app_to_headless": round(ratio, 4),
                                            "target": 0.97, "met": ratio >= 0.97, "app_cpu_share_of_one_core": cpu_shares,
                                            "app_cpu_mean": round(share, 4), "app_cpu_target": 0.05,
                                            "app_cpu_met": share <= 0.05})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
