"""What every fault probe shares: the real `sst2-tui` in a subprocess, the one-line-error check, a
small finished session to copy, a live detached run, and waiting for a run's summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests import forked_process

DEMO = ["--model", "demo", "--data", "demo", "--quiet"]
SMALL = [*DEMO, "--train-subset", "64", "--eval-subset", "16", "--batch-size", "16", "--save-every", "2",
         "--keep-checkpoints", "5"]


WAIT_SECONDS = 300
"""How long a case waits for a run to get somewhere (a first step, a checkpoint, its summary): only a
case that fails waits it out, so it is generous: two cases at once on 2 cores (CI) slow every run."""

def sst2(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`sst2-tui ARGS` to its end (with `env` added to this environment), through the tests' one seam
    (tests/forked_process.py: a child of the preloaded fork server, or a real process where that would differ)."""
    return forked_process.run(list(args), timeout=600, cwd=cwd, env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})})


def sst2_process(*args: str, **popen) -> subprocess.Popen | forked_process.ForkedProcess:
    """`sst2-tui ARGS` in the background (the same seam); the caller signals, waits for or kills it."""
    return forked_process.start(list(args), env={**os.environ, "HF_HUB_OFFLINE": "1"}, **popen)


def one_line(result: subprocess.CompletedProcess, code: int = 2) -> bool:
    err = result.stderr.strip()
    return result.returncode == code and len(err.splitlines()) == 1 and "Traceback" not in err and len(err) < 500


class Probe:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases: list[dict] = []
        base = sst2("run", *SMALL, "--sessions-dir", str(root / "base"), "--session", "s")
        assert base.returncode == 0, base.stderr
        self.base_run = root / "base" / "s" / "runs" / "01-full"

    def case(self, group: str, name: str, check: Callable[[Path], tuple[bool, str]], index: int | None = None) -> dict:
        """Run one case in a folder of its own and return its record (`index` names the folder; cases
        may run on threads side by side: each one's processes and files are its own)."""
        folder = self.root / f"case{len(self.cases) if index is None else index:02d}"
        started = time.monotonic()
        try:
            passed, detail = check(folder)
        except Exception as error:  # noqa: BLE001 - a probe that crashes is a failed case, with the reason
            passed, detail = False, f"{type(error).__name__}: {error}"
        record = {"group": group, "case": name, "passed": passed, "detail": detail[:300],
                  "seconds": round(time.monotonic() - started, 1)}
        print(f"{'PASS' if passed else 'FAIL'}  {group}: {name}  {detail[:120]}", flush=True)
        if index is None:
            self.cases.append(record)
        return record

    def copy_session(self, folder: Path, unfinished: bool = False) -> Path:
        shutil.copytree(self.base_run.parent.parent, folder / "s")
        run = folder / "s" / "runs" / "01-full"
        if unfinished:
            (run / "summary.json").unlink()
            lines = (run / "events.jsonl").read_text().splitlines()
            (run / "events.jsonl").write_text("\n".join(x for x in lines if '"run_finished"' not in x) + "\n")
        return run

def live_run(folder: Path, *extra: str) -> Path:
    launched = sst2("run", *DEMO, "--epochs", "50", "--sessions-dir", str(folder), "--session", "s", "--detach", *extra)
    assert launched.returncode == 0, launched.stderr
    run = Path(json.loads(launched.stdout)["run_dir"])
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and '"type":"step"' not in (run / "events.jsonl").read_text():
        time.sleep(0.1)
    return run


def wait_for_summary(run: Path, seconds: float = WAIT_SECONDS) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (run / "summary.json").exists():
        time.sleep(0.1)
    return json.loads((run / "summary.json").read_text())
