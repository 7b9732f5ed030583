"""What users expect of any command line: --version, shell completion, every -h complete and true,
errors that name what the user typed, and a sessions folder that does not litter any folder."""

from __future__ import annotations

import argparse
from importlib.metadata import version
from pathlib import Path

import pytest

from sst2_tui.cli.main import build_parser, main
from sst2_tui.core.storage.sessions import default_sessions_dir

INTERNAL = {"--attachable", "--sweep-label"}  # set by sst2-tui on the runs it starts itself; not for people


def _parsers(parser: argparse.ArgumentParser, name: str = "sst2-tui"):
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def test_version_is_the_installed_distributions(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"sst2-tui {version('sst2-tui')}"


def test_bash_and_zsh_completion_come_from_the_same_parser(capsys):
    for shell in ("bash", "zsh"):
        with pytest.raises(SystemExit):
            main(["--print-completion", shell])
        script = capsys.readouterr().out
        assert "sst2-tui" in script and "predict" in script and "--nproc-per-node" in script and "--lora-r" in script


def test_every_option_and_argument_of_every_command_has_help():
    missing = [f"{name} {action.option_strings or action.dest}" for name, parser in _parsers(build_parser())
               for action in parser._actions
               if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction)
               and not set(action.option_strings) & INTERNAL
               and (not action.help or action.help == argparse.SUPPRESS)]
    assert missing == []


def test_every_command_has_a_description():
    assert [name for name, parser in _parsers(build_parser()) if name != "sst2-tui" and not parser.description] == []


def test_precision_help_does_not_promise_fp32_on_every_cpu():
    run_help = next(p for n, p in _parsers(build_parser()) if n == "sst2-tui run").format_help()
    assert "fp32 on CPU" not in run_help and "bf16 instructions" in " ".join(run_help.split())


def test_predict_names_its_own_argument_not_a_run_flag(capsys):
    assert main(["predict", "/nonexistent-model-folder", "a fine film"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sst2-tui: predict '/nonexistent-model-folder': no such folder") and "--model" not in err


def test_the_default_sessions_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SST2_TUI_SESSIONS", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_sessions_dir() == tmp_path / "data" / "sst2-tui" / "sessions", "not a sessions/ in any folder"
    Path("sessions").mkdir()
    assert default_sessions_dir() == tmp_path / "sessions", "a folder that keeps its sessions beside it (absolute)"
    monkeypatch.setenv("SST2_TUI_SESSIONS", str(tmp_path / "chosen"))
    assert default_sessions_dir() == tmp_path / "chosen"
    monkeypatch.delenv("SST2_TUI_SESSIONS")
    monkeypatch.delenv("XDG_DATA_HOME")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert default_sessions_dir() == Path.home() / ".local" / "share" / "sst2-tui" / "sessions"


def test_the_per_user_sessions_folder_follows_the_platform(tmp_path, monkeypatch):
    """On macOS the per-user folder is where macOS keeps an application's data (platformdirs)."""
    import platformdirs
    from platformdirs.macos import MacOS

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SST2_TUI_SESSIONS", raising=False)
    monkeypatch.setattr(platformdirs, "PlatformDirs", MacOS)
    assert default_sessions_dir() == Path.home() / "Library" / "Application Support" / "sst2-tui" / "sessions"


@pytest.mark.parametrize("command", [["report", "{long}"], ["sessions", "--sessions-dir", "{long}"], ["ctl", "{long}", "pause"],
                                     ["run", "--resume", "{long}"], ["predict", "{long}", "a fine film"],
                                     ["run", "--model", "demo", "--data", "demo", "--sessions-dir", "{long}"]])
def test_a_path_too_long_is_one_line_in_every_command(tmp_path, command, capsys):
    long = str(tmp_path / ("a" * 300))
    code = main([part.replace("{long}", long) for part in command])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "give a shorter path" in err and len(err) < 300


def test_a_session_name_with_terminal_escapes_cannot_reach_the_terminal(tmp_path, capsys):
    from sst2_tui.core.storage.sessions import Session

    session = Session.create(tmp_path, "plain")
    session.path.rename(tmp_path / "evil\x1b]0;pwned\x07\x1b[31mred")
    assert main(["sessions", "--sessions-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "evil\\x1b]0;pwned" in out


def test_a_run_folder_this_user_may_not_write_is_one_line_for_ctl(tmp_path, capsys, monkeypatch):
    """Another user's live run: ctl once printed a PermissionError traceback."""
    from sst2_tui.core.config import RunConfig
    from sst2_tui.core.storage.sessions import Session

    run = Session.create(tmp_path, "theirs").new_run(RunConfig(model="demo", data="demo"))
    run.events_path.write_text("")

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(run.control_path))

    monkeypatch.setattr("sst2_tui.core.storage.control_file.append_command", refused)
    with run.hold_lock():
        code = main(["ctl", str(run.path), "pause"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "you may not use it" in err
