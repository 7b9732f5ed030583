"""The commands that only read or steer never import what training needs (#47): importing torch and
transformers is most of a tiny run's CPU (a `report` went from 3.3-3.6 s to 1.4 s of CPU without it).
Each command runs in a fresh interpreter, which then lists the heavy modules it holds."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sst2_tui.core.run.self_command import python_command
from tests import trained_runs

HEAVY = ("torch", "transformers", "peft", "datasets", "textual")

PROBE = """
import sys
from sst2_tui.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("HEAVY " + " ".join(m for m in {heavy} if m in sys.modules), file=sys.stderr)
"""


def heavy_modules(*args: str, cwd: Path) -> set[str]:
    result = subprocess.run([*python_command(), "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True,
                            text=True, timeout=120, cwd=cwd, env=None)
    line = next(x for x in result.stderr.splitlines() if x.startswith("HEAVY"))
    return set(line.split()[1:])


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    return trained_runs.finished_run(tmp_path_factory.mktemp("light"))  # a copy of the shared run


@pytest.mark.parametrize(("command", "allowed"), [
    (["--version"], set()),
    (["sessions", "--sessions-dir", "{sessions}"], set()),
    (["report", "{session}"], set()),
    (["ctl", "{run}", "lr", "1e-3"], set()),
    (["ctl", "{run}", "pause"], set()),
    # TensorBoard's event writer is torch's (torch.utils.tensorboard); never transformers.
    (["export-tracker", "{session}", "--to", "tensorboard"], {"torch"}),
])
def test_a_command_that_reads_or_steers_imports_no_training_library(finished_run, tmp_path, command, allowed):
    session = finished_run.parent.parent
    args = [word.format(sessions=session.parent, session=session, run=finished_run) for word in command]
    assert heavy_modules(*args, cwd=tmp_path) <= allowed


def test_attach_starts_the_app_without_importing_training_libraries(tmp_path):
    """`attach` (and the app) until a run is started from it: the app module and what it imports."""
    probe = "import sys, sst2_tui.tui.app; print(' '.join(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))"
    result = subprocess.run([*python_command(), "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []
