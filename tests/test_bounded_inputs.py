"""#46: every file the tool reads as input is a plain file of bounded size, parsed to a bounded
depth, and every sweep flag says its range: one line each, nothing created, never a hang."""

from __future__ import annotations

import os

import pytest

from sst2_tui.cli.main import main


def _one_line(capsys, code: int, *says: str) -> None:
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    for words in says:
        assert words in err, err


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_a_config_that_is_a_fifo_a_device_or_too_deep_is_one_line(tmp_path, capsys, fifo, command):
    zero = tmp_path / "zero.toml"
    zero.symlink_to("/dev/zero")
    deep = tmp_path / "deep.toml"
    deep.write_text("lr = " + "[" * 5000 + "]" * 5000 + "\n")
    huge = tmp_path / "huge.toml"
    huge.write_text("# " + "x" * (2 * 1024 * 1024) + "\n")
    for path, says in ((fifo, "a FIFO"), (zero, "a device"), (deep, "nested deeper than 64 levels"),
                       (huge, "2.0 MB, more than the 1.0 MB")):
        _one_line(capsys, main([command, "--config", str(path), "--sessions-dir", str(tmp_path / "s")]),
                  f"--config '{path}'", says)
    assert not (tmp_path / "s").exists()


def test_data_and_predict_input_that_are_not_plain_files_are_one_line(tmp_path, capsys, fifo):
    _one_line(capsys, main(["run", "--model", "demo", "--data", str(fifo), "--sessions-dir", str(tmp_path / "s")]),
              "--data", "not a file or folder")
    assert not (tmp_path / "s").exists()
    _one_line(capsys, main(["predict", "demo", "--file", "/dev/zero"]), "--file '/dev/zero': a device")
    _one_line(capsys, main(["predict", "demo", "--file", str(fifo)]), "a FIFO")


@pytest.mark.parametrize(("hours", "says"), [("1e308", "from 0.01 to 1,000,000"), ("1e-300", "from 0.01"),
                                             ("nan", "from 0.01"), ("-1", "from 0.01")])
def test_max_hours_says_its_range(tmp_path, capsys, hours, says):
    _one_line(capsys, main(["sweep", "--until-resolved", "--max-hours", hours, "--method", "full,lora", "--model", "demo",
                            "--data", "demo", "--sessions-dir", str(tmp_path)]), f"--max-hours '{hours}': give device-hours {says}")


def test_plan_from_a_file_says_it_is_a_file(tmp_path, capsys):
    file = tmp_path / "notes.txt"
    file.write_text("x")
    _one_line(capsys, main(["sweep", "--plan-from", str(file), "--print-commands", "--model", "demo", "--data", "demo"]),
              "a file, not a session folder")


def test_a_sweep_of_a_missing_model_is_refused_before_anything_is_created(tmp_path, capsys):
    _one_line(capsys, main(["sweep", "--model", str(tmp_path / "nothing"), "--data", "demo", "--method", "full,lora",
                            "--sessions-dir", str(tmp_path / "s")]), "--model", "no such folder")
    _one_line(capsys, main(["sweep", "--model", "demo", "--data", str(tmp_path / "nothing.tsv"), "--method", "full,lora",
                            "--sessions-dir", str(tmp_path / "s")]), "--data", "no such file")
    assert not (tmp_path / "s").exists()


def test_a_grid_from_a_long_toml_list_is_counted_at_once(tmp_path, capsys):
    """20,000 values were refused after 85 s (each compared with every other); 200,000 equal ones
    gave no answer in a minute. Now each distinct value is checked once and counted by hashing."""
    many = tmp_path / "many.toml"
    many.write_text("lr = [" + ", ".join(f"{(i + 1) * 1e-7:.7g}" for i in range(20_000)) + "]\n")
    _one_line(capsys, main(["sweep", "--config", str(many), "--model", "demo", "--data", "demo", "--sessions-dir",
                            str(tmp_path / "s")]), "sweep: 20,000 runs; a grid over 500 runs needs --yes")
    same = tmp_path / "same.toml"
    same.write_text("lr = [" + ", ".join(["1e-5"] * 100_000) + "]\n")
    assert main(["sweep", "--config", str(same), "--model", "demo", "--data", "demo", "--print-commands",
                 "--sessions-dir", str(tmp_path / "s")]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1, "100,000 equal values are one setting"


def test_confirm_seeds_with_nothing_to_choose_is_said(tmp_path, capsys):
    """#46: `--confirm-seeds 5` with one setting of each method was accepted and did nothing."""
    _one_line(capsys, main(["sweep", "--model", "demo", "--data", "demo", "--method", "full,lora", "--confirm-seeds", "5",
                            "--sessions-dir", str(tmp_path / "s")]), "--confirm-seeds 5: every method has one setting")
    assert not (tmp_path / "s").exists()


def test_print_commands_says_the_confirmation_runs_are_not_among_its_lines(tmp_path, capsys):
    """#46: `--print-commands` left out the confirmation runs without a word."""
    assert main(["sweep", "--model", "demo", "--data", "demo", "--method", "full,lora", "--lr", "lora=1e-4,3e-4",
                 "--seeds", "0,1", "--print-commands", "--sessions-dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 6 and all(line.startswith("sst2-tui run ") for line in out.splitlines())
    assert "the grid's 6 runs only; the confirmation runs (2 fresh seed(s)" in err and "--seeds fresh:2" in err


def test_a_died_run_waiting_in_the_queue_is_listed_as_queued(tmp_path, capsys, monkeypatch):
    """#46: after `sweep --resume`, a died point waiting at the back of the queue read `died`."""
    import json

    import numpy as np

    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.storage.queue_file import Resume, SessionQueue
    from sst2_tui.core.storage.sessions import Session
    from sst2_tui.core.summary import Status
    from tests.sweep_session import accurate, record_run

    session = Session.create(tmp_path, "s")
    record_run(session, RunConfig(model="demo", data="demo"), [accurate(np.random.default_rng(0), 0.7, 0.7)], Status.DIED)
    record_run(session, RunConfig(model="demo", data="demo"), [accurate(np.random.default_rng(1), 0.7, 0.7)], Status.DIED)
    first, second = session.run_folders()
    SessionQueue(session.path).add(Resume(first.path))
    monkeypatch.setenv("COLUMNS", "160")  # the detail column whole
    assert main(["sessions", "--sessions-dir", str(tmp_path)]) == 0
    rows = {line.split()[1]: line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("│ ")
            and line.split()[1] in (first.run_id, second.run_id)}
    assert "queued (was died)" in rows[first.run_id] and "waits in the queue" in rows[first.run_id]
    assert "queued" not in rows[second.run_id] and "died" in rows[second.run_id]
    assert main(["sessions", "--sessions-dir", str(tmp_path), "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)[0]["runs"]
    assert [run["queued"] for run in runs] == [True, False]


def test_sweep_detach_counts_the_confirmation_runs_to_come(tmp_path, capsys, monkeypatch):
    """#47: `sweep --detach` printed `"runs": 8` where 12 would run (4 confirmation runs to come)."""
    import json

    monkeypatch.setattr("sst2_tui.core.run.queue_runner.ensure_queue_runner", lambda path: None)  # nothing starts
    assert main(["sweep", "--model", "demo", "--data", "demo", "--method", "full,lora", "--lr", "full=1e-5,3e-5",
                 "lora=1e-4,3e-4", "--seeds", "0,1", "--sessions-dir", str(tmp_path), "--detach"]) == 0
    said = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (said["runs"], said["runs_exact"], said["grid_runs"]) == (12, True, 8)
