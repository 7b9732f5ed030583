"""Every file read back from a session is checked for types: a bad one is named and skipped, the
rest still listed and reported, and nothing prints a traceback."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from sst2_tui.core.config import RunConfig
from sst2_tui.core.run.runner import execute
from sst2_tui.core.storage.sessions import Session, list_sessions, overview
from tests.cli import run_cli

SMALL = RunConfig(model="demo", data="demo", train_subset=32, eval_subset=16, epochs=1, batch_size=16)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> Path:
    sessions = tmp_path_factory.mktemp("bad") / "sessions"
    session = Session.create(sessions, "s")
    for _ in range(2):
        assert execute(SMALL, session).exit_code == 0
    return sessions


def cli(*args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, timeout=120)


def copy_of(sessions: Path, tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(sessions, tmp_path / "sessions")
    return tmp_path / "sessions"


DAMAGE = {
    "summary is a list": ("runs/01-full/summary.json", "[1,2,3]"),
    "accuracy as text": ("runs/01-full/summary.json", '{"status": "finished", "best_val_accuracy": "0.9"}'),
    "config is a list": ("runs/01-full/config.json", "[]"),
    "config field of a wrong type": ("runs/01-full/config.json", '{"method": "full", "batch_size": "32"}'),
    "session file is a list": ("session.json", "[1]"),
    "control command is text": ("runs/01-full/events.jsonl",
                                '{"type":"control","step":1,"command":"stop","time":1}\n'),
}


@pytest.mark.parametrize("case", DAMAGE)
def test_a_malformed_file_is_named_and_skipped_by_sessions_and_report(two_runs, tmp_path, case):
    sessions = copy_of(two_runs, tmp_path)
    relative, text = DAMAGE[case]
    target = sessions / "s" / relative
    if target.name == "events.jsonl":
        target.write_text(target.read_text() + text)
    else:
        target.write_text(text)
    listed = cli("sessions", "--sessions-dir", str(sessions))
    assert listed.returncode == 0 and "Traceback" not in listed.stderr and "s" in listed.stdout
    if target.name != "events.jsonl":
        assert str(target) in listed.stderr, "the bad file is named"
    reported = cli("report", str(sessions / "s"))
    assert reported.returncode == 0, reported.stderr
    assert "Traceback" not in reported.stderr
    markdown = (sessions / "s" / "report.md").read_text()
    assert "Run 02\\-full" in markdown, "the other run is still reported"


def test_overview_skips_a_bad_summary_but_keeps_the_run(two_runs, tmp_path):
    sessions = copy_of(two_runs, tmp_path)
    (sessions / "s" / "runs" / "01-full" / "summary.json").write_text('{"best_val_accuracy": "high"}')
    row = overview(list_sessions(sessions)[0])
    assert row.runs == 2 and isinstance(row.best_accuracy, float)
    assert any("summary.json" in p and "best_val_accuracy" in p for p in row.problems)


def test_report_refuses_a_folder_that_is_not_a_session(tmp_path):
    (tmp_path / "notes").mkdir()
    result = cli("report", str(tmp_path / "notes"))
    assert result.returncode == 2 and "not a session folder" in result.stderr
    assert list((tmp_path / "notes").iterdir()) == [], "nothing written into it"


@pytest.mark.parametrize("name", ["two\nlines", "x" * 300, "tab\there"])
def test_bad_session_names_are_one_line_errors(tmp_path, name):
    result = cli("run", "--model", "demo", "--data", "demo", "--session", name, "--sessions-dir", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "--session" in result.stderr
    assert "--sessions-dir" not in result.stderr, "the name is at fault, not the folder"
    assert len(result.stderr) < 400


def test_a_live_run_is_listed_as_live_and_a_dead_one_as_died(two_runs, tmp_path):
    from sst2_tui.core.storage.sessions import RunFolder

    sessions = copy_of(two_runs, tmp_path)
    run = sessions / "s" / "runs" / "02-full"
    (run / "summary.json").unlink()
    lines = (run / "events.jsonl").read_text().splitlines()
    (run / "events.jsonl").write_text("\n".join(line for line in lines if "run_finished" not in line) + "\n")
    session = Session.open(sessions / "s")
    assert [r.status for r in session.runs()] == ["finished", "died"]
    with RunFolder(run).hold_lock():
        assert [r.status for r in session.runs()] == ["finished", "live"]
        listed = cli("sessions", "--sessions-dir", str(sessions), "--json")
        runs = json.loads(listed.stdout)[0]["runs"]
        assert [r["status"] for r in runs] == ["finished", "live"] and runs[1]["pid"] == os.getpid()
        assert runs[1]["last_checkpoint_step"] is not None and runs[1]["total_steps"] == runs[1]["step"]


def test_the_app_lists_sessions_with_bad_files_and_stays_up(two_runs, tmp_path):
    import asyncio

    from tests.fake_engine import FakeEngine
    from tests.test_app import make_app

    sessions = copy_of(two_runs, tmp_path)
    (sessions / "s" / "runs" / "01-full" / "summary.json").write_text("[1,2,3]")
    (sessions / "s" / "session.json").write_text('"just text"')
    app = make_app(tmp_path, FakeEngine(steps=2), [])
    app.sessions_dir = sessions

    async def drive() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("b")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause(0.3)
            assert app.is_running
            assert type(app.screen).__name__ == "SessionDetailScreen"
            assert len(app.screen.views) == 2

    asyncio.run(drive())
