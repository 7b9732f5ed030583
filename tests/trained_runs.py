"""One trained demo run per method, made once per test process (in this process: a few steps of the
tiny demo model) and shared by the tests that only need a finished or interrupted run folder to read,
resume, export, report or damage. Each test gets a copy of the run's whole session, never the
original, so what one test damages no other test sees."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from sst2_tui.core.config import RunConfig
from tests.helpers import unfinish

SHARED = RunConfig(model="demo", data="demo", train_subset=64, eval_subset=16, epochs=1, batch_size=16, save_every=2,
                   keep_checkpoints=5)
"""4 steps, a checkpoint every 2 (kept), evaluated at the end: what a resume, a tampered checkpoint,
an export or a report needs."""


@functools.cache
def _original(method: str) -> Path:
    """The run folder trained once in this process (session `s` in a folder removed at exit)."""
    from sst2_tui.core.run.runner import execute
    from sst2_tui.core.storage.sessions import Session

    root = Path(tempfile.mkdtemp(prefix=f"sst2-shared-{method}-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    outcome = execute(SHARED.replace(method=method), Session.create(root / "sessions", "s"))
    assert outcome.exit_code == 0, outcome.error
    return Path(outcome.summary.run_dir)


def finished_run(into: Path, method: str = "full") -> Path:
    """A copy of the shared finished run's session under `into` (`into/s`); the copy's run folder."""
    original = _original(method)
    shutil.copytree(original.parent.parent, into / "s")
    return into / "s" / "runs" / original.name


def interrupted_run(into: Path, method: str = "full") -> Path:
    """The same, as if its process died after its last checkpoint (no run_finished line, no summary)."""
    run_dir = finished_run(into, method)
    unfinish(run_dir)
    return run_dir
