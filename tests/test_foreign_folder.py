"""sst2-tui started from a user's project that has its own `core/`, `cli/` and `tui/` packages (most
Django or FastAPI projects): every process it starts (a detached run, the queue runner and its runs,
torchrun's ranks) must still import sst2-tui's own code, never the folder's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sst2_tui.core.run.self_command import python_command
from tests.cli import run_cli, wait_until

pytestmark = pytest.mark.slow
DEMO = ["--model", "demo", "--data", "demo", "--epochs", "0.05", "--eval-every", "5"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder whose `core`, `cli` and `tui` packages blow up when imported."""
    folder = tmp_path / "someones-project"
    for package in ("core", "cli", "tui"):
        (folder / package).mkdir(parents=True)
        (folder / package / "__init__.py").write_text(f"raise ImportError('the project\\'s own {package} was imported')\n")
    (folder / "cli" / "main.py").write_text("raise SystemExit('the project\\'s cli.main ran')\n")
    return folder


def _finished(run_dir: Path) -> bool:
    summary = run_dir / "summary.json"
    return summary.exists() and json.loads(summary.read_text()).get("status") == "finished"


@pytest.mark.extended  # the same imports as the queue runner's test below
def test_a_detached_run_and_ctl_from_a_folder_with_its_own_core_package(project, tmp_path):
    launched = run_cli("run", "--detach", *DEMO, "--sessions-dir", str(tmp_path / "s"), cwd=project, real=True)
    assert launched.returncode == 0, launched.stderr
    run_dir = Path(json.loads(launched.stdout)["run_dir"])
    wait_until(lambda: _finished(run_dir) or not run_cli("ctl", str(run_dir), "lr", "1e-3", cwd=project, real=True).returncode,
               timeout=120, what="a ctl accepted or the run finished")
    wait_until(lambda: _finished(run_dir), timeout=120, what="the detached run finished")
    assert "the project" not in (run_dir / "run.log").read_text()


def test_the_queue_runner_and_its_runs_from_a_folder_with_its_own_core_package(project, tmp_path):
    """What `--demo` and the app's `n` do: queue runs, start the session's queue runner."""
    session = tmp_path / "s" / "q"
    code = ("import sys\n"
            "from pathlib import Path\n"
            "from sst2_tui.core.config import RunConfig\n"
            "from sst2_tui.core.run.queue_runner import ensure_queue_runner\n"
            "from sst2_tui.core.storage.queue_file import NewRun, SessionQueue\n"
            "from sst2_tui.core.storage.sessions import Session\n"
            "session = Session.create(Path(sys.argv[1]), 'q')\n"
            "config = RunConfig(model='demo', data='demo', epochs=0.05, eval_every=5)\n"
            "SessionQueue(session.path).add(NewRun(config), NewRun(config))\n"
            "ensure_queue_runner(session.path)\n")
    subprocess.run([*python_command(), "-c", code, str(session.parent)], cwd=project, check=True, timeout=120)
    wait_until(lambda: sum(_finished(r) for r in (session / "runs").glob("*") if r.is_dir()) == 2, timeout=240,
               what="both queued runs finished")
    assert "the project" not in (session / "queue-runner.log").read_text()


@pytest.mark.extended  # the same imports as the queue runner's test above, through torchrun
def test_torchrun_ranks_from_a_folder_with_its_own_cli_package(project, tmp_path):
    result = run_cli("run", "--nproc-per-node", "1", *DEMO, "--quiet", "--sessions-dir", str(tmp_path / "s"), cwd=project, real=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1])["status"] == "finished"


def test_the_project_folder_really_shadows_a_plain_dash_m(project):
    """The check above means something: started the old way, the folder's own package wins."""
    result = subprocess.run([sys.executable, "-m", "cli.main", "--help"], cwd=project, capture_output=True, text=True)
    assert result.returncode != 0 and "the project" in result.stderr
